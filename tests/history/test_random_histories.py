"""Random edit histories: every function's commit list equals the independent ast walk.

Each seed builds a file through 40 commits of edits chosen to trouble a
line-based tracker: bodies grow and shrink at their last line, statements
appear right after a function, functions move (unchanged) and swap places,
decorators come and go, methods of one name live in two classes.
"""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.oracle import changing_commits
from workbench.history.log import function_history

NAMES = ["alpha", "beta", "gamma", "delta", "Box.size", "Bag.size", "outer", "outer.inner"]


class RandomFile:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.bodies = {name: ["x = 1", "return x"] for name in NAMES}
        self.decorated = {name: False for name in NAMES}
        self.order = ["alpha", "beta", "Box", "gamma", "Bag", "delta", "outer"]
        self.extras: dict[str, list[str]] = {block: [] for block in self.order}
        self.serial = 0

    def _function(self, name: str, indent: str) -> list[str]:
        short = name.rsplit(".", 1)[-1]
        lines = [f"{indent}@trace"] if self.decorated[name] else []
        lines.append(f"{indent}def {short}(x):")
        if name == "outer":
            lines += self._function("outer.inner", indent + "    ")
        lines += [
            f"{indent}    {line}" for entry in self.bodies[name] for line in entry.split("\n")
        ]
        return lines

    def render(self) -> str:
        lines = ["def trace(f):", "    return f", ""]
        for block in self.order:
            lines.append("")
            if block in ("Box", "Bag"):
                lines.append(f"class {block}:")
                lines += self._function(f"{block}.size", "    ")
            else:
                lines += self._function(block, "")
            lines += self.extras[block]
            lines.append("")
        return "\n".join(lines) + "\n"

    def mutate(self) -> None:
        self.serial += 1
        rng, tag = self.rng, self.serial
        name = rng.choice(NAMES)
        body = self.bodies[name]
        action = rng.randrange(7)
        if action == 0:
            body[rng.randrange(len(body) - 1)] = f"x = x + {tag}"
        elif action == 1:
            body.insert(len(body) - 1, f"x = x * {tag}")  # at the end of the body
        elif action == 2 and len(body) > 2:
            del body[-2]
        elif action == 3:
            block = rng.choice(self.order)
            self.extras[block].append(f"CONSTANT_{tag} = {tag}")  # right after a function
        elif action == 4:
            block = self.order.pop(rng.randrange(len(self.order)))
            self.order.insert(rng.randrange(len(self.order) + 1), block)  # a move
        elif action == 5:
            self.decorated[name] = not self.decorated[name]
        else:
            body.insert(0, f"if x > {tag}:\n    return x")  # like every function's last line


def build(path: Path, seed: int) -> GitRepo:
    repo = GitRepo(path)
    source = RandomFile(random.Random(seed))
    for number in range(40):
        if number:
            source.mutate()
        repo.write("mod.py", source.render())
        repo.git("commit", "-q", "--allow-empty", "-m", f"r{number}")
    return repo


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_every_function_matches_the_ast_walk(tmp_path: Path, seed: int) -> None:
    repo = build(tmp_path / "repo", seed)
    for name in NAMES:
        expected = changing_commits(repo, "mod.py", name)
        got = [
            c.sha for c in function_history(repo.path, f"mod.py:{name}", use_cache=False).commits
        ]
        assert got == expected, name

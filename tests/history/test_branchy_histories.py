"""Branchy random histories: every commit of the walk judged like an independent ast walk.

On branches merged back, consecutive commits of ``git log`` are not parent and
child: the walk judges a version against whatever version it last saw, which
is where finding the function cheaply could go wrong. Each seed builds a file
through branches of random edits (see :mod:`tests.history.test_random_histories`)
merged with ``-X theirs``; the oracle reads every commit of the same walk and
its parent with ``ast`` and says whether the function's text changed.
"""

from __future__ import annotations

import copy
import random
from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.oracle import function_text
from tests.history.test_random_histories import NAMES, RandomFile
from workbench.history.log import function_history


class Clock:
    """Commits (and merges) a minute apart: the walk interleaves the branches by date."""

    def __init__(self, repo: GitRepo) -> None:
        self.repo, self.minutes = repo, 0

    def commit(self, *args: str) -> None:
        self.minutes += 1
        date = f"@{1_700_000_000 + self.minutes * 60} +0000"
        self.repo.git(*args, env={"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date})


def _commit_edits(clock: Clock, source: RandomFile, count: int, label: str) -> None:
    for number in range(count):
        source.mutate()
        clock.repo.write("mod.py", source.render())
        clock.commit("commit", "-q", "--allow-empty", "-m", f"{label}{number}")


def build(path: Path, seed: int) -> GitRepo:
    rng = random.Random(seed)
    repo = GitRepo(path)
    clock = Clock(repo)
    main = RandomFile(rng)
    repo.write("mod.py", main.render())
    clock.commit("commit", "-q", "-m", "r0")
    _commit_edits(clock, main, 6, "m")
    for branch in range(4):
        side = copy.deepcopy(main)
        side.rng = random.Random(seed * 100 + branch)
        repo.git("checkout", "-q", "-b", f"b{branch}")
        _commit_edits(clock, side, rng.randint(2, 5), f"b{branch}-")
        repo.git("checkout", "-q", "main")
        _commit_edits(clock, main, rng.randint(1, 4), f"m{branch}-")
        clock.commit(
            "merge", "-q", "--no-ff", "-X", "theirs", "-m", f"merge b{branch}", f"b{branch}"
        )
        _commit_edits(clock, main, 2, f"after{branch}-")  # main's rendering replaces the merge
    return repo


def _text(source: str | None, name: str) -> tuple[bool, str | None]:
    """(parsed, the function's text); (False, None) when the source is not Python."""
    try:
        return True, function_text(source, name) if source is not None else None
    except SyntaxError:
        return False, None


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_every_commit_is_judged_like_the_ast_of_it_and_its_parent(
    tmp_path: Path, seed: int
) -> None:
    repo = build(tmp_path / "repo", seed)
    walk = repo.git("log", "--no-merges", "--format=%H %P", "--", "mod.py").split("\n")
    parents = dict(line.split(" ", 1) for line in walk if line)
    sources = {
        rev: repo.git("show", f"{rev}:mod.py") for rev in {*parents, *parents.values()} if rev
    }
    judged = 0
    for name in NAMES:
        history = function_history(repo.path, f"mod.py:{name}", use_cache=False)
        listed = {c.sha for c in history.commits}
        for sha, parent in parents.items():
            parsed_new, new = _text(sources[sha], name)
            parsed_old, old = _text(sources.get(parent), name)
            if parsed_new and parsed_old:
                assert (sha in listed) == (new != old), (name, sha)
                judged += 1
    assert judged > 100

"""A corpus case: two releases of a real project, the history between them, real profiles.

The repository starts at release N (its files as released), then one commit
per :class:`Step`: edits taken from the real diff (or, where the release had
none on the hot functions, an annotation or docstring the test adds as a
control), whole files taken from release N+1, and finally the rest of N+1.
Cosmetic edits are *kept*: re-applied after a later step rewrites their file,
so each commit's diff holds only its own change. Each side is profiled by
real py-spy running a small workload against its checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

from tests.analysis.corpus.pypi import Wheels
from tests.history.gitrepo import GitRepo
from workbench.sampling.pyspy_output import find_pyspy

#: CPU seconds each workload runs (it loops until then), and py-spy's rate.
WORKLOAD_SECONDS = 2.0
RATE = 250


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (exactly once) by ``new`` in ``path``."""

    path: str
    old: str
    new: str


@dataclass(frozen=True)
class Step:
    """One commit of the constructed history."""

    label: str
    edits: tuple[Edit, ...] = ()
    take: tuple[str, ...] = ()
    """Files copied from release N+1 before the edits."""
    rest: bool = False
    """Make the tree release N+1 (plus the kept cosmetic edits)."""
    cosmetic: bool = False
    """Its edits only touch docstrings, annotations or layout (kept from then on)."""
    author: str = "alice"


@dataclass(frozen=True)
class Case:
    """A real regression (or improvement) between two releases, and who caused it."""

    name: str
    package: str
    """PyPI name."""
    base: str
    branch: str
    roots: tuple[str, ...]
    """Top-level modules and packages of the wheel that go into the repository."""
    steps: tuple[Step, ...]
    cause: str
    """Label of the step that caused the move."""
    setup: str
    """Python run once: imports and inputs."""
    unit: str
    """Python that does one unit of work (the body of ``unit()``), looped by the harness."""
    deps: tuple[tuple[str, str], ...] = ()
    improvement: bool = False
    why: str = ""
    """What the code reading found, for the docs and for whoever reads a failure."""


@dataclass
class Built:
    repo: GitRepo
    base_sha: str
    base_profile: Path
    branch_profile: Path
    labels: dict[str, str] = field(default_factory=dict)
    """sha -> step label."""


def build_case(case: Case, wheels: Wheels, folder: Path) -> Built:
    """The repository of ``case`` and a profile of each release."""
    old = wheels.tree(case.package, case.base)
    new = wheels.tree(case.package, case.branch)
    repo = GitRepo(folder / "repo")
    _copy_roots(old, repo.path, case.roots)
    repo.git("add", "-A")
    base_sha = repo.commit(f"release {case.base}")
    kept: list[Edit] = []
    for step in case.steps:
        if step.rest:
            for root in case.roots:
                target = repo.path / root
                shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
            _copy_roots(new, repo.path, case.roots)
        for path in step.take:
            shutil.copyfile(new / path, repo.path / path)
        if step.rest or step.take:
            _reapply(repo.path, kept)
        for edit in step.edits:
            _apply(repo.path, edit)
        if step.cosmetic:
            kept += step.edits
        repo.git("add", "-A")
        repo.commit(step.label, step.author)
    base_tree = folder / "base"
    repo.git("worktree", "add", "-q", "--detach", str(base_tree), base_sha)
    deps = [str(wheels.tree(name, version)) for name, version in case.deps]
    script = folder / "workload.py"
    script.write_text(_loop(case.setup, case.unit))
    built = Built(
        repo,
        base_sha,
        _profile(script, base_tree, deps, folder / "base.txt"),
        _profile(script, repo.path, deps, folder / "branch.txt"),
    )
    built.labels = {sha: label for label, sha in repo.commits.items()}
    return built


def _copy_roots(tree: Path, repo: Path, roots: tuple[str, ...]) -> None:
    for root in roots:
        source = tree / root
        if source.is_dir():
            shutil.copytree(source, repo / root, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copyfile(source, repo / root)


def _apply(repo: Path, edit: Edit) -> None:
    target = repo / edit.path
    text = target.read_text()
    assert text.count(edit.old) == 1, f"{edit.path}: edit anchor found {text.count(edit.old)}x"
    target.write_text(text.replace(edit.old, edit.new))


def _reapply(repo: Path, kept: list[Edit]) -> None:
    """Cosmetic edits survive a file taken from N+1 (where their anchor still exists)."""
    for edit in kept:
        text = (repo / edit.path).read_text()
        if text.count(edit.old) == 1:
            (repo / edit.path).write_text(text.replace(edit.old, edit.new))


def _loop(setup: str, unit: str) -> str:
    """The unit of work repeated until it has used WORKLOAD_SECONDS of CPU.

    CPU, not wall: on a busy machine a wall-bounded loop does less work while
    the imports before it do the same, so the hot path's share of the profile
    shrank (and once the cause was ranked an improvement: its function's share
    fell against the other side's imports).
    """
    return "\n".join(
        [
            "import time",
            textwrap.dedent(setup).strip(),
            "",
            "def unit():",
            textwrap.indent(textwrap.dedent(unit).strip(), "    "),
            "",
            f"deadline = time.process_time() + {WORKLOAD_SECONDS}",
            "unit()",
            "while time.process_time() < deadline:",
            "    unit()",
            "",
        ]
    )


def _profile(script: Path, checkout: Path, deps: list[str], output: Path) -> Path:
    """Real py-spy recording the workload against ``checkout`` (raw collapsed stacks)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(checkout), *deps])}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # no __pycache__ in the repository's tree
    done = subprocess.run(
        [
            str(find_pyspy()), "record", "-r", str(RATE), "-f", "raw", "-o", str(output),
            "--", sys.executable, str(script),
        ],
        cwd=checkout, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0 and output.is_file(), f"py-spy: {done.stderr[-800:]}"
    return output

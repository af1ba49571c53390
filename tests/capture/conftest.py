"""Real git repositories of a small pure-Python package, built per test in a tmp dir."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

#: The package at its base revision: two functions doing a fixed amount of work.
FAST = """
def parse(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def render(n):
    return sum(len(str(i)) for i in range(n // 4))
"""

#: The same functions, each doing its work three times: every function 3x slower,
#: the shares unchanged.
UNIFORM_3X = """
def parse(n):
    total = 0
    for _ in range(3):
        total = 0
        for i in range(n):
            total += i * i
    return total


def render(n):
    return [sum(len(str(i)) for i in range(n // 4)) for _ in range(3)][0]
"""

BENCH = """
import sys
import pkg

n = int(sys.argv[1]) if len(sys.argv) > 1 else 300_000
pkg.parse(n)
pkg.render(n)
"""


def git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(repo), *args], check=True, capture_output=True, text=True
    ).stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    """Write ``files`` (path → text) and commit them; the new sha."""
    for name, text in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def make_repo(path: Path) -> Path:
    path.mkdir(parents=True)
    git(path, "init", "-q", "-b", "main")
    git(path, "config", "user.email", "tests@workbench.invalid")
    git(path, "config", "user.name", "Workbench Tests")
    return path


@pytest.fixture(autouse=True)
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Worktrees go to this test's own cache folder (for the CLI in subprocesses too)."""
    folder = tmp_path / "cache"
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(folder))
    yield folder


@pytest.fixture
def uniform_repo(tmp_path: Path) -> tuple[Path, str, str]:
    """``(repo, base sha, branch sha)``: the branch makes every function 3x slower."""
    repo = make_repo(tmp_path / "repo")
    base = commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    branch = commit(repo, {"pkg/__init__.py": UNIFORM_3X}, "everything three times")
    return repo, base, branch


def bench_command(repo: Path, n: int = 300_000) -> list[str]:
    """The workload, run by this interpreter (its py-spy and pyinstrument are at hand)."""
    return [sys.executable, str(repo / "bench.py"), str(n)]


def worktrees(repo: Path) -> list[str]:
    """``git worktree list`` paths: only the repository itself when we left nothing behind."""
    listed = git(repo, "worktree", "list", "--porcelain")
    return [line.split(" ", 1)[1] for line in listed.splitlines() if line.startswith("worktree ")]


def environment() -> dict[str, str]:
    return dict(os.environ)

"""Real git repositories of a small pure-Python package, built per test in a tmp dir
(conftest.py makes the fixtures)."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

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


def bench_command(repo: Path, n: int = 300_000) -> list[str]:
    """The workload, run by this interpreter (its py-spy and pyinstrument are at hand)."""
    return [sys.executable, str(repo / "bench.py"), str(n)]


def worktrees(repo: Path) -> list[str]:
    """``git worktree list`` paths: only the repository itself when we left nothing behind."""
    listed = git(repo, "worktree", "list", "--porcelain")
    return [line.split(" ", 1)[1] for line in listed.splitlines() if line.startswith("worktree ")]


def environment() -> dict[str, str]:
    return dict(os.environ)

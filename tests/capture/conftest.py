"""Fixtures of the capture tests: a cache folder per test, a repository with a 3x slower branch."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.capture.repos import BENCH, FAST, UNIFORM_3X, commit, make_repo


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

"""Fixtures of the backlog tests: real SQLite files in tmp dirs (helpers: tests/helpers.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from workbench.triage.store import BacklogStore


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "triage.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[BacklogStore]:
    with BacklogStore.open(db_path) as opened:
        yield opened

"""Shared helpers for the backlog tests: real SQLite files in tmp dirs, the real CLI."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import workbench
from workbench.cli import main
from workbench.triage.model import Evidence, Item
from workbench.triage.store import BacklogStore

FIXTURES = Path(__file__).with_name("fixtures")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "triage.db"


@pytest.fixture
def store(db_path: Path) -> Iterator[BacklogStore]:
    with BacklogStore.open(db_path) as opened:
        yield opened


def sample_item(title: str = "Quadratic join in merge_rows", **fields: object) -> Item:
    values: dict[str, object] = {
        "hypothesis": "nested loop over both inputs",
        "impact": 5,
        "effort": 2,
        "evidence": [Evidence("function", "shop/orders.py:merge_rows")],
    }
    values.update(fields)
    return Item(title=title, **values)


def checksum(path: Path) -> str:
    """Digest of the database file and any WAL beside it: "nothing changed" means equal."""
    digest = hashlib.sha256()
    for part in (path, path.with_name(path.name + "-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real ``workbench`` entry point in a subprocess."""
    return cli_in(None, *args, env=env)


def cli_in(
    cwd: Path | None, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``workbench`` run from ``cwd`` (where the default database location is decided)."""
    return workbench(*args, cwd=cwd, env={**os.environ, "WORKBENCH_ACTOR": "tester", **(env or {})})


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """``workbench.cli.main`` in this process (fast), with its exit code and output."""
    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_collapsed(path: Path, stacks: dict[str, int]) -> Path:
    """A collapsed-stack profile (``frame;frame count`` lines), as py-spy writes them."""
    path.write_text("".join(f"{stack} {count}\n" for stack, count in stacks.items()))
    return path

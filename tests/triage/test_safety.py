"""Safety with real processes: no lost update, kill -9 mid-write, and bad files refused
in one line without a byte changed."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.triage.conftest import checksum, cli, sample_item
from workbench.errors import StoreError
from workbench.triage.model import ItemFilter
from workbench.triage.store import BacklogStore

pytestmark = pytest.mark.slow


def python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_processes_lose_no_update(db_path: Path) -> None:
    """Each process adds 1 to the same KPI 25 times with read-modify-write; a stale
    write is refused and retried, so the total is exact."""
    with BacklogStore.open(db_path) as store:
        item = store.add(sample_item(kpi_latest=0.0))
    worker = """
        import sys
        from workbench.errors import StaleEditError
        from workbench.triage.store import BacklogStore
        store = BacklogStore.open(sys.argv[1])
        refused = 0
        for _ in range(25):
            while True:
                seen = store.get(int(sys.argv[2]))
                try:
                    store.update(seen.id, {"kpi_latest": seen.kpi_latest + 1},
                                 expected_version=seen.version)
                    break
                except StaleEditError:
                    refused += 1
        print(refused)
    """
    workers = [python(worker, str(db_path), str(item.id)) for _ in range(2)]
    outputs = [w.communicate(timeout=60) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], outputs
    with BacklogStore.open(db_path) as store:
        assert store.get(item.id).kpi_latest == 50.0
        assert store.get(item.id).version == 51


def test_stale_edit_from_another_process_is_refused(db_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        item = store.add(sample_item())
    reader = python(
        """
        import sys
        from workbench.errors import StaleEditError
        from workbench.triage.store import BacklogStore
        store = BacklogStore.open(sys.argv[1])
        seen = store.get(1)
        print("read", seen.version, flush=True)
        sys.stdin.readline()  # the other process edits meanwhile
        try:
            store.update(1, {"owner": "bob"}, expected_version=seen.version)
            print("written")
        except StaleEditError as error:
            print(error)
        """,
        str(db_path),
    )
    assert reader.stdout.readline().split() == ["read", "1"]
    edited = cli("backlog", "edit", item.id, "--owner", "alice", "--db", db_path)
    assert edited.returncode == 0, edited.stderr
    out, _ = reader.communicate("go\n", timeout=60)
    assert out.strip() == (
        "item 1 was changed by someone else since you read it (version 1 → 2); reload and retry"
    )
    refused = cli("backlog", "edit", item.id, "--owner", "carol", "--expect-version", "1",
                  "--db", db_path)  # fmt: skip
    assert refused.returncode == 2
    assert refused.stderr.strip().startswith("workbench: error: item 1 was changed")
    with BacklogStore.open(db_path) as store:
        assert store.get(item.id).owner == "alice"


def test_kill_9_mid_write_keeps_committed_items(db_path: Path) -> None:
    BacklogStore.open(db_path).close()
    writer = python(
        """
        import sys
        from workbench.triage.model import Item, Evidence
        from workbench.triage.store import BacklogStore
        store = BacklogStore.open(sys.argv[1])
        n = 0
        while True:
            n += 1
            item = store.add(Item(f"item {n}", hypothesis="x" * 2000,
                                  evidence=[Evidence("benchmark", f"bench_{n}")]))
            store.move(item.id, impact_delta=1)
            print(item.id, flush=True)
        """,
        str(db_path),
    )
    committed: list[int] = []
    deadline = time.monotonic() + 60
    while len(committed) < 40 and time.monotonic() < deadline:
        committed.append(int(writer.stdout.readline()))
    os.kill(writer.pid, signal.SIGKILL)
    writer.wait(timeout=30)
    assert writer.returncode == -signal.SIGKILL
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    conn.close()
    with BacklogStore.open(db_path) as store:
        ids = {item.id for item in store.list(ItemFilter(include_closed=True), limit=None)}
        assert set(committed) <= ids
        assert store.count(ItemFilter(text="item")) == len(ids)
        for item_id in committed:
            assert store.get(item_id).evidence[0].ref == f"bench_{item_id}"


def _assert_refused_in_one_line(db_path: Path, words: str) -> None:
    result = cli("backlog", "add", "new item", "--db", db_path,
                 env={"WORKBENCH_BUSY_TIMEOUT": "0.3"})  # fmt: skip
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), result.stderr
    assert words in lines[0]


def test_locked_database(db_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        store.add(sample_item())
    holder = sqlite3.connect(db_path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        before = checksum(db_path)
        _assert_refused_in_one_line(db_path, "is locked by another process")
        assert checksum(db_path) == before
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    with BacklogStore.open(db_path) as store:
        assert store.count() == 1


def test_read_only_database(db_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        store.add(sample_item())
    db_path.chmod(0o444)
    before = checksum(db_path)
    _assert_refused_in_one_line(db_path, "is read-only")
    assert checksum(db_path) == before


def test_not_a_database(tmp_path: Path) -> None:
    path = tmp_path / "triage.db"
    path.write_text("Title,Impact\nslow,3\n")
    before = checksum(path)
    _assert_refused_in_one_line(path, "is not a SQLite database")
    assert checksum(path) == before


def test_corrupt_database(db_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        store.add_many([sample_item(f"item {n}", hypothesis="h" * 500) for n in range(60)])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    data = bytearray(db_path.read_bytes())
    page = int.from_bytes(data[16:18], "big")
    for number in range(1, len(data) // page):  # every b-tree page but the first: bad type
        data[number * page] = 0xEE
    db_path.write_bytes(bytes(data))
    before = checksum(db_path)
    with pytest.raises(StoreError) as refused:
        BacklogStore.open(db_path)
    assert "corrupt" in str(refused.value) and "\n" not in str(refused.value)
    _assert_refused_in_one_line(db_path, "corrupt")
    assert checksum(db_path) == before

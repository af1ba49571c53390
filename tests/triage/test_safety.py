"""Safety with real processes: no lost update, kill -9 mid-write, and bad files refused
in one line without a byte changed."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import pytest

from tests.helpers import TRIAGE_FIXTURES, checksum, cli, sample_item
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
        ids = {item.id for item in store.items(ItemFilter(include_closed=True), limit=None)}
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
    _assert_refused_in_one_line(db_path, "is read-only, so nothing was changed")
    assert checksum(db_path) == before


@pytest.mark.parametrize("folder_read_only", [False, True], ids=["file", "folder"])
def test_read_only_backlog_reads_with_a_note_and_refuses_writes(
    db_path: Path, folder_read_only: bool
) -> None:
    with BacklogStore.open(db_path) as store:
        first = store.add(sample_item())
        store.add(sample_item("Pre-warm the template cache", impact=2))
    if folder_read_only:
        db_path.parent.chmod(0o555)
    else:
        db_path.chmod(0o444)
    before = checksum(db_path)
    try:
        for reading in (
            ("backlog", "list", "--format", "json"),
            ("backlog", "show", str(first.id)),
            ("kpis",),
            ("export", "markdown"),
            ("export", "json"),
        ):
            result = cli(*reading, "--db", db_path)
            note = result.stderr.strip().splitlines()
            assert result.returncode == 0 and len(note) == 1, (reading, result.stderr)
            assert note[0].startswith("note: ") and "read-only" in note[0]
            if reading[1:3] == ("list", "--format"):
                assert [i["title"] for i in json.loads(result.stdout)][0] == first.title
        for writing in (
            ("backlog", "add", "x"),
            ("backlog", "edit", str(first.id), "--owner", "bob"),
            ("backlog", "move", str(first.id), "--impact", "-1"),
            ("backlog", "status", "done", str(first.id)),
            ("backlog", "link", str(first.id), "--commit", "3f9a2c1"),
            ("backlog", "split", "4"),
            ("backlog", "undo"),
        ):
            result = cli(*writing, "--db", db_path)
            lines = result.stderr.strip().splitlines()
            assert result.returncode == 2 and result.stdout == "", writing
            assert len(lines) == 1 and "read-only" in lines[0] and "--db" in lines[0], writing
        with BacklogStore.open(db_path) as store:
            assert store.read_only and store.count() == 2
            with pytest.raises(StoreError, match="read-only"):
                store.move(first.id, impact_delta=-1)
    finally:
        db_path.parent.chmod(0o755)
    assert checksum(db_path) == before


def test_read_only_old_schema_is_read_from_an_upgraded_copy(tmp_path: Path) -> None:
    path = tmp_path / "triage.db"
    shutil.copy(TRIAGE_FIXTURES / "triage_v1.db", path)
    path.chmod(0o444)
    before = checksum(path)
    result = cli("backlog", "list", "--db", path)
    assert result.returncode == 0, result.stderr
    assert "Quadratic join in merge_rows" in result.stdout
    notes = result.stderr.splitlines()
    assert len(notes) == 2 and "older schema (1)" in notes[0] and "read-only" in notes[1]
    assert checksum(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["triage.db"]


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


def test_read_only_folder_without_a_wal_index_is_read_as_immutable(db_path: Path) -> None:
    """A user who cannot write the folder, and no ``-shm`` left by the last writer:
    SQLite refuses even ``mode=ro``, so the file is read as immutable. Root writes
    anywhere, so as root the command runs as ``nobody`` (the real permission check)."""
    with BacklogStore.open(db_path) as store:
        store.add(sample_item())
    folder = Path(tempfile.mkdtemp(prefix="ro-backlog-"))
    try:
        shutil.copy(db_path, folder / "triage.db")  # closed cleanly: no -wal, no -shm
        folder.chmod(0o555)
        before = checksum(folder / "triage.db")
        as_nobody = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
        if os.geteuid() != 0:
            as_nobody = []
        elif not shutil.which("setpriv"):
            pytest.skip("needs setpriv to drop root's permission bypass")
        command = [*as_nobody, sys.executable, "-m", "workbench", "backlog", "list"]
        result = subprocess.run(
            [*command, "--db", str(folder / "triage.db")],
            capture_output=True, text=True, timeout=60, cwd=folder,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        assert "Quadratic join in merge_rows" in result.stdout
        assert "read-only" in result.stderr
        assert checksum(folder / "triage.db") == before
        assert sorted(p.name for p in folder.iterdir()) == ["triage.db"]
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)

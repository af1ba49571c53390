"""Damage that ``quick_check`` misses is found before a write, writes are refused, and
``workbench backlog repair`` rebuilds the file in a new one, keeping the damaged one."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import checksum, run_main, sample_item
from workbench.triage import integrity
from workbench.triage.model import ItemFilter
from workbench.triage.store import Access, BacklogStore


def _backlog(path: Path, count: int = 5) -> None:
    with BacklogStore.open(path) as store:
        store.add_many([sample_item(f"item {n}", notes=f"note {n}") for n in range(count)])


def _page(path: Path, name: str) -> tuple[int, int]:
    """(offset, size) of the root page of table or index ``name``: for a few items,
    the whole b-tree."""
    conn = sqlite3.connect(path)
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", [name]).fetchone()[0]
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    conn.close()
    return (root - 1) * size, size


def _change_index_key(path: Path) -> None:
    """Change one digit of one ``updated_at`` key inside ``idx_items_updated``: the page
    stays well formed (``quick_check`` passes), the entry no longer leads to its row."""
    offset, size = _page(path, "idx_items_updated")
    data = bytearray(path.read_bytes())
    page = data[offset : offset + size]
    at = page.index(b"+00:00") - 1  # the last digit of the microseconds of one key
    page[at] = ord("0") + (page[at] - ord("0") + 1) % 10
    data[offset : offset + size] = page
    path.write_bytes(bytes(data))


def _sqlite_says(path: Path, pragma: str) -> str:
    conn = sqlite3.connect(f"{path.resolve().as_uri()}?immutable=1", uri=True)
    try:
        return conn.execute(f"PRAGMA {pragma}").fetchone()[0]
    finally:
        conn.close()


def test_index_damage_quick_check_misses_refuses_writes_and_is_repaired(
    db_path: Path, capsys
) -> None:
    _backlog(db_path)
    _change_index_key(db_path)
    assert _sqlite_says(db_path, "quick_check") == "ok"
    assert "missing from index idx_items_updated" in _sqlite_says(db_path, "integrity_check")
    damaged = checksum(db_path)

    code, out, err = run_main(capsys, "backlog", "add", "new", "--db", db_path)
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "is damaged (row" in err and "backlog repair" in err
    code, out, _ = run_main(capsys, "backlog", "list", "--db", db_path)  # reads still work
    assert code == 0 and "item 4" in out
    code, out, _ = run_main(capsys, "backlog", "check", "--db", db_path)
    assert code == 1 and "missing from index" in out
    assert checksum(db_path) == damaged

    code, out, err = run_main(capsys, "backlog", "repair", "--db", db_path)
    assert code == 0 and "rebuilt" in out and "5 items" in out, err
    [kept] = db_path.parent.glob("triage.db.damaged-*")
    assert checksum(kept) == damaged
    assert _sqlite_says(db_path, "integrity_check") == "ok"
    code, out, _ = run_main(capsys, "backlog", "add", "new", "--db", db_path)
    assert code == 0
    with BacklogStore.open(db_path, access=Access.READ) as store:
        assert store.count() == 6 and store.count(ItemFilter(text="note")) == 5
        assert [event.action for event in store.history(1)] == ["create", "link"]  # log kept


def test_search_index_damage_is_found_and_rebuilt(db_path: Path, capsys) -> None:
    _backlog(db_path)
    conn = sqlite3.connect(db_path)  # what a stray tool or a lost page does to the index
    conn.execute("INSERT INTO items_fts(items_fts) VALUES ('delete-all')")
    conn.commit()
    conn.close()
    code, _, err = run_main(capsys, "backlog", "edit", "1", "--owner", "bob", "--db", db_path)
    assert code == 2 and "search index" in err
    code, out, _ = run_main(capsys, "backlog", "repair", "--db", db_path)
    assert code == 0, out
    with BacklogStore.open(db_path) as store:
        assert store.count(ItemFilter(text="note")) == 5


def test_a_sound_file_is_not_repaired(db_path: Path, capsys) -> None:
    _backlog(db_path)
    before = checksum(db_path)
    code, out, _ = run_main(capsys, "backlog", "repair", "--db", db_path)
    assert code == 0 and "nothing to repair" in out
    code, out, _ = run_main(capsys, "backlog", "check", "--db", db_path)
    assert code == 0 and "sound" in out
    assert checksum(db_path) == before and not list(db_path.parent.glob("*damaged*"))


def test_damaged_rows_are_restored_from_a_backup(db_path: Path, capsys) -> None:
    _backlog(db_path, 3)
    backup = db_path.with_name("copy.db")
    shutil.copy(db_path, backup)
    offset, size = _page(db_path, "items")
    data = bytearray(db_path.read_bytes())
    data[offset : offset + size] = bytes([0xEE]) * size  # the table itself is unreadable
    db_path.write_bytes(bytes(data))
    damaged = checksum(db_path)
    code, _, err = run_main(capsys, "backlog", "repair", "--db", db_path)
    assert code == 2 and err.count("\n") == 1 and "--from a backup" in err
    assert checksum(db_path) == damaged
    code, out, err = run_main(capsys, "backlog", "repair", "--from", backup, "--db", db_path)
    assert code == 0 and "from the backup" in out and "3 items" in out
    assert "changes made after the backup" in err
    with BacklogStore.open(db_path) as store:
        assert [i.title for i in store.items(order="id")] == ["item 0", "item 1", "item 2"]


def test_the_app_shows_a_damaged_backlog_and_refuses_its_writes(db_path: Path) -> None:
    _backlog(db_path)
    _change_index_key(db_path)
    with BacklogStore.open(db_path, access=Access.EDIT) as store:
        assert store.count() == 5
        assert store.access is Access.READ and "backlog repair" in store.read_only


def test_a_big_backlog_gets_quick_check_before_a_cli_write(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above FULL_CHECK_PAGES only quick_check runs (which misses this damage); the
    thorough check (the app's open, ``backlog check``) runs whatever the size."""
    _backlog(db_path)
    _change_index_key(db_path)
    conn = sqlite3.connect(db_path)
    assert "missing from index" in integrity.problems(conn)[0]
    monkeypatch.setattr(integrity, "FULL_CHECK_PAGES", 1)
    assert integrity.problems(conn) == []
    assert "missing from index" in integrity.problems(conn, thorough=True)[0]
    conn.close()

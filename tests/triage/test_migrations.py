"""Opening a database made by schema 1 (the committed fixture) upgrades it, with a backup,
and keeps full-text search working although ``transform()`` dropped the old triggers."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.helpers import TRIAGE_FIXTURES, checksum, sample_item
from workbench.errors import StoreError
from workbench.triage.model import ItemFilter, Quadrant, Status
from workbench.triage.schema import SCHEMA_VERSION, missing_derived_parts
from workbench.triage.store import BacklogStore


@pytest.fixture
def v1_copy(tmp_path: Path) -> Path:
    target = tmp_path / "triage.db"
    shutil.copyfile(TRIAGE_FIXTURES / "triage_v1.db", target)
    return target


def test_fixture_is_schema_1() -> None:
    conn = sqlite3.connect(TRIAGE_FIXTURES / "triage_v1.db")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 1
    columns = {row[1] for row in conn.execute("PRAGMA table_info(items)")}
    assert "quadrant" not in columns
    conn.close()


def test_v1_database_is_upgraded_with_a_backup(v1_copy: Path) -> None:
    with BacklogStore.open(v1_copy) as store:
        assert store.conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        items = store.items(ItemFilter(include_closed=True), order="id")
        assert [i.title for i in items] == [
            "Quadratic join in merge_rows",
            "Pre-warm the template cache",
            "Update benchmarks for the parser",
        ]
        assert items[0].quadrant is Quadrant.IMMEDIATE_PR and items[0].critical
        assert items[2].status is Status.DONE and store.count() == 2
        assert [str(e) for e in items[0].evidence] == ["function:shop/orders.py:merge_rows"]
        assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    backup = sqlite3.connect(v1_copy.with_name("triage.db.bak-v1"))
    original = sqlite3.connect(TRIAGE_FIXTURES / "triage_v1.db")
    assert list(backup.iterdump()) == list(original.iterdump())
    assert backup.execute("PRAGMA user_version").fetchone()[0] == 1


def test_search_works_after_migration(v1_copy: Path) -> None:
    with BacklogStore.open(v1_copy) as store:
        assert not missing_derived_parts(store.conn)
        assert [i.id for i in store.items(ItemFilter(text="merge"))] == [1]
        # notes were not indexed by schema 1; they are now, for old rows too
        assert [i.id for i in store.items(ItemFilter(text="checkout"))] == [1]
        new = store.add(sample_item("Cache the tokenizer tables", notes="cold start"))
        assert [i.id for i in store.items(ItemFilter(text="tokenizer"))] == [new.id]
        store.update(1, {"title": "Hash join in merge_rows"})
        assert [i.id for i in store.items(ItemFilter(text="hash"))] == [1]
        assert store.count(ItemFilter(text="quadratic")) == 0
        store.undo()
        assert store.count(ItemFilter(text="quadratic")) == 1


def test_dropped_search_triggers_are_rebuilt_on_open(db_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        store.add(sample_item("Socket reads block"))
        store.conn.execute("DROP TRIGGER items_fts_ai")
    raw = sqlite3.connect(db_path)
    with raw:  # written while the trigger was gone: not indexed yet
        raw.execute(
            "INSERT INTO items(title, source, signal, pattern, impact, effort, quadrant, qrank,"
            " taxonomy, status, closed, version) VALUES ('Lock convoy in pool', 'manual', 'cpu',"
            " 'unknown', 4, 2, 'immediate_pr', 0, 'corrective', 'new', 0, 1)"
        )
    raw.close()
    with BacklogStore.open(db_path) as store:
        assert not missing_derived_parts(store.conn)
        assert store.count(ItemFilter(text="convoy")) == 1


def test_newer_schema_is_refused_untouched(v1_copy: Path) -> None:
    conn = sqlite3.connect(v1_copy)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    before = checksum(v1_copy)
    with pytest.raises(StoreError) as refused:
        BacklogStore.open(v1_copy)
    message = str(refused.value)
    assert "schema 99, newer than this workbench knows" in message and "\n" not in message
    assert checksum(v1_copy) == before
    assert not v1_copy.with_name("triage.db.bak-v99").exists()


def _recount(store: BacklogStore, include_closed: bool) -> dict[Quadrant, int]:
    """The counts the slow way, to check the trigger-kept ones against."""
    counts = dict.fromkeys(Quadrant, 0)
    for item in store.items(ItemFilter(include_closed=include_closed), limit=None):
        counts[item.quadrant] += 1
    return counts


def test_quadrant_counts_stay_exact(v1_copy: Path) -> None:
    with BacklogStore.open(v1_copy) as store:
        for include_closed in (False, True):
            assert store.counts_by_quadrant(ItemFilter(include_closed=include_closed)) == (
                _recount(store, include_closed)
            )
        added = store.add_many([sample_item(f"n{n}", impact=n % 5 + 1) for n in range(10)])
        store.move(added[0].id, impact_delta=-4, effort_delta=3)
        store.set_status([added[1].id, added[2].id], Status.DONE)
        store.undo()
        store.set_status([added[3].id], Status.REJECTED)
        store.set_split(4)
        store.undo()  # the rejection
        store.undo()  # the move
        store.undo()  # the ten items
        store.redo()
        for include_closed in (False, True):
            assert store.counts_by_quadrant(ItemFilter(include_closed=include_closed)) == (
                _recount(store, include_closed)
            )
        assert sum(store.counts_by_quadrant().values()) == store.count() == 12

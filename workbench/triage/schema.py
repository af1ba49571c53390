"""The backlog's schema, as a list of forward migrations numbered by ``PRAGMA user_version``.

A new database runs every migration from 0; an older one runs the ones it
lacks, inside the caller's transaction (so a failed upgrade leaves the file as
it was). Migrations are history: never edit a released one, append a new one.

The full-text index is an external-content FTS5 table kept in sync by
triggers. Rebuilding a table (sqlite-utils ``transform()``) drops its
triggers silently, so :func:`ensure_derived` runs after every migration and on
every open, recreating what is missing (and likewise the triggers that keep
the per-quadrant counts).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import sqlite_utils

from workbench.triage.model import DEFAULT_SPLIT, Quadrant

SEARCH_COLUMNS = ("title", "hypothesis", "notes")
"""Columns the full-text index covers (v1 indexed only title and hypothesis)."""


def _create_v1(db: sqlite_utils.Database) -> None:
    """Schema 1, as first released: items, evidence, a flat event log, FTS on two columns."""
    db.executescript(
        """
        CREATE TABLE items (
            id INTEGER PRIMARY KEY, title TEXT NOT NULL, hypothesis TEXT DEFAULT '',
            notes TEXT DEFAULT '', source TEXT, signal TEXT, pattern TEXT,
            impact INTEGER, effort INTEGER, taxonomy TEXT, kpi TEXT,
            kpi_baseline REAL, kpi_target REAL, kpi_latest REAL, status TEXT,
            owner TEXT, justification TEXT, critical INTEGER,
            created_at TEXT, updated_at TEXT, version INTEGER
        );
        CREATE TABLE evidence (
            id INTEGER PRIMARY KEY, item_id INTEGER REFERENCES items(id),
            kind TEXT, ref TEXT, note TEXT, added_at TEXT
        );
        CREATE TABLE events (
            id INTEGER PRIMARY KEY, item_id INTEGER, at TEXT, actor TEXT,
            action TEXT, field TEXT, old TEXT, new TEXT
        );
        CREATE VIRTUAL TABLE items_fts USING fts5(
            title, hypothesis, content='items', content_rowid='id'
        );
        CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN
            INSERT INTO items_fts(rowid, title, hypothesis)
            VALUES (new.id, new.title, new.hypothesis);
        END;
        CREATE TRIGGER items_ad AFTER DELETE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, hypothesis)
            VALUES ('delete', old.id, old.title, old.hypothesis);
        END;
        CREATE TRIGGER items_au AFTER UPDATE ON items BEGIN
            INSERT INTO items_fts(items_fts, rowid, title, hypothesis)
            VALUES ('delete', old.id, old.title, old.hypothesis);
            INSERT INTO items_fts(rowid, title, hypothesis)
            VALUES (new.id, new.title, new.hypothesis);
        END;
        """
    )


def _v1_to_v2(db: sqlite_utils.Database) -> None:
    """Schema 2: a stored quadrant (indexed matrix queries), undo batches, profile
    snapshots, settings, and notes in the full-text index."""
    db["items"].transform(
        types={"critical": int, "version": int},
        not_null={"critical", "version", "status", "impact", "effort"},
        defaults={"critical": 0, "version": 1, "hypothesis": "", "notes": "", "owner": ""},
    )
    for column, kind in (("quadrant", "TEXT"), ("qrank", "INTEGER"), ("closed", "INTEGER")):
        db.execute(f"ALTER TABLE items ADD COLUMN {column} {kind}")
    place_all(db, DEFAULT_SPLIT)
    db.execute(
        "UPDATE items SET closed = status NOT IN ('new', 'triaged', 'in_progress'),"
        " owner = coalesce(owner, ''), justification = coalesce(justification, ''),"
        " kpi = coalesce(kpi, '')"
    )
    db.executescript(
        """
        CREATE INDEX idx_items_matrix ON items(closed, qrank, impact DESC, effort, id);
        CREATE INDEX idx_items_groups ON items(closed, qrank, taxonomy, impact DESC, effort, id);
        CREATE INDEX idx_items_status ON items(status);
        CREATE INDEX idx_items_measured ON items(status, closed)
            WHERE kpi_baseline IS NOT NULL AND kpi_latest IS NOT NULL;
        CREATE INDEX idx_items_critical ON items(status) WHERE critical = 1;
        CREATE INDEX idx_items_taxonomy ON items(taxonomy, qrank);
        CREATE INDEX idx_items_updated ON items(updated_at);
        CREATE INDEX idx_evidence_item ON evidence(item_id);
        CREATE INDEX idx_evidence_ref ON evidence(kind, ref);
        CREATE TABLE batches (
            id INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,
            label TEXT NOT NULL, kind TEXT NOT NULL, origin INTEGER, ref INTEGER,
            state TEXT NOT NULL
        );
        CREATE INDEX idx_batches_actor ON batches(actor, state, kind);
        ALTER TABLE events ADD COLUMN batch_id INTEGER REFERENCES batches(id);
        CREATE INDEX idx_events_item ON events(item_id);
        CREATE INDEX idx_events_batch ON events(batch_id);
        CREATE TABLE profiles (
            id INTEGER PRIMARY KEY, target TEXT NOT NULL, path TEXT NOT NULL,
            recorded_at TEXT NOT NULL, top TEXT NOT NULL
        );
        CREATE INDEX idx_profiles_target ON profiles(target, recorded_at);
        CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        DROP TABLE items_fts;
        """
    )
    # Events logged before batches existed are kept, in one batch undo never reverts.
    if db.execute("SELECT 1 FROM events LIMIT 1").fetchone():
        cursor = db.execute(
            "INSERT INTO batches(at, actor, label, kind, state)"
            " SELECT coalesce(max(at), ''), 'migration', 'history before schema 2',"
            " 'do', 'archived'"
            " FROM events"
        )
        db.execute("UPDATE events SET batch_id = ?", [cursor.lastrowid])


def _v2_to_v3(db: sqlite_utils.Database) -> None:
    """Schema 3: open/closed item counts per quadrant, kept by triggers, so the matrix
    headers cost one tiny read instead of counting 100,000 rows."""
    db.execute(
        "CREATE TABLE quadrant_counts (closed INTEGER NOT NULL, qrank INTEGER NOT NULL,"
        " n INTEGER NOT NULL, PRIMARY KEY (closed, qrank)) WITHOUT ROWID"
    )


def _v3_to_v4(db: sqlite_utils.Database) -> None:
    """Schema 4: filters the pane applies (taxonomy, owner, status) count per quadrant
    from an index range instead of scanning the table."""
    db.executescript(
        """
        DROP INDEX idx_items_taxonomy;
        DROP INDEX idx_items_status;
        CREATE INDEX idx_items_taxonomy ON items(taxonomy, closed, qrank);
        CREATE INDEX idx_items_owner ON items(owner, closed, qrank);
        CREATE INDEX idx_items_status ON items(status, qrank);
        """
    )


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [
    _create_v1,
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(db: sqlite_utils.Database, from_version: int) -> None:
    """Run migrations ``from_version+1 .. SCHEMA_VERSION`` in the open transaction."""
    for number in range(from_version, SCHEMA_VERSION):
        MIGRATIONS[number](db)
        db.execute(f"PRAGMA user_version = {number + 1}")
    ensure_derived(db, rebuild=True)


def place_all(db: sqlite_utils.Database, split: int) -> None:
    """Recompute every item's stored quadrant for ``split``, in one statement."""
    cases = {
        Quadrant.IMMEDIATE_PR: "impact >= :s AND effort < :s",
        Quadrant.DESIGN_REVIEW: "impact >= :s AND effort >= :s",
        Quadrant.BATCH_FIXES: "impact < :s AND effort < :s",
    }
    quadrant = " ".join(f"WHEN {cond} THEN '{q.value}'" for q, cond in cases.items())
    rank = " ".join(f"WHEN {cond} THEN {q.rank}" for q, cond in cases.items())
    db.execute(
        f"UPDATE items SET quadrant = CASE {quadrant} ELSE '{Quadrant.DEFER.value}' END,"
        f" qrank = CASE {rank} ELSE {Quadrant.DEFER.rank} END",
        {"s": split},
    )


_COLUMNS = ", ".join(SEARCH_COLUMNS)
_NEW = ", ".join(f"new.{c}" for c in SEARCH_COLUMNS)
_OLD = ", ".join(f"old.{c}" for c in SEARCH_COLUMNS)


def _count(row: str, step: str) -> str:
    """SQL moving the count of ``row`` (``new``/``old``) by ``step`` (``+ 1``/``- 1``)."""
    where = f"closed = {row}.closed AND qrank = {row}.qrank"
    return f"UPDATE quadrant_counts SET n = n {step} WHERE {where};"


_TRIGGERS = {
    "items_fts_ai": f"""CREATE TRIGGER items_fts_ai AFTER INSERT ON items BEGIN
        INSERT INTO items_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END""",
    "items_fts_ad": f"""CREATE TRIGGER items_fts_ad AFTER DELETE ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD});
        END""",
    # Only text edits touch the index: moving an item on the matrix stays cheap.
    "items_fts_au": f"""CREATE TRIGGER items_fts_au AFTER UPDATE OF {_COLUMNS} ON items BEGIN
        INSERT INTO items_fts(items_fts, rowid, {_COLUMNS}) VALUES ('delete', old.id, {_OLD});
        INSERT INTO items_fts(rowid, {_COLUMNS}) VALUES (new.id, {_NEW}); END""",
    "items_counts_ai": f"""CREATE TRIGGER items_counts_ai AFTER INSERT ON items BEGIN
        {_count("new", "+ 1")} END""",
    "items_counts_ad": f"""CREATE TRIGGER items_counts_ad AFTER DELETE ON items BEGIN
        {_count("old", "- 1")} END""",
    "items_counts_au": f"""CREATE TRIGGER items_counts_au AFTER UPDATE OF closed, qrank ON items
        WHEN old.closed IS NOT new.closed OR old.qrank IS NOT new.qrank BEGIN
        {_count("old", "- 1")} {_count("new", "+ 1")} END""",
}


def missing_derived_parts(db: sqlite_utils.Database) -> set[str]:
    """Names of the FTS table and the triggers that keep search and counts in sync,
    that should exist and do not (``transform()`` drops a table's triggers)."""
    present = {row[0] for row in db.execute("SELECT name FROM sqlite_master")}
    return {"items_fts", *_TRIGGERS} - present


def ensure_derived(db: sqlite_utils.Database, *, rebuild: bool = False) -> None:
    """Create the FTS table and the sync triggers if missing; then rebuild the search
    index and recount the quadrants when anything was missing (rows written meanwhile
    were not tracked) or when asked."""
    missing = missing_derived_parts(db)
    for name in ("items_ai", "items_ad", "items_au"):  # schema 1's triggers
        db.execute(f"DROP TRIGGER IF EXISTS {name}")
    if "items_fts" in missing:
        db.execute(
            f"CREATE VIRTUAL TABLE items_fts USING fts5({_COLUMNS},"
            " content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
    for name, sql in _TRIGGERS.items():
        if name in missing:
            db.execute(sql)
    if missing or rebuild:
        db.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
        db.execute("DELETE FROM quadrant_counts")
        db.conn.executemany(
            "INSERT INTO quadrant_counts(closed, qrank, n) VALUES (?, ?,"
            " (SELECT count(*) FROM items WHERE closed = ?1 AND qrank = ?2))",
            [(closed, q.rank) for closed in (0, 1) for q in Quadrant],
        )

"""The backlog's schema, as a list of forward migrations numbered by ``PRAGMA user_version``.

A new database runs every migration from 0; an older one runs the ones it
lacks, inside the caller's transaction (so a failed upgrade leaves the file as
it was). Migrations are history: never edit a released one, append a new one.

The full-text index is an external-content FTS5 table kept in sync by
triggers. Rebuilding a table (SQLite's create-copy-drop-rename, as schema 2
does) drops its triggers silently, so :func:`ensure_derived` runs after every
migration and on every write open, recreating what is missing (and likewise
the triggers that keep the per-quadrant counts).

Everything here is plain :mod:`sqlite3`. Statements of a script run one at a
time (:func:`run_script`): ``Connection.executescript`` commits the open
transaction first, which would break "a failed upgrade leaves the file as it
was".
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from workbench.triage.model import DEFAULT_SPLIT, Quadrant

APPLICATION_ID = 0x54574231
"""``PRAGMA application_id`` of a backlog ("TWB1"): SQLite's header field for "which
program's file is this", so another application's database is told apart even
when it, too, numbers its schema with ``user_version``."""
SIGNATURE_TABLES = frozenset({"items", "evidence", "events"})
"""Tables every schema since 1 has: a file from before :data:`APPLICATION_ID` was
written is a backlog when it has these and a schema version we know."""

SEARCH_COLUMNS = ("title", "hypothesis", "notes")
"""Columns the full-text index covers (v1 indexed only title and hypothesis)."""


def run_script(conn: sqlite3.Connection, script: str) -> None:
    """Run each statement of ``script`` inside the caller's transaction (unlike
    ``executescript``, which commits it first)."""
    statement = ""
    for line in script.splitlines(keepends=True):
        statement += line
        if sqlite3.complete_statement(statement):
            conn.execute(statement)
            statement = ""
    if statement.strip():
        raise ValueError(f"incomplete SQL statement: {statement.strip()[:60]}")


def _create_v1(conn: sqlite3.Connection) -> None:
    """Schema 1, as first released: items, evidence, a flat event log, FTS on two columns."""
    run_script(
        conn,
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
        """,
    )


_V2_ITEMS = """CREATE TABLE "items_v2" (
   "id" INTEGER PRIMARY KEY,
   "title" TEXT NOT NULL,
   "hypothesis" TEXT DEFAULT '',
   "notes" TEXT DEFAULT '',
   "source" TEXT,
   "signal" TEXT,
   "pattern" TEXT,
   "impact" INTEGER NOT NULL,
   "effort" INTEGER NOT NULL,
   "taxonomy" TEXT,
   "kpi" TEXT,
   "kpi_baseline" REAL,
   "kpi_target" REAL,
   "kpi_latest" REAL,
   "status" TEXT NOT NULL,
   "owner" TEXT DEFAULT '',
   "justification" TEXT,
   "critical" INTEGER NOT NULL DEFAULT 0,
   "created_at" TEXT,
   "updated_at" TEXT,
   "version" INTEGER NOT NULL DEFAULT 1
)"""
"""Schema 2's items table before its new columns: schema 1's with NOT NULL scores,
status, critical and version (the table sqlite-utils ``transform()`` built when
schema 2 was released; written out so the upgrade needs no library)."""


def _rebuild_items_v2(conn: sqlite3.Connection) -> None:
    """SQLite's way to change column constraints: create the new table, copy, drop the
    old, rename (https://sqlite.org/lang_altertable.html#otheralter). Foreign keys must
    be off (:func:`migrate`); the legacy rename leaves other tables' references to
    "items" as written."""
    columns = ", ".join(row[1] for row in conn.execute("PRAGMA table_info(items)"))
    conn.execute(_V2_ITEMS)
    conn.execute(f"INSERT INTO items_v2 (rowid, {columns}) SELECT rowid, {columns} FROM items")
    conn.execute("DROP TABLE items")
    conn.execute("PRAGMA legacy_alter_table = ON")
    conn.execute("ALTER TABLE items_v2 RENAME TO items")
    conn.execute("PRAGMA legacy_alter_table = OFF")


def _v1_to_v2(conn: sqlite3.Connection) -> None:
    """Schema 2: a stored quadrant (indexed matrix queries), undo batches, profile
    snapshots, settings, and notes in the full-text index."""
    _rebuild_items_v2(conn)
    for column, kind in (("quadrant", "TEXT"), ("qrank", "INTEGER"), ("closed", "INTEGER")):
        conn.execute(f"ALTER TABLE items ADD COLUMN {column} {kind}")
    place_all(conn, DEFAULT_SPLIT)
    conn.execute(
        "UPDATE items SET closed = status NOT IN ('new', 'triaged', 'in_progress'),"
        " owner = coalesce(owner, ''), justification = coalesce(justification, ''),"
        " kpi = coalesce(kpi, '')"
    )
    run_script(
        conn,
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
        """,
    )
    # Events logged before batches existed are kept, in one batch undo never reverts.
    if conn.execute("SELECT 1 FROM events LIMIT 1").fetchone():
        cursor = conn.execute(
            "INSERT INTO batches(at, actor, label, kind, state)"
            " SELECT coalesce(max(at), ''), 'migration', 'history before schema 2',"
            " 'do', 'archived'"
            " FROM events"
        )
        conn.execute("UPDATE events SET batch_id = ?", [cursor.lastrowid])


def _v2_to_v3(conn: sqlite3.Connection) -> None:
    """Schema 3: open/closed item counts per quadrant, kept by triggers, so the matrix
    headers cost one tiny read instead of counting 100,000 rows."""
    conn.execute(
        "CREATE TABLE quadrant_counts (closed INTEGER NOT NULL, qrank INTEGER NOT NULL,"
        " n INTEGER NOT NULL, PRIMARY KEY (closed, qrank)) WITHOUT ROWID"
    )


def _v3_to_v4(conn: sqlite3.Connection) -> None:
    """Schema 4: filters the pane applies (taxonomy, owner, status) count per quadrant
    from an index range instead of scanning the table."""
    run_script(
        conn,
        """
        DROP INDEX idx_items_taxonomy;
        DROP INDEX idx_items_status;
        CREATE INDEX idx_items_taxonomy ON items(taxonomy, closed, qrank);
        CREATE INDEX idx_items_owner ON items(owner, closed, qrank);
        CREATE INDEX idx_items_status ON items(status, qrank);
        """,
    )


TABLES = frozenset(
    {"items", "evidence", "events", "batches", "profiles", "settings", "quadrant_counts"}
    | {"items_fts", *(f"items_fts_{part}" for part in ("data", "idx", "docsize", "config"))}
)
"""Every table a backlog has (the search index's shadow tables included): adding the
backlog to another application's file refuses if any of these names is taken."""

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = [
    _create_v1,
    _v1_to_v2,
    _v2_to_v3,
    _v3_to_v4,
]
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def migrate(conn: sqlite3.Connection, from_version: int) -> None:
    """Run migrations ``from_version+1 .. SCHEMA_VERSION`` in the open transaction, and
    mark the file as a backlog (:data:`APPLICATION_ID`).

    Needs ``PRAGMA foreign_keys`` off (it cannot change inside a transaction):
    dropping a rebuilt table would count its rows as deleted parents even once
    the new table is renamed in. The references are checked at the end instead.
    """
    if not 0 <= from_version <= SCHEMA_VERSION:
        raise ValueError(f"no migration from schema {from_version}")
    if conn.execute("PRAGMA foreign_keys").fetchone()[0]:
        raise ValueError("migrations run with foreign keys off")
    for number in range(from_version, SCHEMA_VERSION):
        MIGRATIONS[number](conn)
        conn.execute(f"PRAGMA user_version = {number + 1}")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    ensure_derived(conn, rebuild=True)
    broken = conn.execute("PRAGMA foreign_key_check").fetchone()
    if broken:
        raise sqlite3.IntegrityError(f"{broken[0]} row {broken[1]} refers to a missing row")


def place_all(conn: sqlite3.Connection, split: int) -> None:
    """Recompute every item's stored quadrant for ``split``, in one statement."""
    cases = {
        Quadrant.IMMEDIATE_PR: "impact >= :s AND effort < :s",
        Quadrant.DESIGN_REVIEW: "impact >= :s AND effort >= :s",
        Quadrant.BATCH_FIXES: "impact < :s AND effort < :s",
    }
    quadrant = " ".join(f"WHEN {cond} THEN '{q.value}'" for q, cond in cases.items())
    rank = " ".join(f"WHEN {cond} THEN {q.rank}" for q, cond in cases.items())
    conn.execute(
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


def missing_derived_parts(conn: sqlite3.Connection) -> set[str]:
    """Names of the FTS table and the triggers that keep search and counts in sync,
    that should exist and do not (rebuilding a table drops its triggers)."""
    present = {row[0] for row in conn.execute("SELECT name FROM sqlite_master")}
    return {"items_fts", *_TRIGGERS} - present


def ensure_derived(conn: sqlite3.Connection, *, rebuild: bool = False) -> None:
    """Create the FTS table and the sync triggers if missing; then rebuild the search
    index and recount the quadrants when anything was missing (rows written meanwhile
    were not tracked) or when asked."""
    missing = missing_derived_parts(conn)
    for name in ("items_ai", "items_ad", "items_au"):  # schema 1's triggers
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    if "items_fts" in missing:
        conn.execute(
            f"CREATE VIRTUAL TABLE items_fts USING fts5({_COLUMNS},"
            " content='items', content_rowid='id', tokenize='unicode61 remove_diacritics 2')"
        )
    for name, sql in _TRIGGERS.items():
        if name in missing:
            conn.execute(sql)
    if missing or rebuild:
        conn.execute("INSERT INTO items_fts(items_fts) VALUES ('rebuild')")
        conn.execute("DELETE FROM quadrant_counts")
        conn.executemany(
            "INSERT INTO quadrant_counts(closed, qrank, n) VALUES (?, ?,"
            " (SELECT count(*) FROM items WHERE closed = ?1 AND qrank = ?2))",
            [(closed, q.rank) for closed in (0, 1) for q in Quadrant],
        )

"""Opening a backlog file: checks, read-only fallbacks, schema upgrades with a backup.

Bad files (locked, corrupt, from a newer workbench) are refused with one line
before anything is written. A read-only file (or folder) opens for reading
only. An older schema is migrated in one transaction, after SQLite's backup API
copied the file to ``<name>.bak-v<old version>``.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import sqlite_utils

from workbench.errors import StoreError
from workbench.triage import schema
from workbench.triage.dbfile import check_file
from workbench.triage.model import DEFAULT_SPLIT


def connect(path: Path, busy_timeout: float) -> tuple[sqlite3.Connection, str | None]:
    """A connection to ``path`` and why it is read-only (None when writable).

    Raises StoreError (one line) when the file cannot be opened at all.
    """
    read_only = check_file(path)
    try:
        if read_only:
            return _connect_read_only(path, busy_timeout), read_only
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
        )
    except (OSError, sqlite3.Error) as error:
        raise StoreError(f"cannot open the backlog {path}: {error}") from None
    return conn, None


def _connect_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection that cannot write ``path``, even as root.

    ``mode=ro`` still needs the WAL index beside the file; in a read-only
    folder whose last writer removed it, the file is read as ``immutable``
    (no locks: nobody can write there either).
    """
    uri = path.resolve().as_uri()

    def connect(query: str) -> sqlite3.Connection:
        return sqlite3.connect(
            f"{uri}?{query}",
            uri=True,
            timeout=busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )

    conn = connect("mode=ro")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        return connect("immutable=1")
    return conn


def prepare(
    db: sqlite_utils.Database, path: Path, read_only: str | None, busy_timeout: float
) -> int:
    """Check, configure and (when writable) upgrade the database; returns its split."""
    conn = db.conn
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    version = schema.user_version(conn)  # reads the header: a non-database fails here
    _refuse_newer(path, version)
    if version:
        row = conn.execute("PRAGMA quick_check").fetchone()
        if row[0] != "ok":
            raise StoreError(
                f"the backlog {path} is corrupt (integrity check: {row[0]}); "
                "restore it from a backup or move it away"
            )
    if read_only:
        if version < schema.SCHEMA_VERSION:
            raise StoreError(
                f"the backlog {path} is read-only and has schema {version}, older "
                f"than this workbench's ({schema.SCHEMA_VERSION}); make it writable once "
                "so it is upgraded, or pass --db to a writable copy"
            )
        return load_split(conn)
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")
    if version < schema.SCHEMA_VERSION or schema.missing_derived_parts(db):
        _upgrade(db, path)
    return load_split(conn)


def load_split(conn: sqlite3.Connection) -> int:
    """The impact/effort split stored in ``settings`` (default 3)."""
    row = conn.execute("SELECT value FROM settings WHERE key = 'split'").fetchone()
    return int(row[0]) if row else DEFAULT_SPLIT


def _refuse_newer(path: Path, version: int) -> None:
    if version > schema.SCHEMA_VERSION:
        raise StoreError(
            f"the backlog {path} has schema {version}, newer than this workbench "
            f"knows ({schema.SCHEMA_VERSION}); upgrade triage-workbench to open it"
        )


def _upgrade(db: sqlite_utils.Database, path: Path) -> None:
    """Migrate (after a backup) or repair the search index, in one transaction."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        version = schema.user_version(conn)  # another process may have migrated
        _refuse_newer(path, version)
        if version and version < schema.SCHEMA_VERSION:
            _backup(conn, path, path.with_name(f"{path.name}.bak-v{version}"))
        if version < schema.SCHEMA_VERSION:
            schema.migrate(db, version)
        else:
            schema.ensure_derived(db)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def _backup(conn: sqlite3.Connection, path: Path, target_path: Path) -> None:
    """Copy the committed database to ``target_path`` with SQLite's backup API.

    Read through a second connection: ``conn`` holds the write lock for the
    migration, and SQLite refuses to back up from a connection mid-write;
    another reader still sees the last committed (pre-migration) state.
    """
    timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
    source = sqlite3.connect(path, timeout=timeout)
    target = sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()

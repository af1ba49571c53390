"""Rebuilding a damaged backlog in a new file, never writing into the damaged one.

``workbench backlog repair`` reads the rows of every table (through the
tables, not their indexes) from the damaged file, or from a backup, into a new
file: the tables as their own ``CREATE`` statements define them, then the
indexes and triggers built afresh from those rows, then the schema upgrades
and the full-text index and quadrant counts rebuilt (as a migration would).
The new file must pass the full integrity check before it takes the damaged
file's place; the damaged file (with its ``-wal``) is kept beside it as
``<name>.damaged-<time>``.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from workbench.errors import StoreError
from workbench.triage import integrity, schema
from workbench.triage.dbfile import FileState, check_file, store_errors, wal_path
from workbench.triage.opening import identify, read_connection, refuse_unusable

DERIVED = ("items_fts", "quadrant_counts")
"""Tables rebuilt from ``items`` rather than copied (the FTS shadow tables too)."""


@dataclass
class Repaired:
    """What :func:`repair` did."""

    items: int
    source: Path
    kept: Path | None
    """Where the damaged file now is (None: it was sound, nothing was done)."""
    problems: list[str]
    """What the check found in the damaged file."""


def repair(path: Path, *, backup: Path | None = None) -> Repaired:
    """Rebuild the backlog at ``path`` from its own tables, or from ``backup``.

    Nothing is done to a sound file. StoreError (one line, ``path`` unchanged)
    when the rows cannot be read either.
    """
    if check_file(path) is not FileState.SQLITE:
        raise StoreError(f"there is no backlog at {path} to repair; check --db")
    source = backup or path
    if backup is not None and check_file(backup) is not FileState.SQLITE:
        raise StoreError(f"the backup {backup} is not a SQLite database; pass --from a backup")
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    rebuilt = path.with_name(f".{path.name}.repair-{stamp}-{os.getpid()}")
    with tempfile.TemporaryDirectory(prefix="workbench-repair-") as folder:
        scratch = Path(folder) / "copy.db"
        try:
            found = _problems_in_copy(path, scratch)
            if not found:
                return Repaired(0, source, None, [])
            if backup is not None:
                _copy(backup, scratch)
            items = _rebuild(source, scratch, rebuilt)
            kept = path.with_name(f"{path.name}.damaged-{stamp}")
            _swap(path, rebuilt, kept)
            return Repaired(items, source, kept, found)
        finally:
            for part in (rebuilt, wal_path(rebuilt), rebuilt.with_name(rebuilt.name + "-shm")):
                part.unlink(missing_ok=True)


def check(path: Path) -> list[str]:
    """The full check of the backlog at ``path`` (SQLite's and FTS5's), on a copy, so
    the file is only read: what is wrong, or []."""
    if check_file(path) is not FileState.SQLITE:
        raise StoreError(f"there is no backlog at {path} to check; check --db")
    with tempfile.TemporaryDirectory(prefix="workbench-check-") as folder:
        return _problems_in_copy(path, Path(folder) / "copy.db")


def _copy(source: Path, target: Path) -> None:
    """``source`` as it is (its WAL included), page by page, into our own ``target``."""
    target.unlink(missing_ok=True)
    conn, _ = read_connection(source, 5.0)
    copy = sqlite3.connect(target)
    try:
        with store_errors(source):
            identity = identify(conn)
            refuse_unusable(source, identity, add_to_existing=False)
            foreign = identity.tables - schema.TABLES - {"sqlite_sequence", "sqlite_stat1"}
            if foreign:
                names = ", ".join(sorted(foreign))
                raise StoreError(
                    f"{source} also holds another application's tables ({names}); repair it "
                    "with the sqlite3 shell's .recover instead"
                )
            conn.backup(copy)
    finally:
        copy.close()
        conn.close()


def _problems_in_copy(path: Path, scratch: Path) -> list[str]:
    """The full check, run on a copy: FTS5's check is an ``INSERT``, and the damaged
    file is never opened for writing."""
    _copy(path, scratch)
    conn = sqlite3.connect(scratch, isolation_level=None)
    try:
        return integrity.problems(conn, thorough=True)
    except sqlite3.DatabaseError as error:
        return [str(error)]
    finally:
        conn.close()


def _rebuild(source: Path, scratch: Path, rebuilt: Path) -> int:
    """The rows of ``scratch`` (a copy of ``source``) in a new file at ``rebuilt``."""
    conn = sqlite3.connect(rebuilt, isolation_level=None)
    try:
        conn.execute("ATTACH DATABASE ? AS src", [str(scratch)])
        version = conn.execute("PRAGMA src.user_version").fetchone()[0]
        objects = conn.execute(
            "SELECT type, name, sql FROM src.sqlite_master WHERE sql IS NOT NULL"
            " AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'items_fts_%'"
            " ORDER BY type = 'table' DESC, type = 'index' DESC"
        ).fetchall()
        conn.execute("BEGIN")
        for kind, name, sql in objects:
            if kind == "table":
                conn.execute(sql)
                if name not in DERIVED:
                    conn.execute(f'INSERT INTO main."{name}" SELECT * FROM src."{name}"')
            else:  # indexes and triggers, built once the rows are in
                conn.execute(sql)
        conn.execute(f"PRAGMA main.user_version = {version}")
        conn.execute("COMMIT")
        conn.execute("DETACH DATABASE src")
        conn.execute("BEGIN")
        schema.migrate(conn, version)
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = WAL")
        found = integrity.problems(conn, thorough=True)
        if found:
            raise StoreError(f"the rebuilt backlog is not sound either ({found[0]})")
        return conn.execute("SELECT count(*) FROM items").fetchone()[0]
    except sqlite3.DatabaseError as error:
        raise StoreError(
            f"the rows of {source} cannot be read ({error}); nothing was changed; repair "
            "--from a backup (a .bak-v* copy beside it, or your own)"
        ) from None
    finally:
        conn.close()


def _swap(path: Path, rebuilt: Path, kept: Path) -> None:
    """Keep the damaged file (and its ``-wal``/``-shm``) as ``kept``; put ``rebuilt`` in
    its place with its permissions. The database is never missing at ``path``."""
    os.chmod(rebuilt, path.stat().st_mode & 0o7777)
    os.link(path, kept)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, kept.with_name(kept.name + suffix))
    os.replace(rebuilt, path)

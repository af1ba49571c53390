"""Opening a backlog file: whose it is, what the caller may do to it, and nothing more.

Three kinds of access, because three kinds of caller:

- ``READ`` (``list``, ``show``, ``kpis``, ``export``) changes nothing and
  creates nothing: a missing file is an error (a mistyped ``--db`` stays a
  typo), an older schema is upgraded in a copy in memory, and the file is read
  without leaving a ``-wal`` or ``-shm`` beside it.
- ``WRITE`` (``add``, ``edit``, ``move``…) may create a new backlog or upgrade
  an older one (after a backup), and the store says it did.
- ``EDIT`` (the app's Backlog pane) writes what the user does to a backlog
  that exists at the current schema; anything else is opened for reading until
  the pane's first write opens it with ``WRITE``.

Another application's SQLite file is refused in one line whatever the access,
unless the caller asks to add the backlog to it. Files are told apart by
SQLite's ``application_id`` (set on every backlog since schema 4's tables were
first written by this module) or, for older backlogs, by their tables and
schema number. A file that is not sound (:mod:`.integrity`) is never written.
"""

from __future__ import annotations

import enum
import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import StoreError
from workbench.triage import integrity, schema
from workbench.triage.dbfile import (
    FileState,
    check_file,
    ignore_in_git,
    in_wal_mode,
    read_only_reason,
    stamp,
    store_errors,
    wal_path,
)
from workbench.triage.model import DEFAULT_SPLIT


class Access(enum.Enum):
    """What the caller may do to the file (see the module docstring)."""

    READ = "read"
    EDIT = "edit"
    WRITE = "write"


class BacklogMissingError(StoreError):
    """No backlog at the path (or an empty file) and the caller only reads."""


class BacklogDamagedError(StoreError):
    """The file failed its integrity check: it is never written (repair makes a new one)."""


@dataclass
class Opened:
    """A checked connection and what opening it did."""

    conn: sqlite3.Connection
    access: Access
    """READ when the file is only read (asked for, or an EDIT that fell back)."""
    read_only: str | None = None
    """Why the file cannot be written (the line a write is refused with), or None."""
    created: bool = False
    upgraded_from: int | None = None
    """The schema the file had before this open upgraded it (WRITE only)."""
    upgrade_pending: int | None = None
    """The older schema of a file read from an upgraded copy in memory."""
    backup: Path | None = None
    """Where the file was copied before it was upgraded or added to."""
    immutable_stamp: tuple[int, int, int] | None = None
    """The file's :func:`~.dbfile.stamp` when read without locks: a change means another
    process wrote it meanwhile (see :func:`changed_since`)."""


@dataclass(frozen=True)
class Identity:
    """Whose SQLite file this is, from its header and its tables."""

    application_id: int
    version: int
    tables: frozenset[str]

    @property
    def is_new(self) -> bool:
        """No tables and a blank header: nobody's yet."""
        return not self.tables and self.version == 0 and self.application_id == 0

    @property
    def is_backlog(self) -> bool:
        if self.application_id == schema.APPLICATION_ID:
            return True
        return self.application_id == 0 and schema.SIGNATURE_TABLES <= self.tables


def identify(conn: sqlite3.Connection) -> Identity:
    """Read the header fields and table names (a file that is not SQLite fails here)."""
    application_id = conn.execute("PRAGMA application_id").fetchone()[0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    tables = frozenset(
        row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
    )
    return Identity(application_id, version, tables)


def open_backlog(
    path: Path, access: Access, *, add_to_existing: bool = False, busy_timeout: float = 5.0
) -> Opened:
    """Open ``path`` for ``access``; StoreError (one line, file unchanged) when it must
    not be. ``add_to_existing``: add the backlog's tables to another application's
    SQLite file (WRITE only; the file is copied to ``<name>.bak-before-backlog`` first)."""
    state = check_file(path)
    if state is not FileState.SQLITE:
        if access is not Access.WRITE:
            raise BacklogMissingError(_missing(path, state))
        return _create(path, busy_timeout)
    read_only = read_only_reason(path)
    if access is Access.READ or read_only:
        return _open_for_reading(path, busy_timeout, read_only)
    conn = _connect(path, busy_timeout, "mode=rw")
    try:
        with store_errors(path):
            opened = _prepare_for_writing(conn, path, access, add_to_existing)
    except BacklogDamagedError as damaged:
        conn.close()
        if access is Access.WRITE:
            raise
        return _open_for_reading(path, busy_timeout, str(damaged))  # shown, never written
    except BaseException:
        conn.close()
        raise
    if opened is None:  # an EDIT of an older schema: read it until the first write
        conn.close()
        return _open_for_reading(path, busy_timeout, None)
    return opened


def changed_since(path: Path, opened_stamp: tuple[int, int, int] | None) -> bool:
    """Whether a file read without locks was written meanwhile (its reads may mix
    before and after: the caller should say so and read again)."""
    if opened_stamp is None:
        return False
    try:
        return stamp(path) != opened_stamp or wal_path(path).exists()
    except OSError:
        return True


# -- reading -------------------------------------------------------------------
def _missing(path: Path, state: FileState) -> str:
    what = "is empty" if state is FileState.EMPTY else "does not exist"
    return (
        f"the backlog {path} {what}, and reading does not create one (nothing was "
        "changed); check --db, or add an item to start a backlog there"
    )


def _connect(path: Path, busy_timeout: float, query: str) -> sqlite3.Connection:
    try:
        return sqlite3.connect(
            f"{path.resolve().as_uri()}?{query}",
            uri=True,
            timeout=busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )
    except sqlite3.Error as error:
        raise StoreError(f"cannot open the backlog {path}: {error}") from None


def read_connection(
    path: Path, busy_timeout: float
) -> tuple[sqlite3.Connection, tuple[int, int, int] | None]:
    """A connection that cannot write ``path`` and leaves nothing beside it, and the
    file's stamp when it is read without locks.

    SQLite's ``mode=ro`` creates ``-wal`` and ``-shm`` for a WAL file that has
    none, and cannot remove them. A WAL file without a ``-wal`` has all its
    data in the file, so it is read as ``immutable`` (no side files, no locks)
    and its stamp is kept: a writer that checkpoints meanwhile changes it, and
    :func:`changed_since` says so. With a ``-wal`` present (another process is
    writing, or one was killed) the read goes through it with ``mode=ro``.
    """
    if in_wal_mode(path) and not wal_path(path).exists():
        opened_stamp = stamp(path)
        return _connect(path, busy_timeout, "immutable=1"), opened_stamp
    conn = _connect(path, busy_timeout, "mode=ro")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:  # a read-only folder without the WAL index
        conn.close()
        return _connect(path, busy_timeout, "immutable=1"), None
    except sqlite3.DatabaseError:
        pass  # not a database after all: the caller's first query says so in one line
    return conn, None


def _open_for_reading(path: Path, busy_timeout: float, read_only: str | None) -> Opened:
    """A READ open: checked, older schemas upgraded in memory (see :func:`read_connection`)."""
    conn, opened_stamp = read_connection(path, busy_timeout)
    try:
        with store_errors(path):
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
            identity = identify(conn)
            refuse_unusable(path, identity, add_to_existing=False)
            _refuse_damaged(path, integrity.quick_problems(conn))
            if identity.version < schema.SCHEMA_VERSION:
                copy = _upgraded_copy(conn, identity.version)
                conn.close()
                conn = copy
                return Opened(
                    conn,
                    Access.READ,
                    read_only,
                    upgrade_pending=identity.version,
                    immutable_stamp=opened_stamp,
                )
    except BaseException:
        conn.close()
        raise
    return Opened(conn, Access.READ, read_only, immutable_stamp=opened_stamp)


def in_memory() -> Opened:
    """An empty backlog in memory, for reading: what a pane shows where no backlog
    exists yet (its first write creates the file)."""
    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    memory.execute("BEGIN")
    schema.migrate(memory, 0)
    memory.execute("COMMIT")
    return Opened(memory, Access.READ)


def _upgraded_copy(conn: sqlite3.Connection, version: int) -> sqlite3.Connection:
    """The database copied into memory (SQLite's backup API) and upgraded there: an
    older backlog is shown as this workbench reads it, and the file stays as it was."""
    memory = sqlite3.connect(":memory:", isolation_level=None, check_same_thread=False)
    conn.backup(memory)
    memory.execute("BEGIN")
    schema.migrate(memory, version)
    memory.execute("COMMIT")
    return memory


# -- writing -------------------------------------------------------------------
def _create(path: Path, busy_timeout: float) -> Opened:
    """A new backlog at ``path`` (a missing file, or an empty one someone made)."""
    ignore_in_git(path.parent)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create the backlog {path}: {error.strerror}") from None
    conn = _connect(path, busy_timeout, "mode=rwc")
    try:
        with store_errors(path):
            _configure(conn, busy_timeout)
            with _migrating(conn):
                identity = identify(conn)  # another process may have created it meanwhile
                if identity.is_new:
                    schema.migrate(conn, 0)
                    return Opened(conn, Access.WRITE, created=True)
            opened = _prepare_for_writing(conn, path, Access.WRITE, False)
    except BaseException:
        conn.close()
        raise
    assert opened is not None
    return opened


def _prepare_for_writing(
    conn: sqlite3.Connection, path: Path, access: Access, add_to_existing: bool
) -> Opened | None:
    """Check an existing file before any write; upgrade it (WRITE) or return None (EDIT
    of an older schema, which is read instead)."""
    busy_timeout = conn.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
    identity = identify(conn)
    refuse_unusable(path, identity, add_to_existing=add_to_existing and access is Access.WRITE)
    if identity.version < schema.SCHEMA_VERSION and identity.is_backlog and access is Access.EDIT:
        return None
    missing = schema.missing_derived_parts(conn) if identity.is_backlog else set()
    found = integrity.problems(conn, thorough=access is Access.EDIT, search_index=not missing)
    _refuse_damaged(path, found)
    _configure(conn, busy_timeout)
    opened = Opened(conn, access)
    if not identity.is_backlog:  # asked to add the backlog to another application's file
        opened.backup = path.with_name(f"{path.name}.bak-before-backlog")
        _upgrade(conn, path, opened.backup, lambda found: found == identity)
    elif identity.version < schema.SCHEMA_VERSION:
        opened.backup = path.with_name(f"{path.name}.bak-v{identity.version}")
        opened.upgraded_from = identity.version
        _upgrade(conn, path, opened.backup, lambda found: found.version == identity.version)
    elif missing:
        with _immediate(conn):
            schema.ensure_derived(conn)
    return opened


def _configure(conn: sqlite3.Connection, busy_timeout: float) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
        conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("PRAGMA foreign_keys = ON")


@contextmanager
def _immediate(conn: sqlite3.Connection) -> Iterator[None]:
    """``BEGIN IMMEDIATE`` … ``COMMIT`` (``ROLLBACK`` on any exception)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


@contextmanager
def _migrating(conn: sqlite3.Connection) -> Iterator[None]:
    """A transaction for :func:`schema.migrate`: foreign keys off around it (they
    cannot change inside one), checked by the migration before it commits."""
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        with _immediate(conn):
            yield
    finally:
        conn.execute("PRAGMA foreign_keys = ON")


def _upgrade(
    conn: sqlite3.Connection, path: Path, backup: Path, unchanged: Callable[[Identity], bool]
) -> None:
    """Back the file up, then migrate it in one transaction, if no other process did
    (``unchanged(identity)`` is still true once the write lock is held)."""
    with _migrating(conn):
        identity = identify(conn)
        if not unchanged(identity):
            refuse_unusable(path, identity, add_to_existing=False)
            if identity.version == schema.SCHEMA_VERSION:
                return  # another process upgraded it meanwhile
        _backup(conn, path, backup)
        schema.migrate(conn, identity.version)


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


def load_split(conn: sqlite3.Connection) -> int:
    """The impact/effort split stored in ``settings`` (default 3)."""
    row = conn.execute("SELECT value FROM settings WHERE key = 'split'").fetchone()
    return int(row[0]) if row else DEFAULT_SPLIT


# -- refusals ------------------------------------------------------------------
def refuse_unusable(path: Path, identity: Identity, *, add_to_existing: bool) -> None:
    """One line for a file that is not a backlog we can open (another application's,
    one from a newer workbench, a damaged header)."""
    if not identity.is_backlog:
        _refuse_foreign(path, identity, add_to_existing)
        return
    if identity.version > schema.SCHEMA_VERSION:
        raise StoreError(
            f"the backlog {path} has schema {identity.version}, newer than this workbench "
            f"knows ({schema.SCHEMA_VERSION}); upgrade triage-workbench to open it"
        )
    if identity.version < 1:
        raise StoreError(
            f"the backlog {path} has schema number {identity.version}, which no workbench "
            "writes (a damaged header?); nothing was changed; restore it from a backup "
            "(e.g. its .bak-v* copy) or pass --db PATH"
        )


def _refuse_foreign(path: Path, identity: Identity, add_to_existing: bool) -> None:
    names = ", ".join(sorted(identity.tables)[:4]) + (", …" if len(identity.tables) > 4 else "")
    if identity.application_id or identity.version:
        raise StoreError(
            f"{path} is another application's SQLite database (application_id "
            f"{identity.application_id}, user_version {identity.version}; tables: "
            f"{names or 'none'}); nothing was changed; keep the backlog in a file of its "
            "own: pass --db PATH"
        )
    if not add_to_existing:
        raise StoreError(
            f"{path} is a SQLite database of another application (tables: {names}); "
            "nothing was changed; pass --db to a backlog, or run `workbench backlog init "
            f"--db {path} --add-to-existing` to add the backlog's tables to it"
        )
    clashes = sorted(identity.tables & schema.TABLES)
    if clashes:
        raise StoreError(
            f"{path} already has tables named like the backlog's ({', '.join(clashes)}); "
            "nothing was changed; keep the backlog in a file of its own: pass --db PATH"
        )


def _refuse_damaged(path: Path, problems: list[str]) -> None:
    if problems:
        first = problems[0] + (f" and {len(problems) - 1} more" if len(problems) > 1 else "")
        raise BacklogDamagedError(
            f"the backlog {path} is damaged ({first}); nothing was written; "
            f"`workbench backlog repair --db {path}` rebuilds it in a new file "
            "from its tables (or --from a backup) and keeps this one"
        )

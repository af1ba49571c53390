"""The backlog file itself: where it lives, and refusing one we must not touch.

Checks run before SQLite opens anything, so a device, a FIFO, a folder or a
file that is not SQLite is reported in one line and left byte-for-byte as it
was; SQLite's own failures (locked, read-only filesystem, malformed) are mapped
to the same one-line :class:`~workbench.errors.StoreError`.
"""

from __future__ import annotations

import enum
import getpass
import os
import sqlite3
import stat
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from workbench.errors import StoreError
from workbench.output import plain

DEFAULT_BUSY_TIMEOUT = float(os.environ.get("WORKBENCH_BUSY_TIMEOUT", "5"))
"""Seconds a write waits for another process's transaction before giving up
(``$WORKBENCH_BUSY_TIMEOUT`` overrides, e.g. for a CI job that would rather fail fast)."""
SQLITE_HEADER = b"SQLite format 3\x00"


def default_db_path(cwd: Path | None = None) -> Path:
    """``.workbench/triage.db`` at the root of the git repository of ``cwd``, else the
    user data dir: the backlog travels with the code it is about."""
    try:
        top = subprocess.run(
            ["git", "rev-parse", "--show-toplevel"],
            cwd=cwd or Path.cwd(),
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        top = ""
    if top:
        return Path(top) / ".workbench" / "triage.db"
    import platformdirs  # only when there is no repository to keep the backlog in

    return Path(platformdirs.user_data_dir("triage-workbench")) / "triage.db"


def now() -> str:
    """UTC time as ISO 8601 to the microsecond: sortable as text, parseable everywhere."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def default_actor() -> str:
    """Who is acting, for the event log: ``$WORKBENCH_ACTOR`` or the login name."""
    try:
        return os.environ.get("WORKBENCH_ACTOR") or getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


@contextmanager
def store_errors(path: Path) -> Iterator[None]:
    """SQLite's failures as one line each, saying what to do."""
    try:
        yield
    except sqlite3.OperationalError as error:
        message = str(error)
        if "locked" in message or "busy" in message:
            raise StoreError(
                f"the backlog {path} is locked by another process; retry when it is done"
            ) from None
        if "readonly" in message or "read-only" in message:
            raise StoreError(
                f"the backlog {path} is read-only, so nothing was changed (a read-only "
                "mount?); make it writable or pass --db to a writable copy"
            ) from None
        raise StoreError(f"the backlog {path} cannot be used: {message}") from None
    except sqlite3.IntegrityError as error:
        raise StoreError(
            f"the backlog {path} refused the change ({error}); reload and retry"
        ) from None
    except (sqlite3.DatabaseError, UnicodeDecodeError) as error:
        # Text that is not UTF-8 where SQLite keeps names and titles is damage as well.
        raise StoreError(
            f"the backlog {path} is corrupt ({plain(error)}); nothing was changed; "
            f"`workbench backlog repair --db {path}` rebuilds it from its tables or a backup"
        ) from None


def ignore_in_git(folder: Path) -> None:
    """Create ``.workbench/`` with a ``.gitignore`` of ``*``: a binary database changing
    at every grooming key does not belong in the repository it sits in."""
    if folder.name == ".workbench" and not folder.exists():
        try:
            folder.mkdir(parents=True)
            (folder / ".gitignore").write_text("*\n")
        except OSError:
            pass  # open() reports an unusable folder with the file's own error


def read_only_reason(path: Path) -> str | None:
    """Why ``path`` can be read but not written (the line a refused write prints), or None.

    Root ignores permission bits, so the bits themselves are asked too: a file
    marked read-only is left alone even when we could write it. A read-only
    folder counts too: SQLite could not create the WAL a write needs there.
    """
    if not path.stat().st_mode & 0o222 or not os.access(path, os.W_OK):
        return (
            f"the backlog {path} is read-only, so nothing was changed; fix its permissions "
            f"(chmod u+w {path}) or pass --db to a writable copy"
        )
    if not os.access(path.parent, os.W_OK) or not path.parent.stat().st_mode & 0o222:
        return (
            f"the folder of the backlog {path} is read-only (SQLite writes its WAL there), "
            "so nothing was changed; fix its permissions or pass --db to a writable copy"
        )
    return None


class FileState(enum.Enum):
    """What is at the backlog's path, once :func:`check_file` let it through."""

    MISSING = "missing"
    """Nothing (or a folder to create it in): only a write may create it."""
    EMPTY = "empty"
    """A zero-byte file: SQLite reads it as a database without tables."""
    SQLITE = "sqlite"
    """A SQLite file: whose, and which schema, the opening decides."""


_NOT_A_FILE = {
    stat.S_IFDIR: "a folder",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}


def check_file(path: Path) -> FileState:
    """Refuse, before SQLite touches it, anything but a regular SQLite file or nothing:
    a folder, a device (SQLite would write ``/dev/null-journal`` beside ``/dev/null``),
    a FIFO (opening it would block), a dangling symlink (a write would create its
    target), a file that is not SQLite."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        if path.is_symlink():
            raise StoreError(
                f"the backlog {path} is a symlink to nothing; pass --db to a file"
            ) from None
        return FileState.MISSING
    except OSError as error:
        raise StoreError(f"cannot use the backlog {path}: {error.strerror}") from None
    if not stat.S_ISREG(mode):
        kind = _NOT_A_FILE.get(stat.S_IFMT(mode), "not a regular file")
        raise StoreError(f"the backlog {path} is {kind}, not a database file; pass --db FILE")
    try:
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER) + 4)
    except OSError as error:
        raise StoreError(f"cannot read the backlog {path}: {error.strerror}") from None
    if not header:
        return FileState.EMPTY
    if not header.startswith(SQLITE_HEADER):
        raise StoreError(
            f"the backlog {path} is not a SQLite database; move it away or pass --db PATH"
        )
    return FileState.SQLITE


def in_wal_mode(path: Path) -> bool:
    """Whether the file's header says WAL (bytes 18 and 19 are 2): such a file is only
    read consistently through its ``-wal`` and ``-shm``, or as immutable when it has none."""
    with path.open("rb") as handle:
        header = handle.read(20)
    return header[18:20] == b"\x02\x02"


def wal_path(path: Path) -> Path:
    return path.with_name(path.name + "-wal")


def stamp(path: Path) -> tuple[int, int, int]:
    """What changes when anyone writes the file: inode, size, modification time."""
    info = path.stat()
    return info.st_ino, info.st_size, info.st_mtime_ns

"""Argument types and options shared by several command groups.

Every command group (``workbench/cli/<group>.py``) builds its parser from these,
so a number, a format choice or ``--db`` means the same and fails the same way
everywhere. Nothing heavy is imported here: building the parser runs on every
``workbench`` call.
"""

from __future__ import annotations

import argparse
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import StoreError

if TYPE_CHECKING:
    from workbench.triage.store import BacklogStore

Handler = Callable[[argparse.Namespace], int]


# -- numbers ------------------------------------------------------------------
def number(text: str, kind: type[int] | type[float] = float) -> float:
    """``text`` as a finite number: ``nan`` and ``inf`` are refused like words."""
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"not a finite number: {text!r}")
    return value


#: The largest integer SQLite stores (a signed 64-bit INTEGER). An id, a version or a
#: count past it is a typing mistake, and SQLite would refuse it with an OverflowError.
MAX_INT = 2**63 - 1


def positive_int(text: str) -> int:
    return _whole(text, 1, "a positive integer")


def count(text: str) -> int:
    """A number of things (a limit, an offset, a version): 0 or more."""
    return _whole(text, 0, "0 or a positive integer")


def _whole(text: str, low: int, expected: str) -> int:
    value = int(number(text, int))
    if value < low:
        raise argparse.ArgumentTypeError(f"must be {expected}, not {text}")
    if value > MAX_INT:
        raise argparse.ArgumentTypeError(f"{text} is too large (at most {MAX_INT})")
    return value


def positive_float(text: str) -> float:
    value = number(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be positive, not {text}")
    return value


def percent(text: str) -> float:
    value = number(text)
    if not 0 <= value <= 100:
        raise argparse.ArgumentTypeError(f"must be between 0 and 100, not {text}")
    return value


def add_repo(parser: argparse.ArgumentParser, default: str) -> None:
    """``--repo DIR``: the git repository of the profiled code (``default`` says what else)."""
    parser.add_argument(
        "--repo",
        type=Path,
        metavar="DIR",
        help=f"git repository of the profiled code (default: {default})",
    )


def add_format(parser: argparse.ArgumentParser, choices: tuple[str, ...]) -> None:
    parser.add_argument(
        "--format", choices=choices, default="text", help="output format (default: text)"
    )


# -- the backlog database (every store command, `diff --propose`, `export`) --
def add_db_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        type=Path,
        metavar="PATH",
        help="backlog database (default: .workbench/triage.db at the git root, else user data)",
    )


def db_path(args: argparse.Namespace) -> Path:
    """The backlog file ``--db`` names, or the default location."""
    if getattr(args, "db", None) is not None:
        return args.db
    from workbench.triage.dbfile import default_db_path

    return default_db_path()


def open_store(args: argparse.Namespace, *, writing: bool = True) -> BacklogStore:
    """The backlog ``--db`` names, opened to write (creating or upgrading it) or only to
    read (never creating, migrating or leaving a file). A write to a read-only backlog
    is refused here; otherwise what opening did is noted on stderr (stdout stays data)."""
    from workbench.triage.store import Access, BacklogStore

    store = BacklogStore.open(
        getattr(args, "db", None),
        access=Access.WRITE if writing else Access.READ,
        add_to_existing=getattr(args, "add_to_existing", False),
    )
    if store.read_only and writing:
        store.close()
        raise StoreError(store.read_only)
    for line in opening_notes(store):
        print(f"note: {line}", file=sys.stderr)
    return store


def opening_notes(store: BacklogStore) -> list[str]:
    """What opening did or found that the user should know."""
    opened, path = store.opened, store.path
    notes = []
    if opened.created:
        notes.append(f"created a new backlog at {path}")
    elif opened.upgraded_from is not None:
        notes.append(
            f"upgraded the backlog {path} from schema {opened.upgraded_from}; the file as it "
            f"was is kept as {opened.backup}"
        )
    elif opened.backup is not None:
        notes.append(f"added the backlog to {path}; the file as it was is kept as {opened.backup}")
    if opened.upgrade_pending is not None:
        notes.append(
            f"the backlog {path} has an older schema ({opened.upgrade_pending}): shown from an "
            "upgraded copy in memory; the file is upgraded (keeping a copy) by the next change"
        )
    if store.read_only:
        notes.append(f"the backlog {path} is read-only; shown as is, changes are refused")
    return notes


Writes = Callable[[argparse.Namespace], bool]
"""Whether a command, with these arguments, would change the backlog."""


def reads(args: argparse.Namespace) -> bool:
    """A command that never writes (``list``, ``show``, ``kpis``, ``export``)."""
    return False


def always_writes(args: argparse.Namespace) -> bool:
    """A command that always writes (``add``, ``edit``, ``undo``…)."""
    return True


def with_store(
    run: Callable[[BacklogStore, argparse.Namespace], int], writes: Writes = reads
) -> Handler:
    """A handler that opens the store from ``--db``, runs, and always closes it.

    A reading command opens the backlog for reading only: a missing file is an
    error, not a new backlog. On a read-only backlog a reading command says so
    in one note line on stderr (stdout stays machine-readable) and goes on; a
    writing one is refused before it does anything, so it prints exactly one
    line (its error) and exits 2. A read that another process's write may have
    mixed up (see ``BacklogStore.changed_while_read``) fails after the fact.
    """

    def handler(args: argparse.Namespace) -> int:
        with open_store(args, writing=writes(args)) as store:
            code = run(store, args)
            if store.changed_while_read():
                raise StoreError(
                    f"another process wrote the backlog {store.path} while it was read, so "
                    "the output above may mix both states; run the command again"
                )
            return code

    return handler

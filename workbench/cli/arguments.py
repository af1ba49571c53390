"""Argument types and options shared by several command groups.

Every command group (``workbench/cli/<group>.py``) builds its parser from these,
so a number, a format choice or ``--db`` means the same and fails the same way
everywhere. Nothing heavy is imported here: building the parser runs on every
``workbench`` call.
"""

from __future__ import annotations

import argparse
import math
import stat
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


def positive_int(text: str) -> int:
    value = int(number(text, int))
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, not {text}")
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


def open_store(args: argparse.Namespace) -> BacklogStore:
    from workbench.triage.store import BacklogStore

    path = getattr(args, "db", None)
    if path is not None:
        refuse_non_regular_db(path)
    return BacklogStore.open(path)


def refuse_non_regular_db(path: Path) -> None:
    """A ``--db`` that exists must be a regular file (or a link to one).

    SQLite would open ``/dev/null`` and create ``/dev/null-journal`` beside it;
    a FIFO would hang. The store checks what the file holds; this checks what it is.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return
    except OSError as error:
        raise StoreError(f"--db {path}: {error.strerror or error}") from None
    if not stat.S_ISREG(mode):
        what = "a folder" if stat.S_ISDIR(mode) else "not a regular file (a device, FIFO or socket)"
        raise StoreError(f"--db {path}: {what}; give the path of a backlog database file")


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

    On a read-only backlog a reading command says so in one note line on stderr
    (stdout stays machine-readable) and goes on; a writing one is refused before
    it does anything, so it prints exactly one line (its error) and exits 2.
    """

    def handler(args: argparse.Namespace) -> int:
        with open_store(args) as store:
            if store.read_only:
                if writes(args):
                    raise StoreError(store.read_only)
                print(
                    f"note: the backlog {store.path} is read-only; shown as is, changes are"
                    " refused",
                    file=sys.stderr,
                )
            return run(store, args)

    return handler

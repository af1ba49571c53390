"""The ``workbench`` command: one subcommand per job, each usable from CI.

Exit codes: 0 success, 1 a gate or check failed, 2 bad input or usage.
Each command group registers its own subcommands (``register(sub)`` in its
module of this package), so this file only assembles them; this package is the
only place that parses arguments, and the only one that may import any core
package. Subcommands that open the app call
:func:`workbench.cli.launch.open_app`, the one composition root allowed to import
``screens`` (lazily).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import signal
import sys
import threading
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from workbench import __version__
from workbench.errors import WorkbenchError
from workbench.output import plain

if TYPE_CHECKING:
    import argparse

#: Modules that contribute subcommands, in the order ``--help`` lists them.
COMMAND_MODULES = (
    "workbench.cli.profiles",
    "workbench.cli.sampling",
    "workbench.cli.capture",
    "workbench.cli.backlog",
    "workbench.cli.history",
    "workbench.cli.bench",
    "workbench.cli.analysis",
    "workbench.cli.export",
    "workbench.cli.slo",
    "workbench.cli.cycle",
)


@contextlib.contextmanager
def stopping_like_ctrl_c() -> Iterator[None]:
    """SIGTERM and SIGHUP (``timeout``, ``kill``, a closed terminal, CI cancelling a job)
    stop a subcommand as Ctrl-C does: every command's Ctrl-C path stops its children,
    removes its worktrees and keeps what was measured, and a default SIGTERM would skip
    all of that and leave py-spy, locust or the measured program running."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGHUP)}
    for sig in previous:
        signal.signal(sig, _interrupt)
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def build_parser() -> argparse.ArgumentParser:
    import argparse  # plain ``workbench`` (the app) parses nothing

    parser = argparse.ArgumentParser(
        prog="workbench",
        description=(
            "Triage Workbench: sample, compare, dig into history and triage the "
            "performance of Python code. With no subcommand, opens the app."
        ),
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    os.environ.setdefault("RUST_BACKTRACE", "0")
    words = sys.argv[1:] if argv is None else list(argv)
    # No words opens the app: building every group's parser first would delay its frame.
    args = build_parser().parse_args(words) if words else None
    handler = getattr(args, "handler", None)
    try:
        if handler is None:
            from workbench.cli.launch import open_app
            from workbench.context import LaunchContext

            return open_app(LaunchContext())
        with stopping_like_ctrl_c():
            return int(handler(args) or 0)
    except WorkbenchError as error:
        # The message quotes file names, commit subjects, a command's stderr: drawn
        # literally, an escape sequence or a newline in them must not reach the terminal.
        print(f"workbench: error: {plain(str(error))}", file=sys.stderr)
        return error.exit_code
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # `workbench diff ... | head` closes stdout early: not an error.
        sys.stderr.close()
        return 0

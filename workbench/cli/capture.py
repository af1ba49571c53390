"""Subcommands: capture (a command at two revisions) and bisect (the commit that made it slower).

Both check out revisions in worktrees under the cache folder, never in the
user's checkout, and remove them afterwards. Exit codes: capture 0 when
every run succeeded, 1 when some failed (they are reported), 2 when nothing
could be compared or the input is bad; bisect 0 when it named a commit or a
range, 1 when the bad revision is not slower (or cannot be told slower), 2
on bad input. Ctrl-C is a fault like the others (issue 9): what was measured
is printed and kept, the worktrees and children are gone, and one line says
where the runs are, exit 2.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.arguments import add_format, percent, positive_float, positive_int
from workbench.cli.launch import open_app
from workbench.context import LaunchContext
from workbench.errors import CaptureError
from workbench.output import counted

if TYPE_CHECKING:
    from workbench.capture.manifest import Manifest
    from workbench.capture.runner import Progress

PROFILERS = ("py-spy", "pyinstrument", "none")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``capture`` and ``bisect`` to the ``workbench`` parser."""
    _register_capture(sub)
    _register_bisect(sub)


def _common(parser: argparse.ArgumentParser, *, default_repeat: int) -> None:
    parser.add_argument(
        "--repo", type=Path, default=Path("."), metavar="R", help="git repository (default: .)"
    )
    parser.add_argument(
        "--repeat",
        type=positive_int,
        default=default_repeat,
        metavar="N",
        help=f"runs per revision (default: {default_repeat}; 4 or more decide on an interval)",
    )
    parser.add_argument(
        "--setup",
        metavar="CMD",
        help="shell command run first in each worktree with a fresh virtualenv active "
        "(e.g. 'pip install .'); COMMAND then runs in that virtualenv ($WORKBENCH_VENV, "
        "its bin/ first on PATH). Without it the worktree goes first on PYTHONPATH",
    )
    parser.add_argument(
        "--rate", type=_rate, default=100, metavar="HZ", help="samples per second (default: 100)"
    )
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")


def _rate(text: str) -> int:
    value = positive_int(text)
    if value > 10_000:
        raise argparse.ArgumentTypeError(f"{text}: use a rate between 1 and 10000 Hz")
    return value


def _command(args: argparse.Namespace, name: str) -> list[str]:
    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise CaptureError(f"no command given; usage: workbench {name} ... -- python bench.py")
    return command


def _progress(update: Progress) -> None:
    """One line per step on stderr (stdout stays the report)."""
    print(
        f"workbench: [{update.done}/{update.total} {update.unit}, {update.elapsed:.0f} s] "
        f"{update.message}",
        file=sys.stderr,
        flush=True,
    )


# -- capture ------------------------------------------------------------------------
def _register_capture(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "capture",
        help="run a command at two revisions, repeated, and compare them in seconds",
        description=(
            "Check out BASE and BRANCH in worktrees (never touching your checkout), run "
            "COMMAND at each, interleaved and --repeat times, under a profiler; write every "
            "profile and a manifest.json to --out, and print the comparison: program wall and "
            "CPU time and each function's self time with medians, Δ, intervals and "
            "significance. Exit 0, 1 when some run failed (reported), 2 when nothing could be "
            "compared, 130 when interrupted (what was measured is kept)."
        ),
    )
    parser.add_argument("--base", required=True, metavar="REV", help="baseline revision")
    parser.add_argument("--branch", required=True, metavar="REV", help="revision to compare")
    parser.add_argument(
        "--profiler",
        choices=PROFILERS,
        default="py-spy",
        help="py-spy (default), pyinstrument (wall-clock, async-aware), or none (times only)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="new or empty folder for the profiles and manifest "
        "(default: ./capture-YYYYmmdd-HHMMSS)",
    )
    parser.add_argument("--keep", action="store_true", help="keep the worktrees (and virtualenvs)")
    parser.add_argument("--open", action="store_true", help="open the result in the Compare pane")
    parser.add_argument(
        "--top", type=positive_int, metavar="N", help="function rows shown (default: 15)"
    )
    add_format(parser, ("text", "json", "markdown"))
    _common(parser, default_repeat=6)
    parser.set_defaults(handler=run_capture_command)


def run_capture_command(args: argparse.Namespace) -> int:
    from workbench.capture.compare import compare_capture
    from workbench.capture.loading import load_capture
    from workbench.capture.report import DEFAULT_TOP, RENDERERS
    from workbench.capture.runner import CaptureRequest, run_capture
    from workbench.capture.time_gates import load_time_gate_config

    command = _command(args, "capture")
    out = args.out or Path(f"capture-{time.strftime('%Y%m%d-%H%M%S')}")
    request = CaptureRequest(
        repo=args.repo,
        base=args.base,
        branch=args.branch,
        argv=command,
        out=out,
        repeat=args.repeat,
        setup=args.setup,
        profiler=args.profiler,
        rate=args.rate,
        keep=args.keep,
    )
    gate = load_time_gate_config(args.repo if args.repo.is_dir() else None)
    try:
        manifest = run_capture(request, progress=_progress)
    except KeyboardInterrupt:  # before the output folder existed: nothing was measured
        raise CaptureError("interrupted before any run; nothing was measured") from None
    empty = [role for role in ("base", "branch") if not manifest.runs_of(role, ok_only=True)]
    if empty:
        for run in manifest.failed_runs()[:4]:
            print(f"workbench: {run.side} #{run.index}: {run.failure}", file=sys.stderr)
            for line in (run.stderr_tail or "").splitlines()[-3:]:
                print(f"workbench:     {line}", file=sys.stderr)
        setup = [manifest.side(role).setup_error for role in empty]
        reason = next((error for error in setup if error), "every run failed")
        if manifest.interrupted:
            raise _interrupted(manifest)
        raise CaptureError(
            f"no successful run at {' and '.join(empty)} ({reason}); nothing to compare; "
            f"the manifest in {manifest.folder} lists every run"
        )
    report = compare_capture(load_capture(manifest.folder), gate=gate, top=args.top or DEFAULT_TOP)
    if args.format == "json":
        report.top = args.top
    print(RENDERERS[args.format](report))
    print(f"workbench: profiles and manifest in {manifest.folder}", file=sys.stderr)
    if manifest.interrupted:
        raise _interrupted(manifest)
    if args.open:
        open_app(LaunchContext(mode="compare", capture=manifest.folder))
    return report.exit_code


def _interrupted(manifest: Manifest) -> CaptureError:
    """Ctrl-C as one line (exit 2): how far it got and where the runs are kept."""
    done = len([run for run in manifest.runs if not run.interrupted])
    return CaptureError(
        f"interrupted after {done} of {2 * manifest.repeat} runs; what was measured is kept "
        f'in {manifest.folder} (manifest.json says "interrupted": true)'
    )


# -- bisect -------------------------------------------------------------------------
def _register_bisect(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "bisect",
        help="find the first commit that made a command slower (measured, first-parent)",
        description=(
            "Binary search over the first-parent commits between GOOD and BAD: each step runs "
            "COMMAND at the step's commit and at GOOD, interleaved and --repeat times, and "
            "judges METRIC against GOOD's with the threshold. A commit whose setup or run fails, "
            "or whose verdict stays undecidable, is skipped (like git bisect skip); with skips "
            "the result may be a range. Exit 0 when a commit or range is named, 1 when BAD is "
            "not slower than GOOD, 2 on bad input."
        ),
    )
    parser.add_argument("--good", required=True, metavar="REV", help="a revision known fast")
    parser.add_argument("--bad", required=True, metavar="REV", help="a revision known slow")
    parser.add_argument(
        "--metric",
        default="wall",
        metavar="METRIC",
        help="wall (default), cpu, self:FUNCTION or total:FUNCTION (FUNCTION: qualname or "
        "path:qualname; needs a profiler)",
    )
    parser.add_argument(
        "--threshold",
        type=percent,
        default=10.0,
        metavar="PCT",
        help="slower by more than this is bad (default: 10)",
    )
    parser.add_argument(
        "--profiler",
        choices=PROFILERS,
        help="default: none for wall/cpu (no sampling overhead), py-spy for self:/total:",
    )
    parser.add_argument(
        "--out", type=Path, metavar="DIR", help="keep each step's runs and bisect.json here"
    )
    parser.add_argument(
        "--max-seconds",
        type=positive_float,
        metavar="S",
        help="stop measuring after this long and report what is known",
    )
    parser.add_argument(
        "--propose",
        action="store_true",
        help="file the first bad commit as a backlog item with the evidence linked",
    )
    parser.add_argument("--db", type=Path, metavar="PATH", help="backlog database for --propose")
    add_format(parser, ("text", "json", "markdown"))
    _common(parser, default_repeat=5)
    parser.set_defaults(handler=run_bisect_command)


def run_bisect_command(args: argparse.Namespace) -> int:
    from workbench.capture.bisect import bisect
    from workbench.capture.bisect_report import RENDERERS
    from workbench.capture.bisect_request import BisectRequest

    request = BisectRequest(
        repo=args.repo,
        good=args.good,
        bad=args.bad,
        argv=_command(args, "bisect"),
        metric=args.metric,
        threshold_pct=args.threshold,
        repeat=args.repeat,
        setup=args.setup,
        profiler=args.profiler,
        rate=args.rate,
        out=args.out,
        max_seconds=args.max_seconds,
    )
    try:
        result = bisect(request, progress=_progress)
    except KeyboardInterrupt:  # before the first step: nothing was measured
        raise CaptureError("interrupted before the first step; nothing was measured") from None
    if args.propose and result.first_bad is not None:
        from workbench.cli.arguments import open_store
        from workbench.triage.bisect_intake import propose_bisect

        with open_store(args) as store:
            item = propose_bisect(result, store)
        where = f"#{item.id} {item.title}" if item is not None else "already filed (open item)"
        print(f"workbench: backlog item {where}", file=sys.stderr)
    print(RENDERERS[args.format](result))
    if result.interrupted:
        kept = f"; the steps are kept in {args.out / 'bisect.json'}" if args.out else ""
        found = result.message.removeprefix("interrupted: ")
        raise CaptureError(
            f"interrupted after {counted(len(result.steps), 'measured step')}{kept}; {found}"
        )
    return result.exit_code

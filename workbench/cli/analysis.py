"""Subcommand ``scaling``: how each function's time grows with the input size.

Two forms: profiles already captured at each size (``--size N PROFILE``,
repeated), or a command run at each size (``--sizes 1000,2000,4000 -- CMD …
{n} …``), recorded into a folder and then read like the first form.
Imports happen inside the handler: building the parser runs on every
``workbench`` call and must not pay for numpy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.arguments import add_db_option, add_format, percent, positive_float, positive_int
from workbench.errors import ProfileFormatError, ScalingError

if TYPE_CHECKING:
    from workbench.analysis.scaling import ScalingReport
    from workbench.capture.runner import Progress

#: Rounds of the command form when --repeat is not given (the median per size is fitted).
DEFAULT_REPEAT = 3


def register(sub: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to the ``workbench`` parser."""
    scaling = sub.add_parser(
        "scaling",
        help="fit each function's time against input size; flag super-linear ones",
        usage=(
            "workbench scaling --size N PROFILE --size N PROFILE --size N PROFILE ... [options]\n"
            "       workbench scaling --sizes 1000,2000,4000 [--repeat R] [options] "
            "-- COMMAND ... {n} ..."
        ),
        description=(
            "Read profiles of one program at three or more input sizes (--size N PROFILE, "
            "repeated), or run COMMAND at each of --sizes with {n} replaced by the size "
            "(rounds interleaved, each run recorded with its CPU time), and fit every "
            "function's self and total seconds on log-log axes: exponent, r2 and a class "
            "(constant, linear, n log n, quadratic, cubic, unclear). Seconds are CPU seconds "
            "when every profile carries its run's CPU time (a busy machine does not inflate "
            "them), else sampled seconds. Super-linear functions (exponent >= 1.3, good fit) "
            "that hold --min-share at the largest size are flagged with their time at 10x "
            "that size; --propose files each as a backlog item. Exit 0, or 2 for bad input "
            "or a run that failed."
        ),
    )
    form = scaling.add_mutually_exclusive_group(required=True)
    form.add_argument(
        "--size",
        nargs=2,
        action="append",
        metavar=("N", "PROFILE"),
        help="input size N and the profile captured at it (three or more sizes)",
    )
    form.add_argument(
        "--sizes",
        type=_sizes,
        metavar="N,N,N",
        help="command form: run COMMAND at each size (three or more)",
    )
    scaling.add_argument(
        "--repeat",
        type=positive_int,
        metavar="R",
        help=f"command form: rounds over the sizes (default {DEFAULT_REPEAT}; medians are fitted)",
    )
    scaling.add_argument(
        "--rate",
        type=positive_float,
        metavar="HZ",
        help="command form: samples per second (default 100); profile form: the rate of "
        "profiles without one (py-spy raw)",
    )
    scaling.add_argument(
        "--profiler",
        choices=("py-spy", "pyinstrument"),
        default="py-spy",
        help="command form: what samples each run (default py-spy)",
    )
    scaling.add_argument(
        "--out",
        type=Path,
        metavar="DIR",
        help="command form: new folder for the profiles (default scaling-YYYYmmdd-HHMMSS)",
    )
    scaling.add_argument(
        "--clock",
        choices=("auto", "cpu", "samples"),
        default="auto",
        help="cpu: weigh each profile to its run's measured CPU time; samples: count samples; "
        "auto (default): cpu when every profile carries it",
    )
    scaling.add_argument(
        "--min-share",
        type=percent,
        default=1.0,
        metavar="PCT",
        help="share at the largest size from which a function is reported (default 1)",
    )
    scaling.add_argument(
        "--propose",
        action="store_true",
        help="file a backlog item (pattern algorithmic, the fit as evidence) per flagged function",
    )
    add_db_option(scaling)
    add_format(scaling, ("text", "json", "markdown"))
    scaling.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND ... {n} ...")
    scaling.set_defaults(handler=run_scaling)


def _size(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ProfileFormatError(f"--size {text!r}: give the input size as a number") from None
    return value


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.replace(" ", "").split(",") if part]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r}: give whole input sizes separated by commas, e.g. 1000,2000,4000"
        ) from None
    return sizes


def run_scaling(args: argparse.Namespace) -> int:
    """``workbench scaling``: the fit of every function that matters."""
    from workbench.analysis.render import scaling_markdown, scaling_text
    from workbench.analysis.scaling import scaling_report
    from workbench.output import print_json
    from workbench.profiles.io import read_profile

    command = args.command[1:] if args.command[:1] == ["--"] else list(args.command)
    if args.size is not None:
        if command or args.repeat is not None or args.out is not None:
            raise ScalingError("a COMMAND, --repeat and --out go with --sizes, not --size")
        paths = [(_size(size), path) for size, path in args.size]
    else:
        paths = _record(args, command)
    runs = [(size, read_profile(path)) for size, path in paths]
    rate = args.rate if args.size is not None else None
    report = scaling_report(runs, rate=rate, min_share=args.min_share, clock=args.clock)
    if args.format == "json":
        print_json(report.to_json())
    elif args.format == "markdown":
        print(scaling_markdown(report), end="")
    else:
        print(scaling_text(report))
    if args.propose:
        _propose(report, args, [str(path) for size, path in paths if size == max(report.sizes)])
    return 0


def _record(args: argparse.Namespace, command: list[str]) -> list[tuple[float, str]]:
    """Run the command at every size; ``(size, profile path)`` of each run."""
    from workbench.analysis.scaling_runs import record_sizes

    rate = args.rate if args.rate is not None else 100
    if rate != int(rate) or rate > 10_000:
        raise ScalingError(f"--rate {rate:g}: use a whole number of Hz between 1 and 10000")
    out = args.out or Path(f"scaling-{time.strftime('%Y%m%d-%H%M%S')}")
    try:
        runs = record_sizes(
            command,
            args.sizes,
            out,
            repeat=args.repeat or DEFAULT_REPEAT,
            rate=int(rate),
            profiler=args.profiler,
            progress=_progress,
        )
    except KeyboardInterrupt:
        if out.is_dir():
            print(f"workbench: the profiles recorded so far are in {out}", file=sys.stderr)
        raise
    print(f"workbench: profiles in {out}", file=sys.stderr)
    return [(float(run.size), str(run.profile)) for run in runs]


def _progress(update: Progress) -> None:
    """One line per run on stderr (stdout stays the answer)."""
    print(f"workbench: {update.message} [{update.elapsed:.0f} s]", file=sys.stderr, flush=True)


def _propose(report: ScalingReport, args: argparse.Namespace, profiles: list[str]) -> None:
    """File the flagged functions; report on stderr so stdout stays the fit."""
    from workbench.cli.arguments import open_store
    from workbench.cli.backlog import print_proposals
    from workbench.triage.scaling_intake import propose_scaling

    with open_store(args) as store:
        items = propose_scaling(report, store, profiles)
        print_proposals(items, sys.stderr, none="no flagged function needs a new item")

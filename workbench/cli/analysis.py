"""Subcommand ``scaling``: how each function's time grows with the input size.

Imports happen inside the handler: building the parser runs on every
``workbench`` call and must not pay for numpy.
"""

from __future__ import annotations

import argparse

from workbench.cli.arguments import add_format, percent, positive_float
from workbench.errors import ProfileFormatError


def register(sub: argparse._SubParsersAction) -> None:
    """Add this area's subcommands to the ``workbench`` parser."""
    scaling = sub.add_parser(
        "scaling",
        help="fit each function's time against input size; flag super-linear ones",
        description=(
            "Read profiles of one program at three or more input sizes (--size N PROFILE, "
            "repeated) and fit every function's self and total seconds on log-log axes: "
            "exponent, r2 and a class (constant, linear, n log n, quadratic, cubic, unclear). "
            "Super-linear functions (exponent >= 1.3, good fit) that hold --min-share at the "
            "largest size are flagged with their time at 10x that size. Exit 0, or 2 for bad "
            "input."
        ),
    )
    scaling.add_argument(
        "--size",
        nargs=2,
        action="append",
        metavar=("N", "PROFILE"),
        required=True,
        help="input size N and the profile captured at it (three or more)",
    )
    scaling.add_argument(
        "--rate", type=positive_float, metavar="HZ", help="sample rate of profiles without one"
    )
    scaling.add_argument(
        "--min-share",
        type=percent,
        default=1.0,
        metavar="PCT",
        help="share at the largest size from which a function is reported (default 1)",
    )
    add_format(scaling, ("text", "json", "markdown"))
    scaling.set_defaults(handler=run_scaling)


def _size(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise ProfileFormatError(f"--size {text!r}: give the input size as a number") from None
    return value


def run_scaling(args: argparse.Namespace) -> int:
    """``workbench scaling``: the fit of every function that matters."""
    from workbench.analysis.render import scaling_markdown, scaling_text
    from workbench.analysis.scaling import scaling_report
    from workbench.output import print_json
    from workbench.profiles.io import read_profile

    runs = [(_size(size), read_profile(path)) for size, path in args.size]
    report = scaling_report(runs, rate=args.rate, min_share=args.min_share)
    if args.format == "json":
        print_json(report.to_json())
    elif args.format == "markdown":
        print(scaling_markdown(report), end="")
    else:
        print(scaling_text(report))
    return 0

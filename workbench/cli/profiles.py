"""Subcommands: show, diff, gate, convert and compare.

Each reads profiles through :func:`read_profile` (format sniffed from the
content), so a missing, empty, binary or foreign file is one
``ProfileFormatError`` line and exit 2. ``gate`` exits 1 when a gate fails.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.arguments import add_format, percent, positive_float, positive_int
from workbench.cli.backlog import add_propose_options, propose_from_diff
from workbench.cli.launch import open_app
from workbench.context import LaunchContext
from workbench.output import plain, print_json

if TYPE_CHECKING:
    from workbench.profiles.diff import ProfileDiff
    from workbench.profiles.model import Profile

# The readers, the diff and the renderers pull in numpy: they are imported in
# the handlers, so building the parser (every `workbench` call) stays light.

#: Rows per section in text and Markdown when ``--top`` is not given (JSON lists everything).
DEFAULT_TOP = 20


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``show``, ``diff``, ``gate``, ``convert`` and ``compare`` to ``workbench``."""
    _register_show(sub)
    _register_diff(sub)
    _register_gate(sub)
    _register_convert(sub)
    _register_compare(sub)


def _add_pair(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("base", type=Path, metavar="BASE", help="baseline profile (any format)")
    parser.add_argument("branch", type=Path, metavar="BRANCH", help="branch profile (any format)")


def _add_by(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--by",
        choices=("function", "line"),
        default="function",
        help="compare functions (default) or individual lines",
    )


def _add_top(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--top",
        type=positive_int,
        metavar="N",
        help=f"rows per list (default: {DEFAULT_TOP} in text and Markdown, all in JSON)",
    )


def _add_rate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--rate",
        type=positive_float,
        metavar="HZ",
        help="sampling rate of sample-count profiles that do not record it (py-spy raw "
        "does not), so times can be shown",
    )


def _with_rate(profile: Profile, rate: float | None) -> Profile:
    """``profile`` with ``rate`` filled in when it counts samples and did not know its rate."""
    if rate is not None and profile.meta.unit == "samples" and not profile.meta.rate:
        profile.meta.rate = rate
    return profile


def _add_noise(parser: argparse.ArgumentParser, default: float | None) -> None:
    parser.add_argument(
        "--noise-pct",
        type=percent,
        default=default,
        metavar="PTS",
        help="self-share changes within this many points are noise"
        + (f" (default: {default:g})" if default is not None else ""),
    )


# -- show -----------------------------------------------------------------


def _register_show(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "show",
        help="top functions of one profile by self and total share",
        description="Print the functions of PROFILE ranked by self share and by total share.",
    )
    parser.add_argument("profile", type=Path, metavar="PROFILE")
    _add_top(parser)
    _add_by(parser)
    parser.add_argument("--thread", metavar="T", help="only this thread (name, id or index)")
    _add_rate(parser)
    add_format(parser, ("text", "json"))
    parser.set_defaults(handler=run_show)


def run_show(args: argparse.Namespace) -> int:
    from workbench.profiles import render
    from workbench.profiles.top import top_functions

    profile = _with_rate(_read(args.profile, thread=args.thread), args.rate)
    if args.format == "json":
        print_json(top_functions(profile, by=args.by, top=args.top).to_json())
    else:
        print(render.show_text(top_functions(profile, by=args.by, top=args.top or DEFAULT_TOP)))
    return 0


# -- diff -----------------------------------------------------------------


def _register_diff(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "diff",
        help="what got slower, faster, and which hotspots are new",
        description=(
            "Compare BRANCH against BASE by self and total share per function (or line): "
            "regressions, improvements and new hotspots. Shares make profiles of different "
            "lengths or units comparable."
        ),
    )
    _add_pair(parser)
    _add_by(parser)
    _add_top(parser)
    parser.add_argument(
        "--hotspot-pct",
        type=percent,
        default=5.0,
        metavar="PCT",
        help="self share in branch that makes a new hotspot (default: 5)",
    )
    _add_noise(parser, 0.5)
    _add_rate(parser)
    add_format(parser, ("text", "json", "markdown"))
    add_propose_options(parser)
    parser.set_defaults(handler=run_diff)


def run_diff(args: argparse.Namespace) -> int:
    from workbench.profiles.diff import diff_profiles

    base, branch = _read_pair(args)
    diff = diff_profiles(
        base, branch, by=args.by, hotspot_pct=args.hotspot_pct, noise_pct=args.noise_pct
    )
    _print_diff(diff, args.format, args.top)
    if args.propose:
        propose_from_diff(diff, args)
    return 0


def _read(path: Path, thread: str | None = None) -> Profile:
    """:func:`read_profile`, telling stderr what the reader skipped or shortened."""
    from workbench.profiles.io import read_profile

    profile = read_profile(path, thread=thread)
    for note in profile.meta.notes:
        print(f"workbench: note: {plain(path)}: {plain(note)}", file=sys.stderr)
    return profile


def _read_pair(args: argparse.Namespace) -> tuple[Profile, Profile]:
    rate = getattr(args, "rate", None)
    return _with_rate(_read(args.base), rate), _with_rate(_read(args.branch), rate)


def _print_diff(diff: ProfileDiff, fmt: str, top: int | None) -> None:
    from workbench.profiles import render

    if fmt == "json":
        print_json(diff.to_json(top=top))
    elif fmt == "markdown":
        print(render.diff_markdown(diff, top=top or DEFAULT_TOP))
    else:
        print(render.diff_text(diff, top=top or DEFAULT_TOP))


# -- gate -----------------------------------------------------------------


def _register_gate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "gate",
        help="check the playbook's gates on a diff (exit 1 when one fails)",
        description=(
            "Fail (exit 1) when BRANCH has a new hotspot above the threshold, or a function "
            "whose self share grew more than allowed, unless a waiver justifies it. "
            "Thresholds come from flags, then [tool.workbench] in the project's "
            "pyproject.toml, then defaults."
        ),
    )
    _add_pair(parser)
    parser.add_argument(
        "--new-hotspot-pct",
        type=percent,
        metavar="PCT",
        help="self share in branch that makes a new hotspot fail the gate (default: 5)",
    )
    parser.add_argument(
        "--max-self-growth",
        type=percent,
        metavar="PTS",
        help="fail when a function's self share grows by more than PTS points (default: off)",
    )
    _add_noise(parser, None)
    parser.add_argument(
        "--waive",
        action="append",
        default=[],
        metavar="FUNCTION=REASON",
        help="accept a finding for FUNCTION (path:qualname or qualname), with the reason; "
        "repeatable",
    )
    parser.add_argument(
        "--waivers", type=Path, metavar="FILE", help="waivers file (TOML or 'function = reason')"
    )
    parser.add_argument(
        "--project",
        type=Path,
        metavar="DIR",
        help="where to look for pyproject.toml [tool.workbench] (default: current directory)",
    )
    _add_by(parser)
    add_format(parser, ("text", "json", "markdown"))
    parser.set_defaults(handler=run_gate)


def run_gate(args: argparse.Namespace) -> int:
    from workbench.profiles import render
    from workbench.profiles.config import load_gate_config, parse_waiver
    from workbench.profiles.diff import diff_profiles
    from workbench.profiles.gates import evaluate_gates

    waivers = dict(parse_waiver(text) for text in args.waive)
    config = load_gate_config(
        args.project,
        new_hotspot_pct=args.new_hotspot_pct,
        max_self_growth_pct=args.max_self_growth,
        noise_pct=args.noise_pct,
        waivers_file=args.waivers,
        waivers=waivers,
    )
    base, branch = _read_pair(args)
    diff = diff_profiles(
        base,
        branch,
        by=args.by,
        hotspot_pct=config.new_hotspot_pct,
        noise_pct=config.noise_pct,
    )
    verdict = evaluate_gates(diff, config)
    if args.format == "json":
        print_json(
            {
                **verdict.to_json(),
                "base": diff.base.to_json(),
                "branch": diff.branch.to_json(),
                "new_hotspots": [item.to_json() for item in diff.new_hotspots],
            }
        )
    elif args.format == "markdown":
        print(render.gate_markdown(verdict, diff))
    else:
        print(render.gate_text(verdict, diff))
    return 0 if verdict.passed else 1


# -- convert --------------------------------------------------------------


def _register_convert(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "convert",
        help="convert a profile to collapsed stacks, speedscope JSON or pprof",
        description=(
            "Read IN (any supported format) and write OUT. The format is --to, else "
            "speedscope when OUT ends in .json, pprof when it ends in .pb.gz or .pprof, "
            "else collapsed. OUT may be '-' (stdout), a FIFO or a device."
        ),
    )
    parser.add_argument("input", type=Path, metavar="IN")
    parser.add_argument("output", type=Path, metavar="OUT")
    parser.add_argument(
        "--to", choices=("collapsed", "speedscope", "pprof"), help="output format"
    )
    parser.add_argument("--thread", metavar="T", help="only this thread (name, id or index)")
    parser.set_defaults(handler=run_convert)


def run_convert(args: argparse.Namespace) -> int:
    from workbench.profiles.io import write_profile

    fmt = args.to or _format_of(args.output)
    profile = _read(args.input, thread=args.thread)
    write_profile(profile, args.output, fmt)
    print(f"wrote {args.output} ({fmt}, {len(profile):,} stacks)")
    return 0


def _format_of(output: Path) -> str:
    name = output.name.lower()
    if name.endswith(".json"):
        return "speedscope"
    if name.endswith((".pb.gz", ".pprof", ".pb")):
        return "pprof"
    return "collapsed"


# -- compare --------------------------------------------------------------


def _register_compare(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "compare",
        help="open the app on the Compare pane for two profiles",
        description="Open the Compare pane on BASE and BRANCH (both are checked first).",
    )
    _add_pair(parser)
    parser.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    # Read both before opening the UI: a bad file is exit 2 and one line, not a broken pane.
    _read_pair(args)
    return open_app(LaunchContext(mode="compare", base=args.base, branch=args.branch))

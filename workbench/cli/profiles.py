"""Subcommands: show, diff, gate, convert and compare.

Each reads profiles through :func:`read_profile` (format sniffed from the
content), so a missing, empty, binary or foreign file is one
``ProfileFormatError`` line and exit 2. ``gate`` exits 1 when a gate fails.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli.arguments import add_format, percent, positive_float, positive_int
from workbench.cli.backlog import add_propose_options, propose_from_diff
from workbench.errors import WorkbenchError
from workbench.output import plain, print_json

if TYPE_CHECKING:
    from workbench.capture.report import CaptureReport
    from workbench.capture.time_diff import TimeDiff
    from workbench.capture.time_gates import TimeGateVerdict
    from workbench.profiles.diff import ProfileDiff
    from workbench.profiles.gates import GateVerdict
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
    parser.add_argument(
        "base",
        type=Path,
        metavar="BASE",
        help="baseline profile (any format), or a capture folder (workbench capture --out) alone",
    )
    parser.add_argument(
        "branch",
        type=Path,
        nargs="?",
        metavar="BRANCH",
        help="branch profile (any format); omitted when BASE is a capture folder",
    )
    parser.add_argument(
        "--mixed-views",
        action="store_true",
        help="compare a wall view with a CPU or samples view anyway (refused by default: "
        "waiting time would read as changes)",
    )


@dataclass
class _Sides:
    """What ``diff``/``gate`` compare: two profiles, and the runs when they carry time."""

    base: Profile | None
    """None only for a capture without profiles (``--profiler none``): times alone."""
    branch: Profile | None
    time: TimeDiff | None
    report: CaptureReport | None = None
    """Set when the sides come from a capture folder."""
    roots: list[str] = field(default_factory=list)


def _sides(args: argparse.Namespace, *, times_only: bool = False) -> _Sides:
    """Two profiles, or a capture folder's average runs; the time diff when both have time.

    ``times_only``: a capture without profiles (``--profiler none``) is accepted,
    with no profile on either side (``diff`` and ``gate`` then show and judge
    its seconds alone); otherwise it is an error.
    """
    from workbench.capture.loading import load_capture, single_run
    from workbench.capture.report import CaptureReport
    from workbench.capture.time_diff import time_diff
    from workbench.profiles.views import check_views

    if args.branch is None:
        loaded = load_capture(args.base)
        if loaded.base_profile is None or loaded.branch_profile is None:
            if times_only and loaded.base_profile is None and loaded.branch_profile is None:
                time = time_diff(loaded.base, loaded.branch, roots=loaded.roots)
                return _Sides(None, None, time, CaptureReport(time, loaded.manifest))
            raise WorkbenchError(
                f"{args.base}: the capture has no profiled run on "
                f"{'the base' if loaded.base_profile is None else 'the branch'} side; "
                "capture with a profiler, or read its times with workbench show"
            )
        time = time_diff(loaded.base, loaded.branch, roots=loaded.roots)
        report = CaptureReport(time, loaded.manifest)
        return _Sides(loaded.base_profile, loaded.branch_profile, time, report, loaded.roots)
    base, branch = _read_pair(args)
    check_views(base, branch, args.mixed_views)
    runs = single_run(base), single_run(branch)
    timed = all(run.wall_seconds is not None for run in runs)
    return _Sides(base, branch, time_diff([runs[0]], [runs[1]]) if timed else None)


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
    add_format(parser, ("text", "json", "markdown"))
    parser.set_defaults(handler=run_show)


def run_show(args: argparse.Namespace) -> int:
    from workbench.capture.loading import is_capture
    from workbench.profiles import render
    from workbench.profiles.run_meta import run_meta_json
    from workbench.profiles.top import top_functions

    if is_capture(args.profile):
        return _show_capture(args)
    if args.format == "markdown":
        raise WorkbenchError("--format markdown is for a capture folder; use text or json")
    profile = _with_rate(_read(args.profile, thread=args.thread), args.rate)
    if args.format == "json":
        print_json({**top_functions(profile, by=args.by, top=args.top).to_json(),
                    "run": run_meta_json(profile.meta) or None})  # fmt: skip
    else:
        print(render.show_text(top_functions(profile, by=args.by, top=args.top or DEFAULT_TOP)))
        if profile.meta.wall_seconds is not None:
            print(f"\n{_run_line(profile)}")
    return 0


def _run_line(profile: Profile) -> str:
    """The recorded run's figures (``workbench record -- CMD`` / ``capture`` profiles)."""
    meta = profile.meta
    parts = [f"wall {meta.wall_seconds:.3f} s"]
    if meta.cpu_seconds is not None:
        parts.append(f"CPU {meta.cpu_seconds:.3f} s")
    if meta.peak_rss_bytes is not None:
        parts.append(f"peak RSS {meta.peak_rss_bytes / 2**20:.1f} MiB")
    parts.append(f"exit status {meta.exit_status}")
    for label, value in (("python", meta.python_version), ("revision", meta.git_revision),
                         ("profiler", meta.profiler)):  # fmt: skip
        if value:
            parts.append(f"{label} {plain(value)}")
    return f"run: {plain(meta.command or '')}\n     " + ", ".join(parts)


def _show_capture(args: argparse.Namespace) -> int:
    """``show DIR``: the capture's runs and their comparison in seconds."""
    from workbench.capture.compare import compare_capture
    from workbench.capture.loading import load_capture
    from workbench.capture.report import RENDERERS

    report = compare_capture(load_capture(args.profile), top=args.top or DEFAULT_TOP)
    report.shares = None
    if args.format == "json":
        report.top = args.top
    print(RENDERERS[args.format](report))
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

    if args.rev_range and not args.propose:
        raise WorkbenchError("--range attributes the items of --propose; add --propose")

    sides = _sides(args, times_only=not args.propose)
    if sides.base is None or sides.branch is None:
        return _print_times_only(sides, args.format, args.top)
    diff = diff_profiles(
        sides.base,
        sides.branch,
        by=args.by,
        hotspot_pct=args.hotspot_pct,
        noise_pct=args.noise_pct,
        roots=sides.roots,
    )
    _print_diff(diff, args.format, args.top, sides)
    if args.propose:
        propose_from_diff(diff, args, (sides.base, sides.branch))
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


def _print_times_only(sides: _Sides, fmt: str, top: int | None) -> int:
    """``diff DIR`` of a capture without profiles: its seconds, and why there are no shares."""
    from workbench.capture.report import RENDERERS

    assert sides.report is not None
    sides.report.top = top if fmt == "json" else top or DEFAULT_TOP
    print(RENDERERS[fmt](sides.report))
    if fmt == "text":
        print("\nshares: not compared (the capture has no profiles: it ran with --profiler none)")
    return 0


def _print_diff(diff: ProfileDiff, fmt: str, top: int | None, sides: _Sides) -> None:
    """The share diff, then (when both sides carry time) the time section."""
    from workbench.capture import report as time_report
    from workbench.profiles import render

    time = sides.time
    if fmt == "json":
        data = diff.to_json(top=top)
        data["time"] = None if time is None else time.to_json(top=top)
        if sides.report is not None and sides.report.manifest is not None:
            data["capture"] = time_report.CaptureReport(time, sides.report.manifest).to_json()[
                "capture"
            ]
        print_json(data)
        return
    rows = top or DEFAULT_TOP
    if fmt == "markdown":
        print(render.diff_markdown(diff, top=rows))
        if time is not None:
            print("\n" + "\n".join(time_report.time_section_markdown(time, rows)))
        return
    print(render.diff_text(diff, top=rows))
    if time is not None:
        print("\n" + time_report.time_section_text(time, rows))


# -- gate -----------------------------------------------------------------


def _register_gate(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "gate",
        help="check the playbook's gates on a diff (exit 1 when one fails)",
        description=(
            "Fail (exit 1) when BRANCH has a new hotspot above the threshold, or a function "
            "whose self share grew more than allowed, unless a waiver justifies it. "
            "Thresholds come from flags, then [tool.workbench] in the project's "
            "pyproject.toml, then defaults. --format sarif writes SARIF 2.1.0 for "
            "code-scanning UIs."
        ),
    )
    add_gate_options(parser)
    add_time_gate_options(parser)
    add_format(parser, ("text", "json", "markdown", "sarif"))
    parser.set_defaults(handler=run_gate)


def add_time_gate_options(parser: argparse.ArgumentParser) -> None:
    """The time gates' thresholds (``gate``, ``export sarif``)."""
    time_gates = parser.add_argument_group(
        "time gates (when both sides carry run times: a capture folder, or recorded profiles)"
    )
    time_gates.add_argument(
        "--program-slowdown",
        type=percent,
        metavar="PCT",
        help="fail when the program is significantly slower by more (≥ 4 runs a side, decided "
        "on the interval; default 2)",
    )
    time_gates.add_argument(
        "--few-runs-slowdown",
        type=percent,
        metavar="PCT",
        help="with fewer than 4 runs a side, fail only above this (default 10)",
    )
    time_gates.add_argument(
        "--function-slowdown",
        type=percent,
        metavar="PCT",
        help="fail when a function's self time grows significantly by more (default 10; 0: off)",
    )
    time_gates.add_argument(
        "--metric", choices=("wall", "cpu"), help="program time to gate (default: wall)"
    )
    time_gates.add_argument(
        "--allow-undecidable",
        action="store_true",
        help="exit 0 when the time gate cannot decide (it is still printed as undecidable)",
    )


def add_gate_options(parser: argparse.ArgumentParser) -> None:
    """BASE, BRANCH and the gate's thresholds and waivers (``gate``, ``export sarif``)."""
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


def _evaluate_gate(
    args: argparse.Namespace,
) -> tuple[GateVerdict | None, ProfileDiff | None, _Sides]:
    """The share gates' verdict of the options in ``args``, its diff, and the two sides.

    A capture without profiles has no shares: verdict and diff are None (its
    time gates still apply, see :func:`evaluate_all_gates`).
    """
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
    sides = _sides(args, times_only=True)
    if sides.base is None or sides.branch is None:
        return None, None, sides
    diff = diff_profiles(
        sides.base,
        sides.branch,
        by=args.by,
        hotspot_pct=config.new_hotspot_pct,
        noise_pct=config.noise_pct,
        roots=sides.roots,
    )
    return evaluate_gates(diff, config), diff, sides


@dataclass
class Gates:
    """Every gate of one ``gate``/``export sarif`` call: shares (None without profiles) and time."""

    shares: GateVerdict | None
    diff: ProfileDiff | None
    sides: _Sides
    time: TimeGateVerdict | None
    allow_undecidable: bool = False

    @property
    def exit_code(self) -> int:
        passed = self.shares is None or self.shares.passed
        return _gate_exit(passed, self.time, self.allow_undecidable)

    def sarif(self) -> dict[str, Any]:
        from workbench.reports.sarif import gate_sarif

        return gate_sarif(
            self.shares,
            self.diff,
            self.sides.branch,
            time=self.time,
            allow_undecidable=self.allow_undecidable,
        )


def evaluate_all_gates(args: argparse.Namespace) -> Gates:
    """The share gates and (when both sides carry run times) the time gates of ``args``."""
    verdict, diff, sides = _evaluate_gate(args)
    allow = bool(getattr(args, "allow_undecidable", False))
    return Gates(verdict, diff, sides, _time_verdict(args, sides), allow)


def run_gate(args: argparse.Namespace) -> int:
    from workbench.profiles import render

    gates = evaluate_all_gates(args)
    verdict, diff, sides, time_verdict = gates.shares, gates.diff, gates.sides, gates.time
    if args.format == "json":
        shares = {} if verdict is None or diff is None else {
            **verdict.to_json(),
            "base": diff.base.to_json(),
            "branch": diff.branch.to_json(),
            "new_hotspots": [item.to_json() for item in diff.new_hotspots],
        }  # fmt: skip
        print_json(
            {
                **shares,
                "share_gates": "applied" if verdict is not None else _NO_SHARES,
                "time": None if sides.time is None else sides.time.to_json(),
                "time_gate": None if time_verdict is None else time_verdict.to_json(),
                "exit_code": gates.exit_code,
            }
        )
    elif args.format == "sarif":
        print_json(gates.sarif())
    elif args.format == "markdown":
        if verdict is not None and diff is not None:
            print(render.gate_markdown(verdict, diff))
        else:
            print(f"share gates: {_NO_SHARES}")
        if time_verdict is not None and sides.time is not None:
            print("\n" + _time_gate_report(sides, time_verdict, "markdown"))
    else:
        if verdict is not None and diff is not None:
            print(render.gate_text(verdict, diff))
        else:
            print(f"share gates: {_NO_SHARES}")
        if time_verdict is not None and sides.time is not None:
            print("\n" + _time_gate_report(sides, time_verdict, "text"))
        elif sides.time is None:
            print("time gates: not applied (the profiles carry no run times)")
    return gates.exit_code


_NO_SHARES = "not applied (the capture has no profiles: it ran with --profiler none)"


def _gate_exit(shares_passed: bool, time: TimeGateVerdict | None, allow_undecidable: bool) -> int:
    """1 when a share gate or the time gate failed, or the time gate could not decide."""
    time_ok = time is None or time.outcome == "pass"
    if time is not None and time.outcome == "undecidable" and allow_undecidable:
        time_ok = True
    return 0 if shares_passed and time_ok else 1


def _time_verdict(args: argparse.Namespace, sides: _Sides) -> TimeGateVerdict | None:
    from workbench.capture.time_gates import evaluate_time_gates, load_time_gate_config

    if sides.time is None:
        return None
    config = load_time_gate_config(
        args.project,
        program_slowdown_pct=args.program_slowdown,
        few_runs_slowdown_pct=args.few_runs_slowdown,
        function_slowdown_pct=args.function_slowdown,
        program_metric=args.metric,
    )
    return evaluate_time_gates(sides.time, config)


def _time_gate_report(sides: _Sides, verdict: TimeGateVerdict, fmt: str) -> str:
    """The time section and the time gate, as ``capture`` prints them."""
    from workbench.capture.report import CaptureReport, render_markdown, render_text

    assert sides.time is not None
    manifest = sides.report.manifest if sides.report is not None else None
    report = CaptureReport(sides.time, manifest, verdict, None, DEFAULT_TOP)
    return render_markdown(report) if fmt == "markdown" else render_text(report)


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
    from workbench.cli.launch import open_app
    from workbench.context import LaunchContext
    from workbench.profiles.views import check_views

    # Read both before opening the UI: a bad file is exit 2 and one line, not a broken pane.
    if args.branch is None:
        from workbench.capture.loading import load_capture

        load_capture(args.base)
        return open_app(LaunchContext(mode="compare", capture=args.base))
    check_views(*_read_pair(args), args.mixed_views)
    return open_app(
        LaunchContext(
            mode="compare", base=args.base, branch=args.branch, mixed_views=args.mixed_views
        )
    )

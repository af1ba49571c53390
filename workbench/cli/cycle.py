"""Subcommands: ``workbench loadtest`` and ``workbench cycle start|baseline|after|report|list``.

``loadtest`` drives locust headless (its CLI in a child process, see
``workbench.cycle.loadtest``) and, given ``--pid``, samples the service with
py-spy at the same time. The cycle commands keep everything under
``.workbench/cycles/NAME/``: ``start`` fixes the SLOs and the load (``--baseline``
records the baseline in the same command), ``baseline`` and ``after`` run load
and profile together (or take results made elsewhere with ``--from``),
``after`` and ``report`` write the six Markdown reports; ``after`` exits like
``slo check`` (0 PASS, 1 FAIL or PARTIAL), every command 2 on bad input.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.arguments import (
    add_db_option,
    add_format,
    number,
    positive_float,
    positive_int,
)
from workbench.cli.slo import add_slo_option
from workbench.errors import CycleError
from workbench.output import plain, print_json

if TYPE_CHECKING:
    from workbench.cycle.capture import CapturedRun
    from workbench.cycle.folder import Cycle
    from workbench.cycle.plans import LoadPlan
    from workbench.cycle.slo import SloSet
    from workbench.cycle.view import PhaseView

PROFILES = ("baseline", "stress", "spike", "soak")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``loadtest`` and ``cycle`` to the ``workbench`` parser."""
    loadtest = sub.add_parser(
        "loadtest",
        help="load-test a URL with locust (headless), optionally profiling the server",
        description="Run locust headless against URL with a load profile (baseline: steady; "
        "stress: steps to 2x the users; spike: 5x the users in the middle third; soak: "
        "long and steady). Only loopback hosts unless --allow-remote. Ctrl-C stops early "
        "and keeps the results so far (exit 2).",
    )
    loadtest.add_argument("url", metavar="URL", help="e.g. http://127.0.0.1:8000/search")
    _load_options(loadtest)
    _capture_options(loadtest)
    loadtest.add_argument(
        "--out", type=Path, metavar="DIR", help="new folder for the results (default: loadtest-…)"
    )
    add_slo_option(loadtest)
    loadtest.set_defaults(handler=run_loadtest)

    cycle = sub.add_parser(
        "cycle",
        help="an optimisation cycle: SLOs, baseline under load, after, six reports",
        description="See docs/cycle.md. Data lives in .workbench/cycles/NAME/.",
    )
    verbs = cycle.add_subparsers(dest="cycle_verb", metavar="VERB", required=True)
    start = verbs.add_parser("start", help="start a cycle: fix the SLOs, the load, the PID")
    start.add_argument("name", metavar="NAME")
    start.add_argument("--url", metavar="URL", help="the service to load (loopback unless allowed)")
    _load_options(start)
    _capture_options(start)
    add_slo_option(start)
    add_db_option(start)
    start.add_argument(
        "--baseline", action="store_true", help="also record the baseline now (one command)"
    )
    start.set_defaults(handler=run_start)
    for phase in ("baseline", "after"):
        step = verbs.add_parser(
            phase,
            help=f"record the {phase}: load test and py-spy on the server at once"
            + ("; then the reports and the verdict" if phase == "after" else ""),
        )
        step.add_argument("--pid", type=positive_int, metavar="PID", help="server PID (now)")
        step.add_argument(
            "--url",
            metavar="URL",
            help="the service's address now (scheme://host:port), if it moved since the cycle "
            "started; the cycle's paths stay",
        )
        step.add_argument("--profile", choices=PROFILES, help="load profile (default: the cycle's)")
        step.add_argument(
            "--from",
            dest="imported",
            type=Path,
            metavar="RESULTS",
            help="take results made elsewhere (locust CSV, k6 JSON, wrk output) instead",
        )
        step.add_argument(
            "--profile-file", type=Path, metavar="FILE", help="with --from: a profile of that run"
        )
        if phase == "after":
            step.add_argument("--partial-ok", action="store_true", help="exit 0 on PARTIAL")
        step.set_defaults(handler=run_phase, phase=phase)
    report = verbs.add_parser("report", help="write the six Markdown reports")
    report.add_argument("--out", type=Path, metavar="DIR", help="folder (default: the cycle's)")
    add_format(report, ("text", "json"))
    report.set_defaults(handler=run_report)
    listing = verbs.add_parser("list", help="the cycles and which one is current")
    listing.set_defaults(handler=run_list)
    for parser in (start, report, listing, *[verbs.choices[p] for p in ("baseline", "after")]):
        parser.add_argument(
            "--cycles",
            type=Path,
            metavar="DIR",
            help="where cycles live (default: .workbench/cycles)",
        )
        if parser is not start and parser is not listing:
            parser.add_argument("--cycle", metavar="NAME", help="which cycle (default: current)")


def _load_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", choices=PROFILES, default="baseline", help="load profile")
    parser.add_argument("--users", type=positive_int, metavar="N", help="expected peak users")
    parser.add_argument("--spawn-rate", type=positive_float, metavar="R", help="users started/s")
    parser.add_argument(
        "--duration", type=positive_float, metavar="S", help="seconds (1 to 86400; per profile)"
    )
    parser.add_argument(
        "--wait", type=number, metavar="S", help="seconds each user waits between requests (0.1)"
    )
    parser.add_argument(
        "--path", action="append", default=[], metavar="PATH", help="another path; repeatable"
    )
    parser.add_argument("--locustfile", type=Path, metavar="FILE", help="your own locust users")
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback host you own"
    )


def _capture_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--pid", type=positive_int, metavar="PID", help="sample this server with py-spy meanwhile"
    )
    parser.add_argument("--rate", type=positive_int, default=100, metavar="HZ", help="py-spy Hz")
    parser.add_argument(
        "--idle", action="store_true", help="also sample idle threads (wall-clock view)"
    )


def _plan(args: argparse.Namespace, url: str) -> LoadPlan:
    from workbench.cycle.plans import make_plan

    return make_plan(
        args.profile,
        url,
        extra_paths=args.path,
        users=args.users,
        spawn_rate=args.spawn_rate,
        duration_s=args.duration,
        wait_s=args.wait,
    )


def _note(text: str) -> None:
    print(f"workbench: {text}", file=sys.stderr, flush=True)


# -- loadtest ------------------------------------------------------------------------
def run_loadtest(args: argparse.Namespace) -> int:
    from datetime import datetime

    from workbench.cycle.capture import load_and_profile

    plan = _plan(args, args.url)
    folder = args.out or Path(f"loadtest-{plan.profile}-{datetime.now():%Y%m%d-%H%M%S}")
    _note(f"{plan.describe()}; results in {folder}; Ctrl-C stops early and keeps them")
    run = load_and_profile(
        plan,
        folder,
        pid=args.pid,
        rate=args.rate,
        idle=args.idle,
        allow_remote=args.allow_remote,
        locustfile=args.locustfile,
    )
    _print_run(run)
    if args.slo is not None:
        return _print_compliance(args.slo, run)
    return 0


def _print_run(run: CapturedRun) -> None:
    from workbench.reports.slo_render import result_text

    print(result_text(run.result))
    print(f"files: {run.folder}" + (f" (profile {run.profile.name})" if run.profile else ""))
    for note in run.notes:
        _note(note)


def _print_compliance(slo_path: Path, run: CapturedRun) -> int:
    from workbench.cycle.compliance import check_compliance
    from workbench.cycle.slo import load_slos
    from workbench.reports.slo_render import compliance_text

    report = check_compliance(load_slos(slo_path), [run.result])
    print(compliance_text(report))
    return report.exit_code()


# -- cycle ---------------------------------------------------------------------------
def _root(args: argparse.Namespace) -> Path:
    from workbench.cycle.folder import default_cycles_root

    return args.cycles or default_cycles_root()


def _open(args: argparse.Namespace) -> Cycle:
    from workbench.cycle.folder import Cycle

    return Cycle.open(_root(args), getattr(args, "cycle", None))


def run_start(args: argparse.Namespace) -> int:
    from workbench.cycle.folder import Cycle, CycleConfig, now_iso
    from workbench.cycle.slo import load_slos

    slos = load_slos(args.slo)
    plan = _plan(args, args.url) if args.url else None
    if plan is not None and args.locustfile is None:
        _check_endpoints(slos, plan)
    if args.baseline and plan is None:
        raise CycleError("--baseline needs --url: the load test must know what to load")
    config = CycleConfig(
        name=args.name,
        created_at=now_iso(),
        slos=slos,
        plan=plan,
        pid=args.pid,
        rate=args.rate,
        idle=args.idle,
        allow_remote=args.allow_remote,
        locustfile=str(args.locustfile.resolve()) if args.locustfile else None,
        db=str(args.db.resolve()) if args.db else None,
    )
    cycle = Cycle.create(_root(args), config)
    print(f"cycle {plain(cycle.name)} started in {cycle.folder}")
    if args.baseline:
        return _record(cycle, "baseline", pid=args.pid, profile=None)
    return 0


def _check_endpoints(slos: SloSet, plan: LoadPlan) -> None:
    """An SLO endpoint the load never visits would be unjudgeable later: refuse it now."""
    from workbench.cycle.slo import AGGREGATE

    for endpoint in slos.endpoints:
        if (
            endpoint != AGGREGATE
            and endpoint not in plan.paths
            and (endpoint.partition(" ")[2] not in plan.paths)
        ):
            raise CycleError(
                f"the SLOs name endpoint {endpoint!r}, which the load never visits "
                f"({', '.join(plan.paths)}); add --path {endpoint} or fix the SLO"
            )


def run_phase(args: argparse.Namespace) -> int:
    cycle = _open(args)
    if args.imported is not None:
        if args.url is not None:
            raise CycleError("--url goes with a load test, not with --from (imported results)")
        _import(cycle, args)
    else:
        if args.profile_file is not None:
            raise CycleError("--profile-file goes with --from (a profile of imported results)")
        code = _record(cycle, args.phase, pid=args.pid, profile=args.profile, url=args.url)
        if args.phase == "baseline":
            return code
    if args.phase == "after":
        return _report(cycle, None, "text", partial_ok=args.partial_ok, verdict_exit=True)
    return 0


def _record(
    cycle: Cycle, phase: str, *, pid: int | None, profile: str | None, url: str | None = None
) -> int:
    from workbench.cycle.steps import phase_plan, record_phase

    pid = pid or cycle.config.pid
    plan = phase_plan(cycle, profile=profile, url=url)
    _note(
        f"recording the {phase} ({plan.describe()})"
        + (f"; py-spy on PID {pid}" if pid else "; no PID: no profile")
        + "; Ctrl-C stops early and keeps the results"
    )
    _print_run(record_phase(cycle, phase, pid=pid, profile=profile, url=url))
    return 0


def _import(cycle: Cycle, args: argparse.Namespace) -> None:
    from workbench.cycle.steps import import_phase

    result, folder = import_phase(
        cycle, args.phase, args.imported, profile=args.profile, profile_file=args.profile_file
    )
    print(
        f"imported {plain(args.imported)} ({result.tool}) as {args.phase} · {result.profile} "
        f"into {folder}"
    )


def run_report(args: argparse.Namespace) -> int:
    return _report(_open(args), args.out, args.format, partial_ok=False, verdict_exit=False)


def _report(
    cycle: Cycle, out: Path | None, fmt: str, *, partial_ok: bool, verdict_exit: bool
) -> int:
    from workbench.cycle.view import build_view, load_items
    from workbench.reports.cycle_reports import write_reports

    config = cycle.config
    items, note = load_items(Path(config.db) if config.db else None)
    view = build_view(cycle, items, note)
    paths = write_reports(view, out or cycle.reports_folder)
    after = view.after
    if fmt == "json":
        print_json(
            {
                "cycle": config.name,
                "reports": [str(path) for path in paths],
                "baseline": _phase_json(view.baseline),
                "after": _phase_json(after),
            }
        )
    else:
        for path in paths:
            print(f"wrote {path}")
        for name, phase in (("baseline", view.baseline), ("after", after)):
            print(f"{name}: {_verdict_line(phase)}")
    if after.compliance_error or view.baseline.compliance_error:
        raise CycleError(after.compliance_error or view.baseline.compliance_error or "")
    if verdict_exit and after.compliance is not None:
        return after.compliance.exit_code(partial_ok=partial_ok)
    return 0


def _phase_json(phase: PhaseView) -> dict[str, object]:
    return {
        "runs": [run.profile for run in phase.runs],
        "verdict": phase.compliance.overall if phase.compliance else None,
        "compliance": phase.compliance.to_json() if phase.compliance else None,
        "error": phase.compliance_error,
    }


def _verdict_line(phase: PhaseView) -> str:
    if not phase.runs:
        return "not measured"
    if phase.compliance is None:
        return f"not computed: {phase.compliance_error}"
    return phase.compliance.overall


def run_list(args: argparse.Namespace) -> int:
    from workbench.cycle.folder import current_name, list_cycles

    root = _root(args)
    names = list_cycles(root)
    if not names:
        print(f"no cycles in {root}; workbench cycle start NAME")
        return 0
    try:
        current = current_name(root)
    except CycleError:
        current = ""
    for name in names:
        print(("* " if name == current else "  ") + plain(name))
    return 0

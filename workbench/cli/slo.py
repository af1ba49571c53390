"""Subcommands: ``workbench slo show`` and ``workbench slo check RESULTS…``.

``check`` reads load-test results in any supported format (locust ``--csv``
files or prefix, k6 ``--summary-export`` JSON, wrk output, a stored
``result.json``) and judges every SLO: exit 0 on PASS, 1 on FAIL or PARTIAL
(0 for PARTIAL with ``--partial-ok``), 2 when the SLOs or results are bad or an
SLO names an SLI the results do not measure.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.arguments import add_format
from workbench.output import print_json


def add_slo_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--slo",
        type=Path,
        metavar="FILE",
        help="slo.toml or pyproject.toml with [tool.workbench.slo] (default: ./slo.toml, "
        "else the nearest pyproject.toml)",
    )


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``slo show`` and ``slo check`` to the ``workbench`` parser."""
    slo = sub.add_parser(
        "slo",
        help="service-level objectives: show them, check results against them",
        description="SLOs per endpoint (p50/p95/p99 latency, throughput, error rate, "
        "availability) and the error budget; see docs/cycle.md.",
    )
    verbs = slo.add_subparsers(dest="slo_verb", metavar="VERB", required=True)
    show = verbs.add_parser("show", help="print the SLOs and the error budget")
    add_slo_option(show)
    add_format(show, ("text", "json"))
    show.set_defaults(handler=run_show)
    check = verbs.add_parser(
        "check",
        help="PASS / PARTIAL / FAIL per SLI of load-test results (exit 1 unless PASS)",
        description="Judge RESULTS (one or more runs: baseline, stress, spike, soak) against "
        "the SLOs: each SLI PASS, PARTIAL (within the margin, or met in some runs and not "
        "others) or FAIL; the overall verdict; the error budget consumed, remaining and "
        "its burn rate.",
    )
    check.add_argument(
        "results",
        nargs="+",
        type=Path,
        metavar="RESULTS",
        help="locust --csv prefix or file, k6 --summary-export JSON, wrk output, result.json",
    )
    add_slo_option(check)
    add_format(check, ("text", "json", "markdown"))
    check.add_argument(
        "--partial-ok", action="store_true", help="exit 0 on PARTIAL (default: 1, like FAIL)"
    )
    check.set_defaults(handler=run_check)


def run_show(args: argparse.Namespace) -> int:
    from workbench.cycle.slo import load_slos
    from workbench.reports.slo_render import slos_text

    slos = load_slos(args.slo)
    if args.format == "json":
        print_json(slos.to_json())
    else:
        print(slos_text(slos))
    return 0


def run_check(args: argparse.Namespace) -> int:
    from workbench.cycle.compliance import check_compliance
    from workbench.cycle.readers import read_results
    from workbench.cycle.slo import load_slos
    from workbench.reports.slo_render import compliance_markdown, compliance_text

    slos = load_slos(args.slo)
    results = [read_results(path) for path in args.results]
    report = check_compliance(slos, results)
    if args.format == "json":
        print_json(report.to_json())
    elif args.format == "markdown":
        print(compliance_markdown(report, heading="#"))
    else:
        print(compliance_text(report))
    return report.exit_code(partial_ok=args.partial_ok)

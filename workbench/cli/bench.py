"""``workbench bench compare BASE BRANCH``: benchmark results, benchstat-style, with a gate.

Exit codes: 0 compared (and, with ``--gate``, the gate passed); 1 the gate
failed *or could not decide* (an undecidable benchmark is never a silent
pass); 2 bad input (missing, truncated or foreign file, bad values, no
benchmark in common). The readers and the statistics (NumPy) are imported
in the handler, so building the parser stays light.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from workbench.cli.arguments import add_format, number

FORMATS = ("text", "json", "markdown")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``bench`` (with its verb ``compare``) to the ``workbench`` parser."""
    bench = sub.add_parser(
        "bench",
        help="benchmark results: compare base and branch (pytest-benchmark, pyperf, CSV)",
        description="Benchmark results from pytest-benchmark, pyperf or a CSV of runs.",
    )
    verbs = bench.add_subparsers(dest="bench_command", metavar="VERB", required=True)
    compare = verbs.add_parser(
        "compare",
        help="compare two results files benchstat-style; --gate PCT for CI",
        description=(
            "Compare the benchmarks two results files share: medians ± the 95% interval of "
            "each median, the change, and '~' when it is not significant (two-sided "
            "Mann-Whitney U, Holm-corrected). Formats are sniffed from the content: "
            "pytest-benchmark --benchmark-json, pyperf -o, or CSV with a 'name,<unit>' "
            "header and one run a line. Exit 1 when --gate fails or cannot decide."
        ),
    )
    compare.add_argument("base", type=Path, metavar="BASE", help="baseline results file")
    compare.add_argument("branch", type=Path, metavar="BRANCH", help="branch results file")
    compare.add_argument(
        "--gate",
        type=_gate_pct,
        metavar="PCT",
        help="fail (exit 1) when a benchmark is significantly slower by more than PCT%%; "
        "undecidable ones exit 1 too",
    )
    compare.add_argument(
        "--alpha",
        type=_alpha,
        default=0.05,
        metavar="A",
        help="significance level of the test, after Holm's correction (default: 0.05)",
    )
    add_format(compare, FORMATS)
    compare.set_defaults(handler=run_compare)


def run_compare(args: argparse.Namespace) -> int:
    from workbench.bench.comparison import compare_bench_files
    from workbench.bench.readers import read_bench_file
    from workbench.bench.render import RENDERERS

    result = compare_bench_files(
        read_bench_file(args.base),
        read_bench_file(args.branch),
        alpha=args.alpha,
        gate_pct=args.gate,
    )
    print(RENDERERS[args.format](result))
    return result.exit_code


def _gate_pct(text: str) -> float:
    value = number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"a slowdown in percent, ≥ 0, not {text}")
    return value


def _alpha(text: str) -> float:
    value = number(text)
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be between 0 and 1 (exclusive), not {text}")
    return value

"""Subcommands: ``workbench export markdown|json`` — the triage for a review or a tool.

``-o FILE`` writes the file (replaced only once complete); without it the
export goes to stdout. The store, KPIs and renderers are imported when an export
runs, so registering the subcommands stays light.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cli.arguments import add_db_option, count, with_store
from workbench.cli.profiles import add_gate_options, add_time_gate_options
from workbench.files import output_file
from workbench.output import json_text
from workbench.triage.model import ItemFilter

if TYPE_CHECKING:
    from workbench.triage.store import BacklogStore


def _emit(chunks: Iterable[str], output: Path | None) -> None:
    """Write to stdout, or to ``output`` by :func:`~workbench.files.output_file`'s rules
    (a regular file replaced only once complete, a device or FIFO streamed to)."""
    if output is None:
        for chunk in chunks:
            sys.stdout.write(chunk)
        return
    with output_file(output) as out:
        for chunk in chunks:
            out.write(chunk)
    print(f"wrote {output}", file=sys.stderr)


def _markdown(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.reports.triage_markdown import triage_document

    item_filter = ItemFilter(include_closed=args.all)
    document = triage_document(
        store, item_filter, title=args.title, repo=args.repo, limit=args.limit
    )
    _emit(document, args.output)
    return 0


def _json(store: BacklogStore, args: argparse.Namespace) -> int:
    from workbench.triage.kpis import compute_kpis
    from workbench.triage.transfer import export_document

    document = export_document(store, compute_kpis(store, repo=args.repo))
    text = json_text(document) + "\n"
    _emit([text], args.output)
    return 0


def _sarif(args: argparse.Namespace) -> int:
    """The gate's findings as SARIF 2.1.0; exit 0 once written, whatever the verdict
    (``workbench gate --format sarif`` is the one that fails a build)."""
    from workbench.cli.profiles import evaluate_all_gates

    gates = evaluate_all_gates(args)
    text = json_text(gates.sarif()) + "\n"
    _emit([text], args.output)
    verdict = gates.shares
    shares = (
        "no share gates (no profiles)"
        if verdict is None
        else f"{len(verdict.failures)} failing, {len(verdict.waived)} waived"
    )
    time = "" if gates.time is None else f"; time gate {gates.time.outcome}"
    print(f"gate {'passed' if gates.exit_code == 0 else 'failed'}: {shares}{time}", file=sys.stderr)
    return 0


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``export markdown``, ``export json`` and ``export sarif`` to the parser."""
    export = sub.add_parser(
        "export", help="export the triage as Markdown or JSON, gate results as SARIF"
    )
    kinds = export.add_subparsers(dest="export_kind", metavar="FORMAT", required=True)
    markdown = kinds.add_parser("markdown", help="triage by quadrant and taxonomy, KPIs")
    markdown.add_argument("--all", action="store_true", help="include closed items")
    markdown.add_argument("--title", default="Performance triage")
    markdown.add_argument("--limit", type=count, help="at most N items")
    markdown.set_defaults(handler=with_store(_markdown))
    as_json = kinds.add_parser("json", help="every item, its evidence, and the KPIs")
    as_json.set_defaults(handler=with_store(_json))
    for parser in (markdown, as_json):
        add_db_option(parser)
        parser.add_argument("-o", "--output", type=Path, metavar="FILE")
        parser.add_argument("--repo", type=Path, help="git repository to date linked commits")
    sarif = kinds.add_parser(
        "sarif",
        help="gate results of BASE vs BRANCH as SARIF 2.1.0 (code-scanning UIs)",
        description="Evaluate the gate like `workbench gate` and write its findings, plus the "
        "regressions past the noise, as SARIF 2.1.0. Exit 0 once written.",
    )
    add_gate_options(sarif)
    add_time_gate_options(sarif)
    sarif.add_argument("-o", "--output", type=Path, metavar="FILE")
    sarif.set_defaults(handler=_sarif)

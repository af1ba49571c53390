"""The triage as Markdown for a review or a pull request.

Grouped as the matrix reads: quadrant (with its action), then taxonomy; each
item a table row with its scores, status, KPI (baseline → latest / target)
and evidence. A KPI summary and the escalations come first, because that is
what a reviewer asks about. Every value from the backlog goes through
:func:`~workbench.markdown.escape_md` (via ``md_table``), so a ``|``,
a backtick or ``<script>`` in a title renders literally on GitHub.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from functools import lru_cache
from itertools import groupby

from workbench.markdown import escape_md, md_table
from workbench.triage.kpis import KpiReport, compute_kpis
from workbench.triage.model import Item, ItemFilter
from workbench.triage.store import BacklogStore

ITEM_HEADERS = ("#", "Title", "Impact", "Effort", "Status", "Owner", "KPI", "Evidence")
HYPOTHESIS_CHARS = 160
"""Hypotheses are cut to this length in the table (``workbench backlog show`` has them all)."""


def kpi_cell(item: Item) -> str:
    """``name: baseline → latest / target`` with ``?`` for a value not measured yet."""

    def number(value: float | None) -> str:
        return "?" if value is None else f"{value:g}"

    values = f"{number(item.kpi_baseline)} → {number(item.kpi_latest)}"
    return f"{item.kpi_name}: {values} / {number(item.kpi_target)}"


def _title_cell(item: Item) -> str:
    hypothesis = item.hypothesis.strip()
    if len(hypothesis) > HYPOTHESIS_CHARS:
        hypothesis = hypothesis[: HYPOTHESIS_CHARS - 1] + "…"
    title = item.title + (" (critical)" if item.critical else "")
    return f"{title} — {hypothesis}" if hypothesis else title


#: Status labels, owners and KPI names repeat across thousands of rows: escape each once.
_escape_repeated = lru_cache(maxsize=4096)(escape_md)


def _row(item: Item) -> str:
    """One table row; every text cell through ``escape_md`` (numbers need none)."""
    status = item.status.label
    if item.justification:
        status += f" ({item.justification})"
    evidence = "; ".join(f"{e.kind.value}: {e.ref}" for e in item.evidence) or "—"
    cells = (
        str(item.id),
        escape_md(_title_cell(item)),
        str(item.impact),
        str(item.effort),
        _escape_repeated(status),
        _escape_repeated(item.owner or "—"),
        escape_md(kpi_cell(item)),
        escape_md(evidence),
    )
    return "| " + " | ".join(cells) + " |"


def item_table(items: Iterable[Item]) -> str:
    """A GitHub table of items: ``md_table``'s header, rows built as above (the export of
    10,000 items spends most of its time escaping, so repeated cells are escaped once)."""
    return "\n".join([md_table(ITEM_HEADERS, []), *(_row(item) for item in items)])


def kpi_section(report: KpiReport) -> list[str]:
    rows = [(k.name, k.display, k.target, k.status, k.detail) for k in report.kpis]
    lines = ["## KPI summary", "", md_table(("KPI", "Value", "Target", "Status", "Detail"), rows)]
    lines += ["", "## Escalations", ""]
    if report.escalations:
        lines += [f"- {escape_md(e.reason)}" for e in report.escalations]
    else:
        lines.append("None.")
    return lines


def render_triage(
    items: Iterable[Item],
    report: KpiReport,
    *,
    title: str = "Performance triage",
    subtitle: str = "",
) -> Iterator[str]:
    """Markdown, a block at a time. ``items`` must come in matrix order (quadrant, then
    taxonomy: ``store.iter_all(order="matrix")``), so a 10,000-item export streams."""
    yield f"# {escape_md(title)}\n"
    if subtitle:
        yield f"\n{escape_md(subtitle)}\n"
    yield "\n" + "\n".join(kpi_section(report)) + "\n"
    empty = True
    for quadrant, in_quadrant in groupby(items, key=lambda item: item.quadrant):
        empty = False
        yield f"\n## {quadrant.action} — {quadrant.label}\n"
        for taxonomy, group in groupby(in_quadrant, key=lambda item: item.taxonomy):
            rows = list(group)
            yield f"\n### {taxonomy.label} ({len(rows)})\n\n"
            yield item_table(rows) + "\n"
    if empty:
        yield "\nNo items.\n"


def triage_document(
    store: BacklogStore,
    item_filter: ItemFilter,
    *,
    title: str = "Performance triage",
    scope: str = "",
    repo: object = None,
    limit: int | None = None,
) -> Iterator[str]:
    """The export, from the command line and from the Backlog pane alike: one header.

    ``scope`` names what ``item_filter`` selects when it is not the whole
    backlog (the pane's filter line); ``repo`` is where the time-to-detect KPI
    reads commit times.
    """
    total = store.count(item_filter)
    scope = scope or ("items" if item_filter.include_closed else "open items")
    subtitle = f"{total} {scope} in {store.path}; an impact or effort ≥ {store.split} is high."
    items = store.iter_all(item_filter, order="matrix", limit=limit)
    return render_triage(items, compute_kpis(store, repo=repo), title=title, subtitle=subtitle)

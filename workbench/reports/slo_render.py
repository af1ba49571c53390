"""SLOs and their compliance as text (``slo show``, ``slo check``) and Markdown.

Numbers go through :func:`figure`: whole numbers as they are, others to two
decimals, None as "not measured" — so a report and the CSV it came from can
be compared by eye.
"""

from __future__ import annotations

from workbench.cycle.compliance import BudgetUse, ComplianceReport
from workbench.cycle.results import LoadResult
from workbench.cycle.slo import AGGREGATE, SloSet
from workbench.markdown import escape_md, md_table
from workbench.output import plain

NOT_MEASURED = "not measured"


def figure(value: float | None, unit: str = "") -> str:
    """``12``, ``37.83``, ``0.5``, ``0.0029``, ``215 ms``; ``not measured`` for None.

    Two decimals at most, trailing zeros dropped; below 0.01 two significant
    digits, so a small budget share never rounds to a misleading 0.
    """
    if value is None:
        return NOT_MEASURED
    if float(value).is_integer():
        text = str(int(value))
    elif abs(value) < 0.01:
        text = f"{value:.2g}"
    else:
        text = f"{value:.2f}".rstrip("0").rstrip(".")
    return f"{text} {unit}".rstrip() if unit and unit != "%" else text + unit


def endpoint_label(endpoint: str) -> str:
    return "all endpoints" if endpoint == AGGREGATE else endpoint


def budget_lines(slos: SloSet) -> list[str]:
    """The error budget in one sentence, and the margin."""
    return [
        f"Error budget: {figure(slos.allowed_error_pct, '%')} of requests may fail over "
        f"{figure(slos.window_days)} days (availability {figure(slos.availability_pct, '%')}).",
        f"Margin: a value within {figure(slos.margin_pct, '%')} of its target is PARTIAL.",
    ]


def slos_text(slos: SloSet) -> str:
    """``workbench slo show``: the objectives per endpoint and the budget."""
    lines = [f"SLOs from {plain(slos.source)}", *budget_lines(slos), ""]
    for endpoint in slos.endpoints:
        lines.append(plain(endpoint_label(endpoint)))
        for objective in slos.objectives:
            if objective.endpoint == endpoint:
                lines.append(f"  {objective.sli:<13} {objective.describe()}")
    if slos.cost_per_cpu_hour is not None:
        lines.append(f"\nCost per CPU-hour: {figure(slos.cost_per_cpu_hour)}")
    return "\n".join(lines)


def budget_row(use: BudgetUse) -> list[str]:
    days = use.exhausted_in_days
    return [
        use.run,
        str(use.requests),
        str(use.failures),
        figure(use.error_rate_pct, "%"),
        figure(use.burn_rate) + "×",
        figure(use.consumed_pct, "%"),
        figure(use.remaining_pct, "%"),
        "never (no failures)" if days is None else f"{figure(days)} days",
    ]


BUDGET_HEADERS = (
    "Run",
    "Requests",
    "Failures",
    "Error rate",
    "Burn rate",
    "Budget consumed",
    "Budget remaining",
    "Budget lasts",
)
SLI_HEADERS = ("Endpoint", "SLI", "Objective", "Status", "Measured")


def sli_rows(report: ComplianceReport) -> list[list[str]]:
    rows = []
    for verdict in report.verdicts:
        objective = verdict.objective
        measured = "; ".join(
            f"{m.run}: {figure(m.value, objective.kind.unit)} ({m.status})"
            for m in verdict.measurements
        )
        rows.append(
            [
                endpoint_label(objective.endpoint),
                objective.sli,
                objective.describe(),
                verdict.status,
                measured,
            ]
        )
    return rows


def compliance_text(report: ComplianceReport) -> str:
    """``workbench slo check`` as text: one line per SLI, the budget, the verdict."""
    lines = [f"SLO compliance of {', '.join(plain(run) for run in report.runs)}"]
    for row in sli_rows(report):
        endpoint, _sli, objective, status, measured = row
        lines.append(f"  {status:<8} {plain(endpoint)}: {objective} — {plain(measured)}")
    lines.append("")
    lines.extend(budget_lines(report.slos))
    for use in report.budget:
        row = budget_row(use)
        lines.append(
            f"  {plain(row[0])}: error rate {row[3]}, burn rate {row[4]}, consumed {row[5]}, "
            f"remaining {row[6]}, lasts {row[7]}"
        )
    lines.append(f"\nVerdict: {report.overall}")
    return "\n".join(lines)


def compliance_markdown(report: ComplianceReport, *, heading: str = "##") -> str:
    """The SLI table, the budget table and the verdict, as Markdown sections."""
    runs = ", ".join(escape_md(run) for run in report.runs)
    return "\n".join(
        [
            f"{heading} SLO compliance",
            "",
            f"**Verdict: {report.overall}** over {runs}.",
            "",
            md_table(SLI_HEADERS, sli_rows(report)),
            "",
            f"{heading} Error budget",
            "",
            *(escape_md(line) + "  " for line in budget_lines(report.slos)),
            "",
            md_table(BUDGET_HEADERS, [budget_row(use) for use in report.budget]),
        ]
    )


def result_text(result: LoadResult) -> str:
    """A load-test result as a console table: one row per endpoint, the total last."""
    header = (
        f"{'endpoint':<32} {'reqs':>7} {'fails':>6} {'p50':>7} {'p95':>7} {'p99':>7} {'req/s':>8}"
    )
    lines = [
        f"{result.tool} · {plain(result.name)}"
        + (f" · {figure(result.duration_s)} s" if result.duration_s is not None else "")
        + (" · interrupted" if result.interrupted else ""),
        header,
    ]
    for stats in [*result.endpoints, result.aggregate]:
        lines.append(
            f"{plain(stats.label)[:32]:<32} {stats.requests:>7} {stats.failures:>6} "
            f"{_short(stats.p50_ms):>7} {_short(stats.p95_ms):>7} {_short(stats.p99_ms):>7} "
            f"{_short(stats.rps):>8}"
        )
    lines.append("latencies in ms; — = not measured")
    return "\n".join(lines)


def _short(value: float | None) -> str:
    return "—" if value is None else figure(value)

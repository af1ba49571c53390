"""The six Markdown reports of an optimisation cycle, all from its stored data.

baseline, bottleneck analysis, optimisation plan, load-test results, SLO
compliance and the optimisation summary. Every section has content: a figure
that was not taken says "not measured" and which command takes it; an empty
category says "None". Every value from outside (endpoint names, function
names, item titles, error messages) goes through ``escape_md``/``md_table``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from workbench.cycle.folder import Run, write_text
from workbench.cycle.optimisation_plan import CATEGORIES, EFFORT_DAYS, PlanEntry
from workbench.cycle.outcome import Roi, SliChange
from workbench.cycle.results import EndpointStats, LoadResult
from workbench.cycle.view import CycleView, PhaseView
from workbench.markdown import escape_md, md_table
from workbench.output import counted
from workbench.profiles.top import FunctionShare
from workbench.reports.slo_render import (
    NOT_MEASURED,
    compliance_markdown,
    endpoint_label,
    figure,
)

ENDPOINT_HEADERS = (
    "Endpoint",
    "Requests",
    "Failures",
    "p50 (ms)",
    "p95 (ms)",
    "p99 (ms)",
    "Throughput (req/s)",
    "Error rate",
    "Availability",
)
CATEGORY_TITLES = {
    "quick win": "Quick wins (immediate PR)",
    "strategic": "Strategic (design review)",
    "major": "Major work (a project)",
    "batch": "Batch fixes",
    "deferred": "Deferred (not planned)",
}


def endpoint_rows(result: LoadResult) -> list[list[str]]:
    """One row per endpoint, the aggregate last, figures as the CSV has them."""
    return [_endpoint_row(stats) for stats in [*result.endpoints, result.aggregate]]


def _endpoint_row(stats: EndpointStats) -> list[str]:
    return [
        stats.label,
        str(stats.requests),
        str(stats.failures),
        figure(stats.p50_ms),
        figure(stats.p95_ms),
        figure(stats.p99_ms),
        figure(stats.rps),
        figure(stats.error_rate_pct, "%"),
        figure(stats.availability_pct, "%"),
    ]


def _run_heading(run: Run) -> str:
    result = run.result
    bits = [result.tool]
    if result.started_at:
        bits.append(f"started {result.started_at}")
    if result.duration_s is not None:
        bits.append(f"{figure(result.duration_s)} s under load")
    if result.interrupted:
        bits.append("interrupted: figures cover the time it ran")
    return f"{escape_md(run.phase)} · {escape_md(run.profile)} ({escape_md(', '.join(bits))})"


def _missing_phase(phase: str) -> str:
    return f"{phase.capitalize()}: {NOT_MEASURED} — run `workbench cycle {phase}`."


def _title(view: CycleView, what: str) -> list[str]:
    config = view.config
    load = config.plan.describe() if config.plan else "imported results"
    return [
        f"# {what} — cycle {escape_md(config.name)}",
        "",
        f"Cycle started {escape_md(config.created_at)}; load: {escape_md(load)}; "
        f"SLOs from {escape_md(config.slos.source or 'the cycle file')}.",
        "",
    ]


# -- 1. baseline ------------------------------------------------------------------
def baseline_report(view: CycleView) -> str:
    lines = _title(view, "Baseline")
    phase = view.baseline
    if not phase.runs:
        return "\n".join([*lines, _missing_phase("baseline"), ""])
    lines += ["## SLIs", "", "Per endpoint, as the load test measured them; latencies in ms.", ""]
    for run in phase.runs:
        lines += [
            f"### {_run_heading(run)}",
            "",
            md_table(ENDPOINT_HEADERS, endpoint_rows(run.result)),
            "",
        ]
    slos = view.config.slos
    lines += ["## SLO targets", ""]
    lines.append(
        md_table(
            ("Endpoint", "SLI", "Objective"),
            [[endpoint_label(o.endpoint), o.sli, o.describe()] for o in slos.objectives],
        )
    )
    lines += ["", "## Error budget", ""]
    lines += _budget(phase)
    lines += ["", "## Profile under load", ""]
    lines += _profile_summary(view)
    return "\n".join(lines) + "\n"


def _budget(phase: PhaseView) -> list[str]:
    if phase.compliance is None:
        return [f"Not computed: {escape_md(phase.compliance_error or NOT_MEASURED)}"]
    text = compliance_markdown(phase.compliance, heading="###")
    budget = text.split("### Error budget", 1)[1].strip()
    return [budget]


def _profile_summary(view: CycleView) -> list[str]:
    analysis = view.analysis
    run = view.baseline.primary
    if analysis.sampled_seconds is None or run is None or run.profile_path is None:
        return [f"Profile: {NOT_MEASURED} (start the cycle with --pid PID of the service)."]
    return [
        f"py-spy sampled {figure(analysis.sampled_seconds)} s of active time while the "
        f"{escape_md(run.profile)} load ran: {figure(analysis.cpu_ms_per_request)} ms per "
        f"request. Profile: `{escape_md(run.profile_path.name)}` in "
        f"`{escape_md(run.folder)}`.",
        "",
        _function_table(analysis.by_self[:5]),
    ]


def _function_table(shares: list[FunctionShare]) -> str:
    return md_table(
        ("Function", "File", "Self %", "Total %", "Self (s)"),
        [
            [
                s.key.qualname,
                s.key.path or "—",
                figure(s.self_pct),
                figure(s.total_pct),
                figure(s.self_seconds),
            ]
            for s in shares
        ],
    )


# -- 2. bottleneck analysis -----------------------------------------------------------
def bottleneck_report(view: CycleView) -> str:
    lines = _title(view, "Bottleneck analysis")
    analysis = view.analysis
    lines += ["## Hot paths", ""]
    if analysis.sampled_seconds is None:
        lines.append(
            f"Profile: {NOT_MEASURED} — the baseline ran without a PID to sample, so there "
            "are no hot paths; the items below are ranked by the matrix alone."
        )
    else:
        lines += [
            f"CPU time per request: {figure(analysis.cpu_ms_per_request)} ms "
            f"({figure(analysis.sampled_seconds)} s sampled).",
            "",
            "### Hottest functions by self time",
            "",
            _function_table(analysis.by_self),
            "",
            "### Hottest functions by total time (with callees)",
            "",
            _function_table(analysis.by_total),
            "",
            "### Heaviest call paths",
            "",
            md_table(
                ("Share %", "Call path (caller → callee)"),
                [[figure(path.share_pct), path.label] for path in analysis.paths],
            ),
            "",
            "### Patterns of the hottest functions (from where their samples end)",
            "",
            md_table(
                ("Function", "Total %", "Pattern", "Confidence", "Evidence"),
                [
                    [
                        hot.function,
                        figure(hot.total_pct),
                        hot.guess.pattern,
                        figure(hot.guess.confidence),
                        hot.guess.evidence,
                    ]
                    for hot in analysis.patterns
                ],
            ),
        ]
    lines += [
        "",
        "## Backlog items ranked by impact and effort",
        "",
        escape_md(view.backlog_note),
        "",
    ]
    if not analysis.items:
        lines.append("None: no open items. File hotspots with `workbench diff --propose`.")
    else:
        lines.append(
            md_table(
                (
                    "#",
                    "Title",
                    "Quadrant",
                    "Impact",
                    "Effort",
                    "Pattern",
                    "Profile share",
                    "Status",
                ),
                [
                    [
                        str(entry.item.id),
                        entry.item.title,
                        entry.item.action,
                        str(entry.item.impact),
                        str(entry.item.effort),
                        entry.item.pattern.label,
                        NOT_MEASURED
                        if entry.hot_share_pct is None
                        else figure(entry.hot_share_pct, "%"),
                        entry.item.status.label,
                    ]
                    for entry in analysis.items
                ],
            )
        )
    return "\n".join(lines) + "\n"


# -- 3. optimisation plan --------------------------------------------------------------
def plan_report(view: CycleView) -> str:
    lines = _title(view, "Optimisation plan")
    total = sum(entry.effort_days for entry in view.plan if entry.category != "deferred")
    lines.append(
        f"{counted(len(view.plan), 'item')} (open, or done during the cycle); planned effort "
        f"{figure(total)} engineer-days (deferred items excluded). Estimates: effort "
        "1 = ½ day, 2 = 2 days, 3 = a week, 4 = two weeks, 5 = a month."
    )
    for category in CATEGORIES:
        entries = [entry for entry in view.plan if entry.category == category]
        lines += ["", f"## {CATEGORY_TITLES[category]}", ""]
        lines.append(_plan_table(entries) if entries else "None in this cycle.")
    return "\n".join(lines) + "\n"


def _plan_table(entries: list[PlanEntry]) -> str:
    return md_table(
        ("#", "Title", "Status", "Impact", "Effort", "Estimate", "Success criteria", "Rollback"),
        [
            [
                str(entry.item.id),
                entry.item.title,
                entry.item.status.label,
                str(entry.item.impact),
                str(entry.item.effort),
                f"{figure(entry.effort_days)} days",
                entry.success,
                entry.rollback,
            ]
            for entry in entries
        ],
    )


# -- 4. load-test results -----------------------------------------------------------------
def loadtest_report(view: CycleView) -> str:
    lines = _title(view, "Load-test results")
    for name, phase in (("baseline", view.baseline), ("after", view.after)):
        lines += [f"## {name.capitalize()}", ""]
        if not phase.runs:
            lines += [_missing_phase(name), ""]
            continue
        lines += [_runs_line(phase), ""]
        for run in phase.runs:
            lines += _run_section(run)
    return "\n".join(lines) + "\n"


def _runs_line(phase: PhaseView) -> str:
    profiles = ", ".join(escape_md(run.profile) for run in phase.runs)
    return f"{len(phase.runs)} load profile{'s' if len(phase.runs) != 1 else ''}: {profiles}."


def _run_section(run: Run) -> list[str]:
    result = run.result
    lines = [
        f"### {_run_heading(run)}",
        "",
        f"Target {escape_md(result.target or NOT_MEASURED)}; files in `{escape_md(run.folder)}`.",
        "",
        md_table(ENDPOINT_HEADERS, endpoint_rows(result)),
        "",
    ]
    history = result.history
    if history:
        peak_p95 = max((p.p95_ms for p in history if p.p95_ms is not None), default=None)
        lines.append(
            f"Timeline: {len(history)} rows over {figure(history[-1].t)} s; peak "
            f"{max(p.users for p in history)} users, peak "
            f"{figure(max((p.rps or 0.0) for p in history))} req/s, worst rolling p95 "
            f"{figure(peak_p95)} ms."
        )
    else:
        lines.append(f"Timeline: {NOT_MEASURED} ({escape_md(result.tool)} keeps no history).")
    lines += ["", "Failures:", ""]
    if result.failures:
        lines.append(
            md_table(
                ("Method", "Name", "Error", "Occurrences"),
                [[f.method, f.name, f.error, str(f.occurrences)] for f in result.failures],
            )
        )
    elif result.aggregate.failures:
        lines.append(f"{result.aggregate.failures} failures; their kinds: {NOT_MEASURED}.")
    else:
        lines.append("None.")
    return [*lines, ""]


# -- 5. SLO compliance --------------------------------------------------------------------
def compliance_report(view: CycleView) -> str:
    lines = _title(view, "SLO compliance")
    for name, phase in (("baseline", view.baseline), ("after", view.after)):
        lines += ["", f"## {name.capitalize()}", ""]
        if not phase.runs:
            lines.append(_missing_phase(name))
        elif phase.compliance is None:
            lines.append(f"Not computed: {escape_md(phase.compliance_error or '')}")
        else:
            lines += [_runs_line(phase), "", compliance_markdown(phase.compliance, heading="###")]
    return "\n".join(lines) + "\n"


# -- 6. optimisation summary --------------------------------------------------------------
def summary_report(view: CycleView) -> str:
    lines = _title(view, "Optimisation summary")
    lines += [f"Verdict: baseline {_verdict(view.baseline)} → after {_verdict(view.after)}.", ""]
    lines += ["## Before and after", ""]
    if not view.changes:
        for name, phase in (("baseline", view.baseline), ("after", view.after)):
            if not phase.runs:
                lines.append(_missing_phase(name))
        if view.baseline.runs and view.after.runs:
            lines.append(f"No load profile ran in both phases: {NOT_MEASURED}.")
    else:
        lines.append(
            md_table(
                ("Profile", "Endpoint", "SLI", "Before", "After", "Change"),
                [
                    [
                        change.profile,
                        change.endpoint,
                        change.sli,
                        figure(change.before, change.unit),
                        figure(change.after, change.unit),
                        change_text(change),
                    ]
                    for change in view.changes
                ],
            )
        )
    roi = view.roi
    lines += ["", "## Items done", ""]
    if roi.items_done:
        lines.append(
            md_table(
                ("#", "Title", "Effort", "Estimate", "KPI"),
                [
                    [
                        str(item.id),
                        item.title,
                        str(item.effort),
                        f"{figure(EFFORT_DAYS[item.effort])} days",
                        f"{item.kpi_name}: {figure(item.kpi_baseline)} → {figure(item.kpi_latest)}",
                    ]
                    for item in roi.items_done
                ],
            )
        )
    else:
        lines.append(
            f"None closed as done since the cycle started ({escape_md(view.backlog_note)})."
        )
    lines += ["", "## Return on the effort", ""]
    lines += [
        f"- Effort spent: {figure(roi.effort_days)} engineer-days "
        f"({counted(len(roi.items_done), 'item')}).",
        f"- CPU time per request: {figure(roi.cpu_ms_before)} ms before, "
        f"{figure(roi.cpu_ms_after)} ms after.",
        f"- CPU time saved at the baseline's {figure(roi.baseline_rps)} req/s: "
        f"{figure(roi.cpu_hours_saved_per_day)} CPU-hours a day.",
        f"- Cost saved: {_money(roi)}.",
    ]
    lines += ["", "## Reports", ""]
    lines += [f"- [{title}]({name})" for name, (title, _render) in REPORTS.items()]
    return "\n".join(lines) + "\n"


def _verdict(phase: PhaseView) -> str:
    if not phase.runs:
        return NOT_MEASURED
    if phase.compliance is None:
        return f"not computed ({phase.compliance_error})"
    return phase.compliance.overall


def change_text(change: SliChange) -> str:
    """``-52.6% (better)``, ``unchanged``, ``from 0 (worse)``, or not measured."""
    if change.before is None or change.after is None:
        return NOT_MEASURED
    if change.before == change.after:
        return "unchanged"
    word = "better" if change.better else "worse"
    if change.change_pct is None:
        return f"from 0 ({word})"
    return f"{change.change_pct:+.1f}% ({word})"


def _money(roi: Roi) -> str:
    saved = roi.cost_saved_per_month
    if saved is None:
        return f"{NOT_MEASURED} (set cost-per-cpu-hour in the SLOs)"
    return f"{figure(saved)} a month"


#: File name → (title, renderer), in reading order.
REPORTS: dict[str, tuple[str, Callable[[CycleView], str]]] = {
    "baseline.md": ("Baseline", baseline_report),
    "bottlenecks.md": ("Bottleneck analysis", bottleneck_report),
    "plan.md": ("Optimisation plan", plan_report),
    "loadtests.md": ("Load-test results", loadtest_report),
    "compliance.md": ("SLO compliance", compliance_report),
    "summary.md": ("Optimisation summary", summary_report),
}


def write_reports(view: CycleView, folder: Path) -> list[Path]:
    """Write the six reports into ``folder`` (each replaced only once complete)."""
    written = []
    for name, (_title_text, render) in REPORTS.items():
        path = folder / name
        write_text(path, render(view))
        written.append(path)
    return written

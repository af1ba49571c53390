"""The team KPIs and escalations, as a side panel of the Backlog pane."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.output import plain
from workbench.triage.kpis import KpiReport

#: How each KPI status reads: a symbol (legible without colour) and a style.
_STATUS = {
    "ok": ("✓ ok", "green"),
    "warn": ("! off target", "yellow"),
    "escalate": ("‼ escalate", "bold red"),
    "n/a": ("– n/a", "dim"),
}


def kpi_text(report: KpiReport) -> Text:
    """Each KPI with its value, target and status; then every escalation."""
    text = Text()
    text.append("Team KPIs\n\n", style="bold")
    for kpi in report.kpis:
        label, style = _STATUS.get(kpi.status, (kpi.status, ""))
        text.append(f"{kpi.name}\n", style="bold")
        text.append(f"  {kpi.display:<10} target {kpi.target:<10}")
        text.append(label, style=style)
        text.append("\n  ")
        text.append(kpi.detail, style="dim")
        text.append("\n\n")
    text.append(f"Escalations ({len(report.escalations)})\n", style="bold")
    if not report.escalations:
        text.append("  none\n", style="dim")
    for escalation in report.escalations:
        text.append("  ‼ ", style="bold red")
        if escalation.item_id is not None:
            text.append(f"#{escalation.item_id} ", style="bold")
        text.append(plain(escalation.reason))  # quotes item titles
        text.append("\n")
    return text


class KpiPanel(VerticalScroll):
    """Shows the last :class:`KpiReport` the screen computed."""

    def compose(self) -> ComposeResult:
        yield Static("computing…", id="kpi-body", markup=False)

    def show(self, report: KpiReport) -> None:
        self.report = report
        """The report drawn (tests read it)."""
        self.query_one("#kpi-body", Static).update(kpi_text(report))

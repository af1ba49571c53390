"""Header widgets of a comparison: what each profile is, and the gate verdict.

Both render ``Text`` built from plain strings (profile names, paths and
function names come from files) and take their colours from CSS classes
(``-pass``/``-fail``), never from markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from workbench.output import counted, plain

if TYPE_CHECKING:  # the diff (and NumPy) load with the first comparison, not the first frame
    from workbench.profiles.diff import ProfileSummary
    from workbench.profiles.gates import GateVerdict

#: Findings listed before "… N more".
MAX_FINDINGS = 8


def _count(value: float, unit: str) -> str:
    return f"{value:,.0f} {unit}" if value >= 100 else f"{value:,.3g} {unit}"


def summary_text(role: str, summary: ProfileSummary) -> Text:
    """Two lines: role, name and figures; then the source path."""
    figures = [summary.format or "unknown format"]
    if summary.total_samples is not None:
        figures.append(f"{summary.total_samples:,} samples")
    if summary.total_seconds is not None:
        figures.append(_count(summary.total_seconds, "s"))
    figures.append(f"{summary.stacks:,} stacks")
    figures.append(f"{summary.functions:,} functions")
    if summary.threads:
        figures.append(counted(len(summary.threads), "thread"))
    if summary.rate:
        figures.append(f"{summary.rate:g} Hz")
    if summary.duration:
        figures.append(f"{summary.duration:.1f} s capture")
    text = Text()
    text.append(f"{role:<7}", style="bold")
    text.append(plain(summary.name), style="bold")
    text.append("  " + " · ".join(figures))
    text.append("\n       ")
    text.append(plain(summary.source or "(no file)"), style="dim")
    return text


class ProfileSummaryView(Static):
    """One profile of the pair, or how to load it (class ``-empty``)."""

    def __init__(self, role: str, *, id: str | None = None) -> None:
        # Empty from the start: a class added once mounted restyles the widget.
        super().__init__(id=id, markup=False, classes="-empty")
        self.role = role
        """Label shown first: 'Base' or 'Branch'."""

    def show_summary(self, summary: ProfileSummary) -> None:
        """Show what the loaded profile is."""
        self.update(summary_text(self.role, summary))
        self.remove_class("-empty")

    def show_hint(self, hint: str) -> None:
        """Show ``hint`` (e.g. which key loads this profile) instead of a summary."""
        text = Text(f"{self.role:<7}", style="bold")
        text.append(hint)
        self.update(text)
        self.add_class("-empty")


def verdict_text(verdict: GateVerdict) -> Text:
    """PASS/FAIL with one line per finding (waived ones say why they pass)."""
    failing, waived = verdict.failures, verdict.waived
    text = Text("Gates: ", style="bold")
    text.append("PASS" if verdict.passed else "FAIL", style="bold reverse")
    counts = []
    if failing:
        counts.append(f"{len(failing)} failing")
    if waived:
        counts.append(f"{len(waived)} waived")
    text.append(f"  {', '.join(counts)}" if counts else "  no findings")
    for finding in [*failing, *waived][:MAX_FINDINGS]:
        text.append("\n")
        text.append("  ✓ waived " if finding.waived else "  ✗ ", style="bold")
        line = f":{finding.line}" if finding.line is not None else ""
        text.append(f"{plain(finding.function.qualname)}{line}: ", style="bold")
        text.append(plain(finding.message))
        if finding.waived:
            text.append(f" — {plain(finding.justification or 'no reason given')}", style="italic")
    hidden = len(verdict.findings) - MAX_FINDINGS
    if hidden > 0:
        text.append(f"\n  … {hidden:,} more")
    return text


class GateVerdictView(Static):
    """The gate verdict; classes ``-pass``/``-fail`` let the stylesheet colour it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, markup=False)

    def show_verdict(self, verdict: GateVerdict) -> None:
        """Show a verdict and its findings."""
        self.update(verdict_text(verdict))
        self.set_class(verdict.passed, "-pass")
        self.set_class(not verdict.passed, "-fail")

    def show_message(self, message: str) -> None:
        """Show a note instead of a verdict (no pair loaded, config error)."""
        self.update(Text(message))
        self.remove_class("-pass", "-fail")

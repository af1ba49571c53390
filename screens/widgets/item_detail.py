"""The detail of one item: every field, its evidence and its change history.

Built as one ``rich.text.Text`` by :func:`detail_text`, so titles, owners and
evidence from users and profiles are appended as data and never parsed as
markup; control and bidi characters in them are shown as escapes
(:mod:`workbench.output`), only the lines of long text fields kept.
"""

from __future__ import annotations

import json

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from workbench.output import plain, plain_text
from workbench.triage.model import Event, Item
from workbench.triage.next_step import next_step


def _value(raw: str | None) -> str:
    """An event's JSON-encoded old/new value, shown as the person typed it."""
    if raw is None:
        return "∅"
    try:
        value = json.loads(raw)
    except ValueError:
        return plain(raw)
    if isinstance(value, dict) and {"kind", "ref"} <= value.keys():
        return plain(f"{value['kind']}:{value['ref']}")  # an evidence row
    return "∅" if value in (None, "") else plain(value)


def _number(value: float | None) -> str:
    return "–" if value is None else f"{value:g}"


def _field(text: Text, name: str, value: str) -> None:
    text.append(f"{name:<11}", style="bold")
    text.append(value)
    text.append("\n")


def detail_text(item: Item, events: list[Event]) -> Text:
    """Fields, KPI, evidence and history of ``item`` as plain appended text."""
    text = Text()
    text.append(f"#{item.id}  ", style="dim")
    text.append(plain(item.title), style="bold")
    text.append("\n")
    text.append(f" {item.action} ", style="reverse")
    text.append(f"  impact {item.impact} · effort {item.effort}\n\n")
    _field(text, "Status", item.status.label)
    _field(text, "Owner", plain(item.owner) or "–")
    _field(text, "Source", item.source.label)
    _field(text, "Signal", item.signal.label)
    _field(text, "Pattern", item.pattern.label)
    _field(text, "Taxonomy", item.taxonomy.label + (" · critical path" if item.critical else ""))
    _field(text, "KPI", plain(item.kpi_name))
    _field(
        text,
        "",
        f"baseline {_number(item.kpi_baseline)} → latest {_number(item.kpi_latest)}"
        f" (target {_number(item.kpi_target)})",
    )
    for name, value in (
        ("Hypothesis", item.hypothesis),
        ("Justification", item.justification),
        ("Notes", item.notes),
    ):
        if value:
            text.append(f"\n{name}\n", style="bold")
            text.append(plain_text(value))
            text.append("\n")
    step = next_step(item)
    text.append("\nNext step ", style="bold")
    text.append(f"({step.tool}, D runs it)\n", style="dim")
    text.append(f"{plain(step.what)}\n")
    text.append(f"$ {plain(step.command)}\n", style="dim")
    text.append(f"\nEvidence ({len(item.evidence)})\n", style="bold")
    for evidence in item.evidence:
        text.append(f"  {evidence.kind.label:<10}", style="dim")
        text.append(plain(evidence.ref))
        if evidence.note:
            text.append(f"  — {plain(evidence.note)}", style="italic")
        text.append("\n")
    text.append(f"\nHistory ({len(events)})\n", style="bold")
    for event in events:
        text.append(f"  {event.at[:16].replace('T', ' ')}  ", style="dim")
        text.append(plain(event.actor or "?"))
        text.append(f"  {event.action}")
        if event.field:
            text.append(f" {event.field}: ")
            text.append(_value(event.old))
            text.append(" → ")
            text.append(_value(event.new))
        text.append("\n")
    return text


class ItemDetail(VerticalScroll):
    """A side panel with the selected item's detail; the screen feeds it."""

    def compose(self) -> ComposeResult:
        yield Static("select an item", id="item-detail-body", markup=False)

    def show(self, item: Item | None, events: list[Event]) -> None:
        """Draw ``item`` (None: nothing selected)."""
        body = self.query_one("#item-detail-body", Static)
        body.update(detail_text(item, events) if item else Text("select an item"))
        self.item = item
        """The item drawn, for tests and for the screen to compare with the selection."""

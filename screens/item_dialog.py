"""The add/edit form of a backlog item, as a modal dialog returning the typed fields.

The dialog validates what a person can get wrong (empty title, a score outside
1–5, a KPI value that is not a number, a waiver without justification, an
evidence line of an unknown kind) and says which field and what to do, in one
line, without closing. It returns plain typed values; the screen decides what
changed and writes it through the store.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, VerticalScroll
from textual.widgets import Button, Checkbox, Input, Label, Select, Static, TextArea

from screens.text_dialog import TextDialog
from workbench.triage.model import (
    DEFAULT_KPI,
    IMPACT_EFFORT_RANGE,
    Evidence,
    EvidenceKind,
    Item,
    Pattern,
    Signal,
    Source,
    Status,
    Taxonomy,
)

_ENUM_FIELDS: dict[str, type[Any]] = {
    "source": Source,
    "signal": Signal,
    "pattern": Pattern,
    "taxonomy": Taxonomy,
    "status": Status,
}
_TEXT_FIELDS = ("title", "kpi", "owner", "justification")
_SCORE_FIELDS = ("impact", "effort")
_NUMBER_FIELDS = ("kpi_baseline", "kpi_target", "kpi_latest")
_AREA_FIELDS = ("hypothesis", "notes")


class FormError(ValueError):
    """A field the user must fix; the message names it."""


def parse_evidence(text: str) -> list[Evidence]:
    """One ``kind:ref  # note`` per line; a bare ``http(s)://`` line is a URL.

    Blank lines are skipped. Raises :class:`FormError` naming the line.
    """
    evidence = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        body, _, note = line.partition(" # ")
        body = body.strip()
        if body.startswith(("http://", "https://")):
            kind, ref = EvidenceKind.URL.value, body
        else:
            kind, _, ref = body.partition(":")
        try:
            parsed_kind = EvidenceKind.parse(kind)
        except ValueError:
            kinds = ", ".join(member.value for member in EvidenceKind)
            raise FormError(
                f"evidence line {number}: start with a kind and a colon ({kinds}), "
                "e.g. function:app/db.py:query"
            ) from None
        if not ref.strip():
            raise FormError(f"evidence line {number}: nothing after '{kind}:'")
        evidence.append(Evidence(parsed_kind, ref.strip(), note.strip()))
    return evidence


def format_evidence(evidence: list[Evidence]) -> str:
    """The inverse of :func:`parse_evidence`, for prefilling the form."""
    return "\n".join(f"{e}  # {e.note}" if e.note else str(e) for e in evidence)


def _parse_score(name: str, value: str) -> int:
    try:
        score = int(value)
    except ValueError:
        score = 0
    if score not in IMPACT_EFFORT_RANGE:
        raise FormError(f"{name}: type a whole number from 1 to 5")
    return score


def _parse_number(name: str, value: str) -> float | None:
    if not value.strip():
        return None
    try:
        return float(value)
    except ValueError:
        raise FormError(f"{name.replace('_', ' ')}: type a number or leave it empty") from None


class ItemDialog(TextDialog[dict[str, Any] | None]):
    """Add or edit one item; dismisses with the field values, or None when cancelled."""

    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="item_dialog.save", tooltip="Validate and save"),
        Binding("escape", "cancel", "Cancel", id="item_dialog.cancel", tooltip="Close, no change"),
    ]

    def __init__(self, item: Item | None = None, *, heading: str = "Add item") -> None:
        super().__init__()
        self.item = item or Item(title="")
        """The values the form starts from (an unsaved item when adding)."""
        self.heading = heading

    def compose(self) -> ComposeResult:
        item = self.item
        with VerticalScroll(id="item-form"):
            yield Label(Text(self.heading), id="item-form-heading")
            with Grid(id="item-form-grid"):
                yield from self._row("Title", Input(item.title, id="title", classes="-wide"))
                for name, enum in _ENUM_FIELDS.items():
                    options = [(member.label, member) for member in enum]
                    value = getattr(item, name)
                    yield from self._row(
                        name.capitalize(),
                        Select(options, value=value, allow_blank=False, id=name),
                    )
                for name in _SCORE_FIELDS:
                    yield from self._row(
                        name.capitalize(),
                        Input(str(getattr(item, name)), id=name, type="integer", max_length=1),
                    )
                yield from self._row(
                    "KPI", Input(item.kpi, placeholder=DEFAULT_KPI[item.taxonomy], id="kpi")
                )
                for name in _NUMBER_FIELDS:
                    value = getattr(item, name)
                    yield from self._row(
                        name.removeprefix("kpi_").capitalize(),
                        Input("" if value is None else f"{value:g}", id=name, type="number"),
                    )
                yield from self._row("Owner", Input(item.owner, id="owner"))
                yield from self._row(
                    "Critical", Checkbox("critical path", item.critical, id="critical")
                )
                yield from self._row(
                    "Justification",
                    Input(item.justification, placeholder="required to waive", id="justification"),
                )
                yield from self._row("Hypothesis", TextArea(item.hypothesis, id="hypothesis"))
                yield from self._row("Notes", TextArea(item.notes, id="notes"))
                yield from self._row(
                    "Evidence", TextArea(format_evidence(item.evidence), id="evidence")
                )
            yield Static(
                "evidence: one per line, kind:ref  # note  — profile, function, commit, "
                "benchmark, url",
                classes="-muted",
                markup=False,
            )
            yield Static("", id="item-form-error", classes="-error", markup=False)
            with Horizontal(id="item-form-buttons"):
                yield Button("Save (ctrl+s)", variant="primary", id="save")
                yield Button("Cancel (esc)", id="cancel")

    @staticmethod
    def _row(label: str, field: Any) -> ComposeResult:
        yield Label(label)
        yield field

    def on_mount(self) -> None:
        self.query_one("#title", Input).focus()

    def on_select_changed(self, event: Select.Changed) -> None:
        """The KPI placeholder follows the taxonomy: an empty KPI means its default."""
        if event.select.id == "taxonomy" and isinstance(event.value, Taxonomy):
            self.query_one("#kpi", Input).placeholder = DEFAULT_KPI[event.value]

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "save":
            self.action_save()
        else:
            self.action_cancel()

    def action_cancel(self) -> None:
        self.dismiss(None)

    def action_save(self) -> None:
        try:
            values = self.values()
        except FormError as error:
            self.query_one("#item-form-error", Static).update(Text(f"✗ {error}"))
            return
        self.dismiss(values)

    def values(self) -> dict[str, Any]:
        """The form as typed values; raises :class:`FormError` for the first bad field."""
        values: dict[str, Any] = {}
        for name in _TEXT_FIELDS:
            values[name] = self.query_one(f"#{name}", Input).value.strip()
        if not values["title"]:
            raise FormError("title: say in a few words what is slow")
        for name in _ENUM_FIELDS:
            values[name] = self.query_one(f"#{name}", Select).value
        for name in _SCORE_FIELDS:
            values[name] = _parse_score(name, self.query_one(f"#{name}", Input).value)
        for name in _NUMBER_FIELDS:
            values[name] = _parse_number(name, self.query_one(f"#{name}", Input).value)
        for name in _AREA_FIELDS:
            values[name] = self.query_one(f"#{name}", TextArea).text.strip()
        values["critical"] = self.query_one("#critical", Checkbox).value
        if values["status"] is Status.WAIVED and not values["justification"]:
            raise FormError("justification: a waived item needs a reason")
        values["evidence"] = parse_evidence(self.query_one("#evidence", TextArea).text)
        return values

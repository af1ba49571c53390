"""Pick a status with one key; a waiver asks why before it is accepted."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from workbench.triage.model import Status

#: One mnemonic key per status, shown in the list and pressed to choose.
STATUS_KEYS: dict[str, Status] = {
    "n": Status.NEW,
    "t": Status.TRIAGED,
    "i": Status.IN_PROGRESS,
    "d": Status.DONE,
    "f": Status.DEFERRED,
    "w": Status.WAIVED,
    "r": Status.REJECTED,
}


class StatusDialog(ModalScreen[tuple[Status, str] | None]):
    """Dismisses with (status, justification); justification is "" unless waived."""

    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="status_dialog.cancel", tooltip="Keep the status"),
        *(
            Binding(
                key,
                f"choose('{status.value}')",
                status.label,
                id=f"status_dialog.{status.value}",
                tooltip=f"Set the status to {status.label.lower()}",
            )
            for key, status in STATUS_KEYS.items()
        ),
    ]

    def __init__(self, count: int) -> None:
        super().__init__()
        self.count = count
        """How many items the choice applies to (shown in the heading)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="status-form"):
            noun = "item" if self.count == 1 else f"{self.count} items"
            yield Label(Text(f"Set status of {noun}"))
            yield OptionList(
                *(Option(f"{key}  {status.label}", id=key) for key, status in STATUS_KEYS.items()),
                id="status-options",
            )
            yield Input(placeholder="why is it waived? (enter to confirm)", id="status-why")
            yield Static("", id="status-error", classes="-error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#status-why", Input).display = False
        self.query_one(OptionList).focus()

    def action_choose(self, value: str) -> None:
        """A status key: choose it (the waiver Input takes letters itself when focused)."""
        self._choose(Status(value))

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(STATUS_KEYS[event.option.id or "n"])

    def _choose(self, status: Status) -> None:
        if status is not Status.WAIVED:
            self.dismiss((status, ""))
            return
        why = self.query_one("#status-why", Input)
        why.display = True
        why.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        reason = event.value.strip()
        if not reason:
            self.query_one("#status-error", Static).update("a waiver needs a reason")
            return
        self.dismiss((Status.WAIVED, reason))

    def action_cancel(self) -> None:
        self.dismiss(None)

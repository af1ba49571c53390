"""Pick one of a few answers with one key: ``ChoiceDialog(ModalScreen[str | None])``."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from workbench.paths import styles_dir


@dataclass(frozen=True)
class Choice:
    """One answer: the key that picks it, the value returned, the words shown."""

    key: str
    value: str
    label: str


class ChoiceDialog(ModalScreen[str | None]):
    """Dismisses with the value of the choice picked (its key, or enter), None on escape."""

    CSS_PATH = [styles_dir() / "dialogs.tcss"]
    BINDINGS = [
        Binding("escape", "cancel", "Cancel", id="choice.cancel", tooltip="Choose nothing"),
    ]

    def __init__(self, question: str, choices: list[Choice]) -> None:
        super().__init__()
        self.question = question
        self.choices = choices

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-body"):
            yield Label(Text(self.question), id="dialog-title")
            yield OptionList(
                *(Option(Text(f"{c.key}  {c.label}"), id=c.value) for c in self.choices),
                id="choice-options",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_key(self, event: events.Key) -> None:
        """A choice's key picks it (the choices differ per dialog, so they are not bindings)."""
        for choice in self.choices:
            if event.key == choice.key:
                event.stop()
                self.dismiss(choice.value)
                return

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(event.option.id)

    def action_cancel(self) -> None:
        self.dismiss(None)


#: Live's "send to Compare": which side the snapshot becomes.
ROLE_CHOICES = [Choice("1", "base", "as the baseline"), Choice("2", "branch", "as the branch")]

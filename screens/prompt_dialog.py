"""A one-line question: ``PromptDialog(TextDialog[str | None])``.

Used where a pane needs one typed value (a function key, an item id) and
validates it itself; escape answers None.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from screens.text_dialog import TextDialog
from workbench.paths import styles_dir

#: Returns an error to show, or None when the answer is acceptable.
Validator = Callable[[str], str | None]


class PromptDialog(TextDialog[str | None]):
    """Ask one question; dismiss with the stripped answer once ``validate`` accepts it."""

    CSS_PATH = [styles_dir() / "dialogs.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "cancel", "Cancel", id="prompt.cancel", tooltip="Close without answering"
        ),
    ]

    def __init__(
        self,
        title: str,
        *,
        placeholder: str = "",
        initial: str = "",
        validate: Validator | None = None,
    ) -> None:
        super().__init__()
        self.title_text = title
        self.placeholder = placeholder
        self.initial = initial
        self.validate = validate

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-body"):
            yield Static(Text(self.title_text), id="dialog-title")
            yield Input(value=self.initial, placeholder=self.placeholder, id="dialog-input")
            yield Static("", id="dialog-error", markup=False)
            yield Static("enter: confirm · escape: cancel", id="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        answer = event.value.strip()
        problem = "Type an answer, or press escape." if not answer else None
        if problem is None and self.validate is not None:
            problem = self.validate(answer)
        if problem:
            self.query_one("#dialog-error", Static).update(Text(problem))
        else:
            self.dismiss(answer)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""Reusable modal dialogs: each returns a typed result through ``dismiss``."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from screens.text_dialog import TextDialog
from workbench.paths import styles_dir


class PathDialog(TextDialog[Path | None]):
    """Ask for the path of an existing file; dismiss with it, or None on escape.

    The path is checked before the dialog closes, so the caller gets a file
    that existed a moment ago or nothing — reading it can still fail, and that
    is the caller's error to show.
    """

    CSS_PATH = [styles_dir() / "dialogs.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without choosing"),
    ]

    def __init__(self, title: str, initial: Path | None = None) -> None:
        super().__init__()
        self.title_text = title
        """What the path is for, e.g. 'Baseline profile'."""
        self.initial = initial
        """Pre-filled path (the current one, if any)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-body"):
            yield Static(Text(self.title_text), id="dialog-title")
            yield Input(
                value=str(self.initial) if self.initial else "",
                placeholder="path/to/profile (collapsed, speedscope or pyinstrument JSON)",
                id="dialog-input",
            )
            yield Static("", id="dialog-error", markup=False)
            yield Static("enter: load · escape: cancel", id="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        path = Path(text).expanduser() if text else None
        error = self.query_one("#dialog-error", Static)
        if path is None:
            error.update("Type a path, or press escape.")
        elif not path.is_file():
            error.update(Text(f"No such file: {path}"))
        else:
            self.dismiss(path.resolve())

    def action_cancel(self) -> None:
        self.dismiss(None)

"""The dialog that starts a capture from the Compare pane: revisions, command, repeats."""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from screens.text_dialog import TextDialog
from workbench.capture.runner import CaptureRequest
from workbench.capture.worktrees import cache_root
from workbench.paths import styles_dir

#: (input id, label, placeholder) in the order they are asked.
FIELDS = (
    ("capture-repo", "Repository", "path of the git repository (default: .)"),
    ("capture-base", "Base revision", "e.g. main, v1.2, a sha"),
    ("capture-branch", "Branch revision", "e.g. HEAD, my-branch"),
    ("capture-command", "Command", "e.g. python bench.py --size 1000"),
    ("capture-repeat", "Runs per revision", "6 (4 or more decide on an interval)"),
)


class CaptureDialog(TextDialog[CaptureRequest | None]):
    """Ask what to capture; dismiss with a :class:`CaptureRequest`, or None on escape.

    The profiles go to a new folder under the workbench's cache
    (``captures/YYYYmmdd-HHMMSS``); the pane names it when it is done.
    """

    CSS_PATH = [styles_dir() / "dialogs.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without starting"),
    ]

    def __init__(self, repo: Path | None = None, base: str = "", branch: str = "") -> None:
        super().__init__()
        self.repo = repo
        """Pre-filled repository (the app's, if it has one)."""
        self.prefill = {"capture-base": base, "capture-branch": branch}
        """Pre-filled revisions (a backlog item's commit and its parent)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-body"):
            yield Static("Capture at two revisions", id="dialog-title", markup=False)
            for field_id, label, placeholder in FIELDS:
                yield Static(label, classes="dialog-label", markup=False)
                value = str(self.repo) if field_id == "capture-repo" and self.repo else ""
                value = self.prefill.get(field_id) or value
                if field_id == "capture-repeat":
                    value = "6"
                yield Input(value=value, placeholder=placeholder, id=field_id)
            yield Static("", id="dialog-error", markup=False)
            yield Static("enter: next / start · escape: cancel", id="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """enter moves to the next field; on the last one it starts (as the hint says).

        What is missing or wrong is said in one line, and its field takes the focus.
        """
        event.stop()
        ids = [field_id for field_id, _, _ in FIELDS]
        current = ids.index(event.input.id or ids[-1])
        if current < len(ids) - 1:
            self.query_one(f"#{ids[current + 1]}", Input).focus()
            return
        request, error, field_id = self._request()
        if request is None:
            self.query_one("#dialog-error", Static).update(Text(error))
            self.query_one(f"#{field_id}", Input).focus()
        else:
            self.dismiss(request)

    def _value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def _request(self) -> tuple[CaptureRequest | None, str, str]:
        """The request the fields describe, or None, what to fix and the field to fix it in."""
        repo = Path(self._value("capture-repo") or ".").expanduser()
        if not repo.is_dir():
            return None, f"No such folder: {repo}", "capture-repo"
        base, branch = self._value("capture-base"), self._value("capture-branch")
        if not base or not branch:
            missing = "capture-base" if not base else "capture-branch"
            return None, "Give both revisions.", missing
        try:
            argv = shlex.split(self._value("capture-command"))
        except ValueError as error:
            return None, f"The command does not parse: {error}", "capture-command"
        if not argv:
            return None, "Give the command to run (e.g. python bench.py).", "capture-command"
        repeat = self._value("capture-repeat") or "6"
        if not repeat.isdigit() or not 1 <= int(repeat) <= 1000:
            return None, "Runs per revision: a whole number from 1 to 1000.", "capture-repeat"
        out = cache_root() / "captures" / time.strftime("%Y%m%d-%H%M%S")
        return CaptureRequest(repo, base, branch, argv, out, repeat=int(repeat)), "", ""

    def action_cancel(self) -> None:
        self.dismiss(None)

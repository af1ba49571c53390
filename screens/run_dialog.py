"""``RunDialog``: the form that asks what to run at which revisions (capture, bisect).

Both of the Compare pane's measurements ask for a repository, revisions, a
command and a number of runs; this is the form they share — its fields in
order, ``enter`` moving to the next one and starting on the last, and what is
missing or wrong said in one line with its field focused. A subclass lists
its fields and turns their values into its core request.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import ClassVar, NamedTuple

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Input, Static

from screens.text_dialog import ResultT, TextDialog
from workbench.capture.worktrees import cache_root
from workbench.paths import styles_dir


class Field(NamedTuple):
    """One input of the form."""

    id: str
    label: str
    placeholder: str
    shared: str = ""
    """Key of a value every run dialog asks for (``repo``, ``old``, ``new``, ``command``):
    typed in one, it is pre-filled in the next. '' for this dialog's own."""
    default: str = ""


def new_folder(kind: str) -> Path:
    """A folder under the cache's ``kind/`` that does not exist yet, named for the time
    (``20260101-120000``, then ``-2``, ``-3``…: two short runs can start in one second, and
    the core refuses a folder that is not empty)."""
    stem = cache_root() / kind / time.strftime("%Y%m%d-%H%M%S")
    folder, number = stem, 1
    while folder.exists():
        number += 1
        folder = stem.with_name(f"{stem.name}-{number}")
    return folder


def repo_field(field_id: str) -> Field:
    return Field(field_id, "Repository", "path of the git repository (default: .)", "repo")


def command_field(field_id: str) -> Field:
    return Field(field_id, "Command", "e.g. python bench.py --size 1000", "command")


def runs_field(field_id: str, label: str, default: int) -> Field:
    """Runs per revision: the statistics decide on an interval from 4 a side."""
    return Field(
        field_id, label, f"{default} (4 or more decide on an interval)", default=f"{default}"
    )


class FieldError(ValueError):
    """What to fix (the message) and in which field (``field_id``)."""

    def __init__(self, field_id: str, message: str) -> None:
        super().__init__(message)
        self.field_id = field_id


class RunDialog(TextDialog[ResultT | None]):
    """Ask for :attr:`FIELDS`; dismiss with :meth:`request`'s answer, or None on escape."""

    CSS_PATH = [styles_dir() / "dialogs.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="dialog.cancel", tooltip="Close without starting"),
    ]
    HEADING: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[Field, ...]] = ()
    """The fields in the order they are asked."""

    def __init__(self, typed: dict[str, str], prefill: dict[str, str] | None = None) -> None:
        super().__init__()
        self.typed = typed
        """The shared values (see :attr:`Field.shared`) typed last, updated when this one
        starts: the pane keeps the dict, so the next dialog starts from them."""
        self.prefill = prefill or {}
        """Values by field id that win over the shared ones (another pane's revisions)."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog-body"):
            yield Static(self.HEADING, id="dialog-title", markup=False)
            for field in self.FIELDS:
                value = self.prefill.get(field.id) or self.typed.get(field.shared) or field.default
                yield Static(field.label, classes="dialog-label", markup=False)
                yield Input(value, field.placeholder, id=field.id)
            yield Static("", id="dialog-error", markup=False)
            yield Static("enter: next / start · escape: cancel", id="dialog-hint", markup=False)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """enter moves to the next field; on the last one it starts (as the hint says).

        What is missing or wrong is said in one line, and its field takes the focus.
        """
        event.stop()
        ids = [field.id for field in self.FIELDS]
        current = ids.index(event.input.id or ids[-1])
        if current < len(ids) - 1:
            self.query_one(f"#{ids[current + 1]}", Input).focus()
            return
        try:
            request = self.request()
        except FieldError as error:
            self.query_one("#dialog-error", Static).update(Text(str(error)))
            self.query_one(f"#{error.field_id}", Input).focus()
        else:
            self.typed.update({f.shared: self.value(f.id) for f in self.FIELDS if f.shared})
            self.dismiss(request)

    def request(self) -> ResultT:
        """The core request the fields describe; :class:`FieldError` for the first bad one."""
        raise NotImplementedError

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def repo(self, field_id: str) -> Path:
        """The repository folder typed (``.`` when empty)."""
        repo = Path(self.value(field_id) or ".").expanduser()
        if not repo.is_dir():
            raise FieldError(field_id, f"No such folder: {repo}")
        return repo

    def revisions(self, *field_ids: str) -> list[str]:
        """The revisions typed, every one required."""
        for field_id in field_ids:
            if not self.value(field_id):
                raise FieldError(field_id, "Give both revisions.")
        return [self.value(field_id) for field_id in field_ids]

    def command(self, field_id: str) -> list[str]:
        """The command typed, split as a shell would."""
        try:
            argv = shlex.split(self.value(field_id))
        except ValueError as error:
            raise FieldError(field_id, f"The command does not parse: {error}") from None
        if not argv:
            raise FieldError(field_id, "Give the command to run (e.g. python bench.py).")
        return argv

    def count(self, field_id: str, label: str, default: int) -> int:
        """A whole number from 1 to 1000 (``default`` when empty)."""
        text = self.value(field_id) or str(default)
        if not text.isdigit() or not 1 <= int(text) <= 1000:
            raise FieldError(field_id, f"{label}: a whole number from 1 to 1000.")
        return int(text)

    def action_cancel(self) -> None:
        self.dismiss(None)

"""Pick a Python process to attach to: a filtered, refreshing list.

Shown by the Live pane when it was opened with no PID and no command. The
list comes from :func:`~workbench.sampling.processes.list_python_processes`
(about 0.1 s, so it runs in a thread worker) and refreshes every couple of
seconds; typing filters it by PID or command line; enter attaches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import Input, Label
from textual.worker import get_current_worker

from screens.widgets.keyed_table import KeyedTable
from screens.widgets.sparklines import format_bytes
from workbench.sampling.processes import ProcessInfo, list_python_processes

#: Seconds between two looks at the process list.
REFRESH_SECONDS = 2.0
COLUMNS = (
    ("pid", "PID", 8),
    ("cpu", "CPU %", 6),
    ("rss", "RSS", 10),
    ("threads", "threads", 7),
    ("command", "command", None),
)


@dataclass
class ProcessesListed(Message):
    """A fresh list of Python processes, from the worker."""

    processes: list[ProcessInfo]


def matches(info: ProcessInfo, text: str) -> bool:
    """Whether ``text`` occurs in the PID or (case-insensitively) the command line."""
    needle = text.strip().casefold()
    return not needle or needle in str(info.pid) or needle in info.command.casefold()


class ProcessPickerDialog(ModalScreen[int | None]):
    """Returns the chosen PID, or None when dismissed."""

    DEFAULT_CSS = """
    ProcessPickerDialog {
        align: center middle;
        & > #picker {
            width: 90%;
            height: 80%;
            border: thick $accent;
            background: $surface;
            padding: 0 1;
        }
        & #picker-table { height: 1fr; }
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "escape", "dismiss_picker", "Cancel", id="picker.cancel", tooltip="Attach to nothing"
        ),
        Binding("down", "move(1)", "Next", show=False, id="picker.down", tooltip="Next process"),
        Binding(
            "up", "move(-1)", "Previous", show=False, id="picker.up", tooltip="Previous process"
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self._processes: list[ProcessInfo] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Label("Attach to a Python process — type to filter, enter to attach")
            yield Input(placeholder="filter by PID or command", id="picker-filter")
            yield KeyedTable(COLUMNS, id="picker-table")
            yield Label(Text("Looking for Python processes…"), id="picker-status")

    def on_mount(self) -> None:
        self.list_processes()
        self.set_interval(REFRESH_SECONDS, self.list_processes)

    @work(thread=True, exclusive=True, group="picker")
    def list_processes(self) -> None:
        """Ask psutil for Python processes (blocks ~0.1 s) and post the list."""
        processes = list_python_processes()
        if not get_current_worker().is_cancelled:
            self.post_message(ProcessesListed(processes))

    def on_processes_listed(self, message: ProcessesListed) -> None:
        self._processes = message.processes
        self._show()

    @on(Input.Changed, "#picker-filter")
    def _filter_changed(self, _event: Input.Changed) -> None:
        self._show()

    def _show(self) -> None:
        text = self.query_one("#picker-filter", Input).value
        shown = [info for info in self._processes if matches(info, text)]
        self.query_one(KeyedTable).show(
            [
                (
                    str(info.pid),
                    (
                        Text(str(info.pid), justify="right"),
                        Text(f"{info.cpu_percent:.0f}", justify="right"),
                        Text(format_bytes(info.rss_bytes), justify="right"),
                        Text(str(info.threads), justify="right"),
                        Text(info.command),
                    ),
                )
                for info in shown
            ]
        )
        status = f"{len(shown)} of {len(self._processes)} Python processes"
        if not self._processes:
            status = "No Python process found (is it running as another user?)"
        self.query_one("#picker-status", Label).update(Text(status))

    def action_move(self, step: int) -> None:
        table = self.query_one(KeyedTable)
        table.move_cursor(row=max(0, table.cursor_row + step))

    def action_dismiss_picker(self) -> None:
        self.dismiss(None)

    @on(Input.Submitted, "#picker-filter")
    @on(KeyedTable.RowSelected, "#picker-table")
    def _choose(self, _event: Message) -> None:
        key = self.query_one(KeyedTable).selected_key
        if key is not None:
            self.dismiss(int(key))

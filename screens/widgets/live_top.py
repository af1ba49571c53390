"""The Live pane's top table: hottest functions of the view, with a trend mark.

Cells are ``Text`` (function names and paths come from the target and are
never markup). The trend column compares each function's self share with
the previous window (▲ grew, ▼ shrank, = steady, + new; blank until there
is a previous window). The ``own`` column is the function's own weight: CPU
seconds in the CPU view (``1.23s``), samples in the others.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from screens.live_stats import FunctionRow
from screens.widgets.live_table import LiveTable

#: Numbers first, the file last: on a narrow terminal only the file gets cut.
COLUMNS = (
    ("trend", " ", 1),
    ("self", "self %", 6),
    ("total", "total %", 7),
    ("samples", "own", 7),
    ("function", "function", None),
    ("file", "file", None),
)
#: Rich style of each trend mark: red grew, blue shrank (the Compare icicle's colours).
TREND_STYLES = {"▲": "bold red", "▼": "bold blue", "=": "dim", "+": "bold yellow", " ": ""}


class TopTable(LiveTable):
    """The top N functions; its row keys are function keys (``path:qualname``)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)

    def show_rows(
        self, rows: Sequence[FunctionRow], marks: Mapping[str, str], unit: str = "samples"
    ) -> None:
        """Redraw ``rows``; ``marks`` maps function keys to their trend mark; ``unit``
        is what the weights count (``CPU s`` or ``samples``)."""
        seconds = unit != "samples"
        self.show([(row.key, self._cells(row, marks.get(row.key, " "), seconds)) for row in rows])

    @staticmethod
    def _cells(row: FunctionRow, mark: str, seconds: bool) -> tuple[Text, ...]:
        own = f"{row.self_samples:.2f}s" if seconds else f"{row.self_samples:.0f}"
        return (
            Text(mark, style=TREND_STYLES[mark]),
            Text(f"{row.self_pct:.1f}", justify="right"),
            Text(f"{row.total_pct:.1f}", justify="right"),
            Text(own, justify="right"),
            Text(row.function),
            Text(row.file, style="dim"),
        )

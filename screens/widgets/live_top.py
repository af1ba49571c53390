"""The Live pane's top table: hottest functions of the view, with a trend mark.

Cells are ``Text`` (function names and paths come from the target and are
never markup). The trend column compares each function's self share with
the previous window (▲ grew, ▼ shrank, = steady, + new; blank until there
is a previous window). The samples column counts the function's own samples.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.text import Text

from screens.live_stats import FunctionRow
from screens.widgets.keyed_table import KeyedTable

#: Numbers first, the file last: on a narrow terminal only the file gets cut.
COLUMNS = (
    ("trend", " ", 1),
    ("self", "self %", 6),
    ("total", "total %", 7),
    ("samples", "samples", 7),
    ("function", "function", None),
    ("file", "file", None),
)
#: Rich style of each trend mark: red grew, blue shrank (the Compare icicle's colours).
TREND_STYLES = {"▲": "bold red", "▼": "bold blue", "=": "dim", "+": "bold yellow", " ": ""}


class TopTable(KeyedTable):
    """The top N functions; its row keys are function keys (``path:qualname``)."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)

    def show_rows(self, rows: Sequence[FunctionRow], marks: Mapping[str, str]) -> None:
        """Redraw ``rows``; ``marks`` maps function keys to their trend mark."""
        self.show([(row.key, self._cells(row, marks.get(row.key, " "))) for row in rows])

    @staticmethod
    def _cells(row: FunctionRow, mark: str) -> tuple[Text, ...]:
        return (
            Text(mark, style=TREND_STYLES[mark]),
            Text(f"{row.self_pct:.1f}", justify="right"),
            Text(f"{row.total_pct:.1f}", justify="right"),
            Text(f"{row.self_samples:.0f}", justify="right"),
            Text(row.function),
            Text(row.file, style="dim"),
        )

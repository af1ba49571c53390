"""The DataTable every pane uses: arrow keys plus the vim motions of the Backlog pane.

A keyboard-driven tool should move the same way in every list: ``j``/``k``
for the next and previous row, ``g``/``G`` for the first and last, as in the
Backlog pane (and taskwarrior-tui, htop's vi mode). The keys are left out of
the footer (they are motions, not actions) and listed in each pane's help.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.cells import cell_len
from rich.text import Text
from textual.binding import BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import CellType

from screens.keys import bind


class Table(DataTable[CellType]):
    """A DataTable with ``j``/``k``/``g``/``G`` beside the arrow and Home/End keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("table", "down", "cursor_down", "Next row", "Next row", show=False),
        bind("table", "up", "cursor_up", "Previous row", "Previous row", show=False),
        bind("table", "top", "scroll_top", "First row", "First row", show=False),
        bind("table", "bottom", "scroll_bottom", "Last row", "Last row", show=False),
        bind("table", "page_down", "page_down", "Page down", "A screen down", show=False),
        bind("table", "page_up", "page_up", "Page up", "A screen up", show=False),
    ]

    def fill(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[Text]],
        keys: Sequence[str] | None = None,
    ) -> None:
        """Replace columns and rows, each column as wide as its widest cell.

        Measured here: DataTable's own auto width is applied on idle without a
        repaint, and a table filled after mounting kept its header-wide columns
        (``2026 5ed Carol`` for a date, a sha and an author).
        """
        self.clear(columns=True)
        for index, header in enumerate(headers):
            width = max([cell_len(header), *(row[index].cell_len for row in rows)])
            self.add_column(Text(header), key=header, width=width)
        for index, row in enumerate(rows):
            self.add_row(*row, key=keys[index] if keys is not None else None)

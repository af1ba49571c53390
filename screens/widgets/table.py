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

from screens.keys import motions


class Table(DataTable[CellType]):
    """A DataTable with ``j``/``k``/``g``/``G`` beside the arrow and Home/End keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *motions(
            "table",
            down="cursor_down",
            up="cursor_up",
            top="scroll_top",
            bottom="scroll_bottom",
            page_down="page_down",
            page_up="page_up",
        )
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

"""The DataTable every pane uses: arrow keys plus the vim motions of the Backlog pane.

A keyboard-driven tool should move the same way in every list: ``j``/``k``
for the next and previous row, ``g``/``G`` for the first and last, as in the
Backlog pane (and taskwarrior-tui, htop's vi mode). The keys are left out of
the footer (they are motions, not actions) and listed in each pane's help.
"""

from __future__ import annotations

from typing import ClassVar

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

"""The DataTable every pane uses: arrow keys plus the vim motions of the Backlog pane.

A keyboard-driven tool should move the same way in every list: ``j``/``k``
for the next and previous row, ``g``/``G`` for the first and last, as in the
Backlog pane (and taskwarrior-tui, htop's vi mode). The keys are left out of
the footer (they are motions, not actions) and listed in each pane's help.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.widgets import DataTable
from textual.widgets.data_table import CellType


class Table(DataTable[CellType]):
    """A DataTable with ``j``/``k``/``g``/``G`` beside the arrow and Home/End keys."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j", "cursor_down", "Next row", show=False),
        Binding("k", "cursor_up", "Previous row", show=False),
        Binding("g", "scroll_top", "First row", show=False),
        Binding("G", "scroll_bottom", "Last row", show=False),
    ]

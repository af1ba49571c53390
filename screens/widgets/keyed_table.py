"""A DataTable that a live view redraws by key, touching only what changed.

Live tables (top functions, threads, processes) are redrawn several times a
second. Clearing and re-adding every row each time would re-measure every
cell and lose the cursor; instead :meth:`KeyedTable.show` updates changed
cells in place when the row order is unchanged, and rebuilds (keeping the
cursor on the same key) only when rows came, went or moved.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from screens.widgets.table import Table

Row = tuple[str, Sequence[Text]]
"""A row key and its cells, one ``Text`` per column (never markup strings)."""
Column = tuple[str, str, int | None]
"""A column's key, label and fixed width (None: as wide as its widest cell).

Give number columns a fixed width: a cell updated in place then never makes
the table re-measure its columns and the screen lay itself out again.
"""


class KeyedTable(Table[Text]):
    """DataTable with a ``show(rows)`` that diffs against what is on screen."""

    def __init__(self, columns: Sequence[Column], **kwargs: object) -> None:
        """``columns`` in display order."""
        kwargs.setdefault("cursor_type", "row")
        kwargs.setdefault("zebra_stripes", True)
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._column_specs = tuple(columns)
        self._shown: list[Row] = []

    def on_mount(self) -> None:
        for key, label, width in self._column_specs:
            self.add_column(Text(label), key=key, width=width)

    @property
    def row_keys(self) -> list[str]:
        """Keys of the rows on screen, top to bottom."""
        return [key for key, _ in self._shown]

    @property
    def selected_key(self) -> str | None:
        """Key of the row under the cursor, None when the table is empty."""
        if not self._shown:
            return None
        return self._shown[min(self.cursor_row, len(self._shown) - 1)][0]

    def column_text(self, column: str) -> list[str]:
        """Plain text of column ``column``, top to bottom (what the user reads)."""
        index = [key for key, _, _ in self._column_specs].index(column)
        return [cells[index].plain for _, cells in self._shown]

    def show(self, rows: Sequence[Row]) -> None:
        """Make the table show ``rows``, updating as little as possible."""
        rows = list(rows)
        if [key for key, _ in rows] == self.row_keys:
            for (key, cells), (_, old) in zip(rows, self._shown, strict=True):
                for (column, _, width), cell, before in zip(
                    self._column_specs, cells, old, strict=True
                ):
                    if cell != before:
                        self.update_cell(key, column, cell, update_width=width is None)
        else:
            selected = self.selected_key
            self.clear()
            for key, cells in rows:
                self.add_row(*cells, key=key)
            keys = [key for key, _ in rows]
            if selected in keys:
                self.move_cursor(row=keys.index(selected), animate=False)
        self._shown = rows

"""A table for live views, drawn through the line API: a refresh repaints changed rows only.

Textual's ``DataTable`` re-renders every visible row after any cell update
(its line cache is keyed by an update counter), which made the Live pane's
two tables the largest part of its drawing cost: about 2% of a core at a
refresh a second. :class:`LiveTable` keeps one rendered :class:`Strip` per
row, and :meth:`LiveTable.show` compares the new rows with what is on
screen: when the order is the same it repaints the lines whose cells
changed, and only a change of order repaints the table. Column widths only
grow while rows come and go (a header that jumps each second is hard to
read); number columns have fixed widths.

Moves like every table of the workbench: arrows and ``j``/``k``, ``g``/``G``
and Home/End, PgUp/PgDn; ``enter`` or a click on the selected row posts
:class:`LiveTable.RowSelected`. Cells are single-style ``Text`` drawn as plain
segments: untrusted names are never markup, and control characters are shown
as the rest of the workbench shows them (``workbench.output.plain``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import BindingType
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from screens.keys import bind, motions
from workbench.output import plain

Row = tuple[str, Sequence[Text]]
"""A row key and its cells, one ``Text`` per column."""
Column = tuple[str, str, int | None]
"""A column's key, label and fixed width (None: as wide as its widest cell so far)."""
_SPACE = Segment(" ")


class LiveTable(ScrollView, can_focus=True):
    """Rows by key, a pinned header, a cursor; see the module docstring."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "live-table--header",
        "live-table--cursor",
        "live-table--odd",
    }
    DEFAULT_CSS = """
    LiveTable { height: auto; max-height: 100%; }
    LiveTable > .live-table--header { text-style: bold; background: $panel; }
    LiveTable > .live-table--odd { background: $surface-lighten-1 30%; }
    LiveTable > .live-table--cursor { background: $block-cursor-blurred-background; }
    LiveTable:focus > .live-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    """
    BINDINGS: ClassVar[list[BindingType]] = [
        *motions(
            "table",
            down="cursor_down",
            up="cursor_up",
            top="first",
            bottom="last",
            page_down="page_down",
            page_up="page_up",
        ),
        bind("table", "select", "select", "Select", "Select the row", show=False),
    ]

    @dataclass
    class RowSelected(Message):
        """``enter`` (or a click) on a row."""

        table: LiveTable
        row_key: str

        @property
        def control(self) -> LiveTable:
            return self.table

    def __init__(self, columns: Sequence[Column], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._columns = tuple(columns)
        self._rows: list[Row] = []
        self._widths = [width or cell_len(label) for _, label, width in self._columns]
        """Column widths in cells: fixed ones as given, free ones as wide as needed so far."""
        self._strips: dict[str, Strip] = {}
        """Rendered rows by key, without the row's background (cursor, zebra)."""
        self.cursor_row = 0
        self._title: Text | None = None

    def show_title(self, title: Text) -> None:
        """Set the border title, repainting the top border line only.

        Assigning ``border_title`` repaints the whole widget (Textual's setter
        refreshes it all), so a title whose numbers change every second
        re-rendered every row each second. This stores the title as that
        setter does and marks only the border line dirty. ``Text`` only: a
        title may hold untrusted names and is never parsed as markup.
        """
        if title == self._title:
            return
        self._title = title
        rendered = self.render_str(Content.from_rich_text(title)).expand_tabs(4)
        self._border_title = rendered.split()[0]  # what the setter stores, read by the renderer
        left, top = self.content_offset
        self.refresh(Region(-left, -top, self.outer_size.width, 1))

    # -- what is shown ---------------------------------------------------------
    @property
    def row_keys(self) -> list[str]:
        """Keys of the rows, top to bottom."""
        return [key for key, _ in self._rows]

    @property
    def selected_key(self) -> str | None:
        """Key of the row under the cursor, None when the table is empty."""
        return self._rows[self.cursor_row][0] if self._rows else None

    def column_text(self, column: str) -> list[str]:
        """Plain text of column ``column``, top to bottom (what the user reads)."""
        index = [key for key, _, _ in self._columns].index(column)
        return [cells[index].plain for _, cells in self._rows]

    def show(self, rows: Sequence[Row]) -> None:
        """Show ``rows``, repainting only the lines whose content changed.

        Compared line by line: a row that moved repaints the lines it left and
        reached, not the whole table. The cursor stays on its row's key.
        """
        rows = list(rows)
        old, old_cursor = self._rows, self.cursor_row
        selected = self.selected_key
        before = {key: list(cells) for key, cells in old}
        for key, cells in rows:
            if before.get(key) != list(cells):
                self._strips.pop(key, None)
        self._rows = rows
        keys = self.row_keys
        for gone in set(self._strips) - set(keys):
            del self._strips[gone]
        cursor = keys.index(selected) if selected in keys else 0
        self.cursor_row = min(cursor, max(0, len(rows) - 1))
        if self._grow_widths(rows) or len(rows) != len(old):
            self._strips.clear()
            self.virtual_size = Size(self._line_width(), len(rows) + 1)
            self.refresh()
            return
        changed = {
            index
            for index, (new, was) in enumerate(zip(rows, old, strict=True))
            if new[0] != was[0] or list(new[1]) != list(was[1])
        }
        if self.cursor_row != old_cursor:
            changed |= {old_cursor, self.cursor_row}
        for first, last in _runs(sorted(changed)):
            self._refresh_rows(first, last)

    def _grow_widths(self, rows: Sequence[Row]) -> bool:
        """Widen the free columns to their widest cell; True when one grew."""
        grew = False
        for index, (_, _, fixed) in enumerate(self._columns):
            if fixed is not None:
                continue
            widest = max((cell_len(plain(cells[index].plain)) for _, cells in rows), default=0)
            if widest > self._widths[index]:
                self._widths[index], grew = widest, True
        return grew

    def _line_width(self) -> int:
        return sum(self._widths) + len(self._widths) + 1

    # -- drawing -----------------------------------------------------------------
    def on_resize(self) -> None:
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        if y == 0:
            style = self.get_component_rich_style("live-table--header")
            header = [Text(label) for _, label, _ in self._columns]
            return self._strip(header).apply_style(style).crop_extend(0, width, style)
        index = self.scroll_offset.y + y - 1
        if index >= len(self._rows):
            return Strip.blank(width, self.rich_style)
        key, cells = self._rows[index]
        strip = self._strips.get(key)
        if strip is None:
            strip = self._strips[key] = self._strip(cells)
        if index == self.cursor_row:
            style = self.rich_style + self.get_component_rich_style("live-table--cursor")
        elif index % 2:
            style = self.rich_style + self.get_component_rich_style("live-table--odd")
        else:
            style = self.rich_style
        return strip.apply_style(style).crop_extend(0, width, style)

    def _strip(self, cells: Sequence[Text]) -> Strip:
        """One row: each cell fitted to its column (an ellipsis where cut), a space apart.

        Segments are built straight from each cell's text and style (cells here
        are single-style ``Text``), skipping Rich's general text rendering.
        """
        segments = [_SPACE]
        for cell, width in zip(cells, self._widths, strict=True):
            text = plain(cell.plain)
            if cell_len(text) > width:
                text = set_cell_size(text, max(width - 1, 0)) + "…" if width > 0 else ""
            pad = " " * (width - cell_len(text))
            text = pad + text if cell.justify == "right" else text + pad
            style = cell.style if isinstance(cell.style, Style) else Style.parse(cell.style or "")
            segments += [Segment(text, style or None), _SPACE]
        return Strip(segments, sum(self._widths) + len(self._widths) + 1)

    def _refresh_row(self, index: int) -> None:
        self._refresh_rows(index, index)

    def _refresh_rows(self, first: int, last: int) -> None:
        """Repaint rows ``first`` to ``last`` (indices), those of them on screen."""
        top = max(1, first - self.scroll_offset.y + 1)
        bottom = min(self.size.height - 1, last - self.scroll_offset.y + 1)
        if top <= bottom:
            self.refresh(Region(0, top, self.size.width, bottom - top + 1))

    # -- moving --------------------------------------------------------------------
    def move_cursor(self, row: int) -> None:
        """Put the cursor on ``row`` (clamped), scrolling it into view."""
        if not self._rows:
            return
        row = max(0, min(row, len(self._rows) - 1))
        old, self.cursor_row = self.cursor_row, row
        self._refresh_row(old)
        self._refresh_row(row)
        visible = max(1, self.size.height - 1)
        top = self.scroll_offset.y
        if row < top:
            self.scroll_to(y=row, animate=False)
        elif row >= top + visible:
            self.scroll_to(y=row - visible + 1, animate=False)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor_row - 1)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor_row + 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(len(self._rows) - 1)

    def action_page_up(self) -> None:
        self.move_cursor(self.cursor_row - max(1, self.size.height - 2))

    def action_page_down(self) -> None:
        self.move_cursor(self.cursor_row + max(1, self.size.height - 2))

    def action_select(self) -> None:
        if self.selected_key is not None:
            self.post_message(self.RowSelected(self, self.selected_key))

    def on_click(self, event: events.Click) -> None:
        row = self.scroll_offset.y + event.y - 1
        if event.y < 1 or row >= len(self._rows):
            return
        if row == self.cursor_row:
            self.action_select()
        else:
            self.move_cursor(row)


def _runs(indices: list[int]) -> list[tuple[int, int]]:
    """Sorted indices as (first, last) runs of consecutive numbers: one repaint each."""
    runs: list[tuple[int, int]] = []
    for index in indices:
        if runs and runs[-1][1] == index - 1:
            runs[-1] = (runs[-1][0], index)
        else:
            runs.append((index, index))
    return runs

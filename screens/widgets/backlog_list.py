"""A backlog list drawn line by line from a window of rows paged out of SQLite.

A backlog can hold 100,000 items; a ``DataTable`` would measure every cell
before its first paint. This widget only knows the total count and one window
of loaded rows around what is visible. When the viewport needs rows it does
not hold it posts :class:`BacklogList.PageWanted`; the owning screen fetches
that page in a thread worker and hands it back with :meth:`BacklogList.set_page`.
Rows not loaded yet draw as a muted placeholder instead of blocking.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from workbench.output import plain
from workbench.triage.model import Item

#: Rows fetched beyond the viewport on each side, so short scrolls need no fetch.
PAGE_MARGIN = 40
#: Drawn rows kept per list (a few screens' worth; cleared when full).
_LINE_CACHE = 512

_STATUS_MARKS = {
    "new": "·",
    "triaged": "○",
    "in_progress": "◐",
    "done": "●",
    "deferred": "↷",
    "waived": "≈",
    "rejected": "✗",
}


def row_text(item: Item, *, marked: bool, compact: bool) -> Text:
    """One item as a plain ``Text`` line: user text is appended, never parsed as markup,
    with control and bidi characters shown as escapes (:func:`~workbench.output.plain`)."""
    text = Text(no_wrap=True, overflow="ellipsis", end="")
    text.append("● " if marked else "  ", style="bold")
    text.append(f"#{item.id:<6}", style="dim")
    text.append(f"I{item.impact} E{item.effort} ")
    text.append(f"{_STATUS_MARKS.get(item.status.value, '?')} ")
    if not compact:
        text.append(f"{item.action:<14}")
        text.append(f"{item.status.label:<12}")
        text.append(f"{item.taxonomy.label:<11}")
        text.append(f"{plain(item.owner)[:12]:<13}", style="italic")
    text.append(plain(item.title))
    if compact and item.owner:
        text.append(f"  @{plain(item.owner)}", style="dim italic")
    return text


def _versions(rows: list[Item]) -> list[tuple[int | None, int]]:
    return [(item.id, item.version) for item in rows]


def header_text() -> Text:
    """Column titles for the wide layout, aligned with :func:`row_text`."""
    return Text(
        "  " + f"{'id':<7}{'I  E':<6}  {'action':<14}{'status':<12}{'taxonomy':<11}"
        f"{'owner':<13}title",
        no_wrap=True,
        end="",
    )


class BacklogList(ScrollView, can_focus=False):
    """Items of one filter; the cursor row is the selection the screen acts on.

    Not focusable: the screen owns the keys and says which list is current
    (class ``-current``). Moving between quadrants then restyles two panels
    instead of moving focus, which would rebuild the footer on every move.
    The scrollbar is always there, so a count going to or from zero does not
    re-lay out the screen.
    """

    COMPONENT_CLASSES = {
        "backlog-list--cursor",
        "backlog-list--marked",
        "backlog-list--placeholder",
    }

    DEFAULT_CSS = """
    BacklogList {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;
    }
    """

    cursor: reactive[int] = reactive(0, always_update=True)
    """Index of the selected row within the whole filtered list (not the window)."""

    @dataclass
    class PageWanted(Message):
        """The viewport shows rows ``offset``.. that are not loaded; fetch ``limit`` rows."""

        backlog_list: BacklogList
        offset: int
        limit: int

        @property
        def control(self) -> BacklogList:
            return self.backlog_list

    @dataclass
    class Highlighted(Message):
        """The cursor rests on ``item`` (None: the list is empty or the row not loaded)."""

        backlog_list: BacklogList
        item: Item | None

        @property
        def control(self) -> BacklogList:
            return self.backlog_list

    @dataclass
    class Clicked(Message):
        """A row was clicked: the screen makes this list current."""

        backlog_list: BacklogList

        @property
        def control(self) -> BacklogList:
            return self.backlog_list

    def __init__(self, *, compact: bool = False, id: str | None = None) -> None:
        super().__init__(id=id)
        self.compact = compact
        """Quadrant panels drop the action/status/taxonomy columns."""
        self.total = 0
        """How many items the filter selects, as last counted."""
        self.marked: frozenset[int] = frozenset()
        """Ids drawn with a mark; owned by the screen, shared by every list."""
        self._offset = 0
        self._rows: list[Item] = []
        self._requested: tuple[int, int] | None = None
        self._follow: int | None = None
        self._stale = False
        """Reset while hidden: rows must be fetched when it is shown again."""
        self._base_style = Style()
        self._lines: dict[tuple[object, ...], Strip] = {}
        """Drawn rows by (id, version, mark, highlight, width, style): a repaint after a
        reload or a cursor move draws mostly rows it drew before."""
        """The widget's style for the paint in progress (see :meth:`render_lines`)."""
        self._empty_message = "no items"

    # -- data in ---------------------------------------------------------
    def reset(self, total: int, *, empty_message: str = "no items", fetch: bool = True) -> None:
        """A new count for this list: ask again for what is visible (``fetch``), or, for a
        list not on screen, only remember that its rows are stale (:meth:`refetch`).

        The old window stays drawn until the new page arrives, so a reload does
        not flash placeholders.
        """
        changed = total != self.total or empty_message != self._empty_message
        self.total = total
        self._empty_message = empty_message
        self._requested = None
        if not total:
            self._rows = []
        self._set_rows(total)
        if self.cursor >= total:
            self.cursor = max(0, total - 1)
        self._stale = True
        if fetch and total:
            # The page that follows repaints, and only if its rows differ: one paint
            # per reload instead of two.
            self._want_visible(stale=True)
        elif changed:
            self.refresh()

    def refetch(self) -> None:
        """The list came on screen: fetch its rows if a reset happened while hidden."""
        if self._stale:
            self._want_visible(stale=True)

    def _set_rows(self, total: int) -> None:
        """Make ``total`` rows scrollable without a layout of the whole screen.

        ``virtual_size`` is a layout reactive: setting it re-lays out and redraws
        every widget, the largest cost of a reload. Only the scrollbar depends on
        it, and updating the scrollbar directly still triggers a layout when the
        scrollbar appears or goes (its visibility is itself a layout reactive).
        """
        size = Size(self.size.width, total)
        if size != self.virtual_size:
            self.set_reactive(BacklogList.virtual_size, size)
            self._scroll_update(size)

    def set_page(self, offset: int, rows: list[Item]) -> None:
        """Rows fetched for ``offset``: they become the window drawn from now on.

        After a write usually one or two of the lists really changed; a list
        whose rows came back the same (ids and versions) is not redrawn.
        """
        same = offset == self._offset and _versions(rows) == _versions(self._rows)
        self._offset, self._rows = offset, rows
        self._requested = None
        self._stale = False
        if self._follow is not None:
            for index, item in enumerate(rows):
                if item.id == self._follow:
                    self._follow = None
                    self.cursor = offset + index
                    break
        if not same:
            self.refresh()
        self.post_message(self.Highlighted(self, self.selected))

    def follow(self, item_id: int) -> None:
        """Put the cursor on ``item_id`` when it shows up in a loaded page."""
        self._follow = item_id

    def set_marked(self, marked: frozenset[int]) -> None:
        self.marked = marked
        self.refresh()

    # -- data out --------------------------------------------------------
    @property
    def selected(self) -> Item | None:
        """The item under the cursor, if its row is loaded."""
        return self.row(self.cursor)

    def row(self, index: int) -> Item | None:
        local = index - self._offset
        return self._rows[local] if 0 <= local < len(self._rows) else None

    @property
    def loaded(self) -> list[Item]:
        """The window of rows currently held (for tests and for acting on the view)."""
        return list(self._rows)

    @property
    def visible_items(self) -> list[Item]:
        """The loaded items inside the viewport, top to bottom."""
        top = round(self.scroll_offset.y)
        rows = (self.row(index) for index in range(top, min(self.total, top + self.size.height)))
        return [item for item in rows if item is not None]

    # -- cursor ----------------------------------------------------------
    def watch_cursor(self, old: int, cursor: int) -> None:
        """Follow the cursor; without a scroll only its old and new lines are redrawn
        (a scroll repaints the list by itself)."""
        top = self.scroll_offset.y
        self.scroll_to_region(Region(0, cursor, 1, 1), animate=False, force=True)
        if self.scroll_offset.y == top:
            self.refresh_rows(old, cursor)
        self._want_visible()
        self.post_message(self.Highlighted(self, self.selected))

    def refresh_rows(self, *indexes: int) -> None:
        """Redraw the lines of these rows, where they are on screen."""
        top, width = round(self.scroll_offset.y), self.size.width
        self.refresh(*(Region(0, index - top, width, 1) for index in set(indexes)))

    def move_cursor(self, delta: int) -> None:
        """Move the cursor by ``delta`` rows, clamped to the list."""
        if self.total:
            self.cursor = max(0, min(self.total - 1, self.cursor + delta))

    def move_page(self, pages: int) -> None:
        """Move the cursor by ``pages`` screens of rows."""
        self.move_cursor(pages * max(1, self.size.height - 1))

    # -- paging ----------------------------------------------------------
    def on_resize(self) -> None:
        self._set_rows(self.total)
        self._want_visible()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._want_visible()

    def window(self, around: int | None = None) -> tuple[int, int]:
        """(offset, limit) of the rows to load: the viewport plus a margin each side, or,
        ``around`` a row the cursor is about to jump to, wherever the jump scrolls."""
        height = max(self.size.height, 1)
        if around is None:
            top = round(self.scroll_offset.y)
            offset = max(0, top - PAGE_MARGIN)
            return offset, top + height - offset + PAGE_MARGIN
        offset = max(0, around - height - PAGE_MARGIN)
        return offset, around + height + PAGE_MARGIN - offset

    def _want_visible(self, *, stale: bool = False) -> None:
        """Ask for a page when a visible row is outside the loaded window (or it is ``stale``)."""
        if not self.is_mounted or not self.total:
            return
        top = round(self.scroll_offset.y)
        bottom = min(self.total, top + max(self.size.height, 1))
        window_end = self._offset + len(self._rows)
        if not stale and self._rows and self._offset <= top and bottom <= window_end:
            return
        offset = max(0, top - PAGE_MARGIN)
        limit = bottom - offset + PAGE_MARGIN
        if self._requested == (offset, limit):
            return
        self._requested = (offset, limit)
        self.post_message(self.PageWanted(self, offset, limit))

    # -- drawing ---------------------------------------------------------
    def render_lines(self, crop: Region) -> list[Strip]:
        """Look the base style up once per paint, not per line: ``rich_style`` walks every
        ancestor for the background, and a paint draws dozens of lines."""
        self._base_style = self.rich_style
        return super().render_lines(crop)

    def render_line(self, y: int) -> Strip:
        index = round(self.scroll_offset.y) + y
        width = self.size.width
        base = self._base_style
        if index >= self.total:
            if index == 0:
                return self._strip(
                    Text(f"  {self._empty_message}", end=""), "placeholder", base, width
                )
            return Strip.blank(width, base)
        item = self.row(index)
        if item is None:
            return self._strip(Text("  …", end=""), "placeholder", base, width)
        marked = item.id in self.marked
        current = self.has_class("-current")
        if index == self.cursor and current:
            part = "cursor"
        elif marked:
            part = "marked"
        else:
            part = None
        underline = index == self.cursor and not current
        key = (item.id, item.version, marked, part, underline, width, base)
        strip = self._lines.get(key)
        if strip is None:
            text = row_text(item, marked=marked, compact=self.compact)
            strip = self._strip(text, part, base, width)
            if underline:
                strip = strip.apply_style(Style(underline=True))
            if len(self._lines) >= _LINE_CACHE:
                self._lines.clear()
            self._lines[key] = strip
        return strip

    def notify_style_update(self) -> None:
        """A theme or class change restyles the rows: drop the cached lines."""
        super().notify_style_update()
        self._lines.clear()

    def _strip(self, text: Text, part: str | None, base: Style, width: int) -> Strip:
        style = base + self.get_component_rich_style(f"backlog-list--{part}") if part else base
        text.truncate(width, overflow="ellipsis", pad=True)
        segments = [
            Segment(seg.text, style + seg.style if seg.style else style)
            for seg in text.render(self.app.console)
        ]
        return Strip(segments, width).crop(0, width)

    def on_click(self, event: events.Click) -> None:
        """The mouse works too: a click selects the row under it."""
        offset = event.get_content_offset(self)
        if offset is not None and round(self.scroll_offset.y) + offset.y < self.total:
            self.cursor = round(self.scroll_offset.y) + offset.y
        self.post_message(self.Clicked(self))

    def set_current(self, current: bool) -> None:
        """Make this the list the keys act on (its cursor row is drawn highlighted); only
        the two lists whose state changes are restyled and redrawn."""
        if self.has_class("-current") != current:
            self.set_class(current, "-current")
            self.refresh()

"""An icicle graph (root on top) drawn with the line API: plain or differential.

The widget takes plain data — a tree of :class:`IcicleNode` (label, share of
the whole width, optional colour delta) — so the Compare pane feeds it a diff
tree and the Live pane a running profile. Only the rows on screen are drawn
and only nodes at least one cell wide are laid out, so a tree of a million
nodes costs no more per frame than a tree of a hundred: never one widget per
frame.

Colours come from component classes (``icicle--grew``, ``icicle--shrank``,
``icicle--same``, ``icicle--plain``, ``icicle--selected``) so themes and pane
stylesheets decide them; the delta only picks an intensity between the
widget background and that colour.
"""

from __future__ import annotations

from functools import lru_cache
from typing import ClassVar

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import BindingType
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from screens.keys import bind
from screens.widgets.icicle_tree import Cell, IcicleNode, layout_rows
from workbench.output import plain

__all__ = ["Cell", "Icicle", "IcicleNode", "layout_rows"]

#: Number of intensity steps between "unchanged" and "fully grew/shrank".
_INTENSITY_STEPS = 6


@lru_cache(maxsize=8192)
def _fit(label: str, width: int) -> str:
    """``label`` made printable and fitted to ``width`` cells, with an ellipsis if cut.

    Control characters read as in the text output (``\\x1b``), other unprintables as ``\ufffd``.
    """
    text = "".join(ch if ch.isprintable() else "\ufffd" for ch in plain(label))
    if cell_len(text) > width:
        text = set_cell_size(text, max(width - 1, 0)) + "…" if width > 1 else text[:0]
    return set_cell_size(text, width)


class Icicle(ScrollView, can_focus=True):
    """Icicle graph with keyboard selection and zoom."""

    HELP: ClassVar[str] = """
### Icicle
Root at the top; a node's width is its share of the samples, its callees sit
below it. In a diff, **red grew** and **blue shrank**; the stronger the colour,
the bigger the change.

- arrows: parent, first callee, neighbours on the same row
- `enter`: zoom into the selected node; `escape`: zoom out; `0`: reset
- click a node to select it, click it again to zoom
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("icicle", "up", "select_parent", "Caller", "Select the caller", show=False),
        bind("icicle", "down", "select_child", "Callee", "Select the widest callee", show=False),
        bind("icicle", "left", "select_neighbour(-1)", "Left", "The left node", show=False),
        bind("icicle", "right", "select_neighbour(1)", "Right", "The right node", show=False),
        bind("icicle", "select", "zoom_in", "Zoom", "Make the node full width"),
        bind("icicle", "back", "zoom_out", "Zoom out", "Zoom out one level"),
        bind("icicle", "reset", "zoom_reset", "Reset zoom", "Show the whole tree", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "icicle--grew",
        "icicle--shrank",
        "icicle--same",
        "icicle--plain",
        "icicle--selected",
    }

    DEFAULT_CSS = """
    Icicle {
        height: 1fr;
        overflow-x: hidden;
        & > .icicle--grew { background: $error; }
        & > .icicle--shrank { background: $primary; }
        & > .icicle--same { background: $panel; }
        & > .icicle--plain { background: $warning; }
        & > .icicle--selected { background: $accent; }
    }
    """

    root: var[IcicleNode | None] = var(None, always_update=True)
    """The whole tree; setting it resets zoom and selection."""
    zoom: var[IcicleNode | None] = var(None)
    """The node drawn full width at the top."""
    selected: var[IcicleNode | None] = var(None)
    """The highlighted node, the subject of the screen's context keys."""
    delta_scale: var[float] = var(5.0)
    """A change of this many points (or more) gets the full colour."""
    noise: var[float] = var(0.05)
    """Changes smaller than this many points are drawn as unchanged."""

    class _NodeMessage(Message):
        """Something happened to ``node`` of ``icicle``."""

        def __init__(self, icicle: Icicle, node: IcicleNode) -> None:
            super().__init__()
            self.icicle = icicle
            self.node = node

        @property
        def control(self) -> Icicle:
            return self.icicle

    class NodeSelected(_NodeMessage):
        """The selection moved to ``node``."""

    class Zoomed(_NodeMessage):
        """``node`` is now the full-width top of the icicle."""

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._rows: list[list[Cell]] = []
        self._layout_width = -1
        self._styles: dict[tuple[str, int], Style] = {}

    # -- data -------------------------------------------------------------
    def watch_root(self, root: IcicleNode | None) -> None:
        self.zoom = root
        self.selected = root

    def watch_zoom(self, zoom: IcicleNode | None) -> None:
        self._relayout()
        if zoom is not None:
            self.post_message(self.Zoomed(self, zoom))
            if self.selected is None or zoom not in self.selected.path():
                self.selected = zoom

    def watch_selected(self, node: IcicleNode | None) -> None:
        if node is None:
            return
        row = self._row_of(node)
        if row is not None:
            self.scroll_to_region(Region(0, row, 1, 1), animate=False, immediate=True)
        self.refresh()
        self.post_message(self.NodeSelected(self, node))

    def on_resize(self, event: events.Resize) -> None:
        self._relayout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._styles.clear()

    @property
    def rows(self) -> list[list[Cell]]:
        """The laid-out rows for the current zoom and width (top row is the zoom root)."""
        return self._rows

    def _relayout(self) -> None:
        width = self.scrollable_content_region.width
        self._layout_width = width
        self._rows = layout_rows(self.zoom, width) if self.zoom is not None else []
        self.virtual_size = Size(width, len(self._rows))
        self.refresh()

    def _row_of(self, node: IcicleNode) -> int | None:
        """The row ``node`` is drawn on: its depth below the zoom root (None if outside)."""
        path = node.path()
        if self.zoom is None or self.zoom not in path:
            return None
        return len(path) - 1 - path.index(self.zoom)

    def _cell_of(self, node: IcicleNode) -> tuple[int, int] | None:
        """(row, index in row) of ``node`` if it is laid out."""
        row = self._row_of(node)
        if row is None or row >= len(self._rows):
            return None
        for index, cell in enumerate(self._rows[row]):
            if cell.node is node:
                return row, index
        return None

    # -- actions ----------------------------------------------------------
    def action_select_parent(self) -> None:
        node = self.selected
        if node is not None and node is not self.zoom and node.parent is not None:
            self.selected = node.parent

    def action_select_child(self) -> None:
        position = self._cell_of(self.selected) if self.selected is not None else None
        if position is None or position[0] + 1 >= len(self._rows):
            return
        for cell in self._rows[position[0] + 1]:
            if cell.node.parent is self.selected:
                self.selected = cell.node
                return

    def action_select_neighbour(self, step: int) -> None:
        position = self._cell_of(self.selected) if self.selected is not None else None
        if position is None:
            return
        row, index = position
        if 0 <= index + step < len(self._rows[row]):
            self.selected = self._rows[row][index + step].node

    def action_zoom_in(self) -> None:
        if self.selected is not None:
            self.zoom = self.selected

    def action_zoom_out(self) -> None:
        if self.zoom is not None and self.zoom.parent is not None:
            self.zoom = self.zoom.parent

    def action_zoom_reset(self) -> None:
        self.zoom = self.root

    def on_click(self, event: events.Click) -> None:
        row = event.y + self.scroll_offset.y
        if not 0 <= row < len(self._rows):
            return
        for cell in self._rows[row]:
            if cell.x0 <= event.x < cell.x1:
                if cell.node is self.selected:
                    self.action_zoom_in()
                else:
                    self.selected = cell.node
                return

    # -- drawing ----------------------------------------------------------
    def _style(self, node: IcicleNode, parity: int) -> Style:
        """The cached style of ``node``: its kind's colour at its delta's intensity.

        Plain nodes alternate two shades by ``parity`` so neighbours stay apart.
        """
        if node is self.selected:
            kind, step = "icicle--selected", _INTENSITY_STEPS
        elif node.delta is None:
            kind, step = "icicle--plain", _INTENSITY_STEPS - 1 - parity
        elif abs(node.delta) < self.noise:
            kind, step = "icicle--same", _INTENSITY_STEPS
        else:
            kind = "icicle--grew" if node.delta > 0 else "icicle--shrank"
            strength = min(abs(node.delta) / max(self.delta_scale, 1e-9), 1.0)
            step = 1 + round(strength * (_INTENSITY_STEPS - 1))
        style = self._styles.get((kind, step))
        if style is None:
            style = self._styles[(kind, step)] = self._make_style(kind, step)
        return style

    def _make_style(self, kind: str, step: int) -> Style:
        component = self.get_component_styles(kind)
        background = self.background_colors[1]
        colour = background.blend(component.background, step / _INTENSITY_STEPS)
        return Style(
            bgcolor=colour.rich_color,
            color=colour.get_contrast_text(1.0).rich_color,
            bold=kind == "icicle--selected",
        )

    def render_line(self, y: int) -> Strip:
        row_index = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        base = self.rich_style
        if width != self._layout_width:
            self._relayout()
        if not 0 <= row_index < len(self._rows):
            return Strip.blank(width, base)
        segments: list[Segment] = []
        cursor = 0
        for index, cell in enumerate(self._rows[row_index]):
            if cell.x0 > cursor:
                segments.append(Segment(" " * (cell.x0 - cursor), base))
            span = cell.x1 - cell.x0
            style = self._style(cell.node, index % 2)
            if span > 2:
                # the last column stays background: a gap between neighbours
                segments.append(Segment(_fit(cell.node.label, span - 1), style))
                segments.append(Segment(" ", base))
            else:
                segments.append(Segment(" " * span, style))
            cursor = cell.x1
        if cursor < width:
            segments.append(Segment(" " * (width - cursor), base))
        return Strip(segments, width)

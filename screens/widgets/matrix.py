"""The 2×2 impact/effort matrix: four paged lists, one per quadrant.

Effort runs left (low) to right (high), impact top (high) to bottom (low), so
raising an item's impact moves it up a row and raising its effort moves it
right a column: the change is visible where the eye already is.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid

from screens.widgets.backlog_list import BacklogList
from workbench.triage.model import Item, Quadrant

#: Reading order of the grid: top-left, top-right, bottom-left, bottom-right.
GRID_ORDER = (
    Quadrant.IMMEDIATE_PR,
    Quadrant.DESIGN_REVIEW,
    Quadrant.BATCH_FIXES,
    Quadrant.DEFER,
)


class QuadrantPanel(BacklogList):
    """The items of one quadrant, titled with its action and count."""

    def __init__(self, quadrant: Quadrant) -> None:
        super().__init__(compact=True, id=f"quadrant-{quadrant.value}")
        self.quadrant = quadrant
        """The cell this panel shows; its items' filter adds this quadrant."""
        self.border_subtitle = quadrant.label
        self._title = ""
        self.set_count(0)
        self._show_title()

    def set_count(self, count: int) -> None:
        """The title for ``count``, shown with the rows of the next page (or at once when
        no page follows): a title and its rows change in one paint, not two."""
        self._title = f"{self.quadrant.action} · {count}"

    def reset(self, total: int, *, empty_message: str = "no items", fetch: bool = True) -> None:
        super().reset(total, empty_message=empty_message, fetch=fetch)
        if not (fetch and total):
            self._show_title()

    def set_page(self, offset: int, rows: list[Item]) -> None:
        self._show_title()
        super().set_page(offset, rows)

    def _show_title(self) -> None:
        """Set the title only when it changed: setting it repaints the whole panel."""
        if self.border_title != self._title:
            self.border_title = self._title


class QuadrantMatrix(Grid):
    """Four :class:`QuadrantPanel` widgets laid out as the impact/effort matrix."""

    DEFAULT_CSS = """
    QuadrantMatrix {
        grid-size: 2 2;
    }
    """

    def compose(self) -> ComposeResult:
        for quadrant in GRID_ORDER:
            yield QuadrantPanel(quadrant)

    def panel(self, quadrant: Quadrant) -> QuadrantPanel:
        return self.query_one(f"#quadrant-{quadrant.value}", QuadrantPanel)

    @property
    def panels(self) -> list[QuadrantPanel]:
        return [self.panel(quadrant) for quadrant in GRID_ORDER]

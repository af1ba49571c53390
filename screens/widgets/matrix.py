"""The 2×2 impact/effort matrix: four paged lists, one per quadrant.

Effort runs left (low) to right (high), impact top (high) to bottom (low), so
raising an item's impact moves it up a row and raising its effort moves it
right a column: the change is visible where the eye already is.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Grid

from screens.widgets.backlog_list import BacklogList
from workbench.triage.model import Quadrant

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
        self.set_count(0)

    def set_count(self, count: int) -> None:
        """Show ``count`` in the title; the list itself is reset by :meth:`reset`."""
        self.border_title = f"{self.quadrant.action} · {count}"


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

"""A pane that is not built yet: says so instead of failing."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static


class PlaceholderScreen(Screen):
    """Shown for a pane whose module is not available."""

    def __init__(self, title: str) -> None:
        super().__init__()
        self.pane_title = title

    def compose(self) -> ComposeResult:
        yield Header()
        yield Static(f"{self.pane_title}: not available yet.", markup=False)
        yield Footer()

"""The Backlog pane's footer: rebuilt only when the keys it shows change."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer, Input


class BacklogFooter(Footer):
    """The footer, rebuilt only when the screen's keys it shows change.

    Textual's footer recomposes all its keys whenever focus moves. Applying a
    filter moves focus into the filter line and out again, and rebuilding the
    footer twice cost more than the filter itself; the screen's keys are what
    the footer is for, so it keeps them while the filter line has focus (its
    placeholder says how to filter).
    """

    _shown: tuple[tuple[str, str, str, bool, str], ...] | None = None

    def bindings_changed(self, screen: Screen) -> None:
        if isinstance(screen.focused, Input):
            return
        shown = tuple(
            (binding.key, binding.action, binding.description, enabled, tooltip)
            for _node, binding, enabled, tooltip in screen.active_bindings.values()
            if binding.show
        )
        if shown != self._shown:
            self._shown = shown
            super().bindings_changed(screen)

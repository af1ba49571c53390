"""``PaneScreen``: what every pane shares — its footer lists help and quit first.

Textual's footer lists the keys of the focused widget, then the screen's, then
the app's; at 80 columns the app's (help, quit) fell off the end. A pane's
own keys come in the order its ``BINDINGS`` list them (most used first), so
what is cut at a narrow width is what matters least.
"""

from __future__ import annotations

from textual.screen import ActiveBinding, Screen

#: Binding ids every footer shows first.
PINNED = ("app.help", "app.quit")


class PaneScreen(Screen):
    """Base of the Live, Compare, History and Backlog panes."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        """Textual's, with the pinned keys moved to the front (the footer's order)."""
        bindings = super().active_bindings
        pinned = sorted(
            (PINNED.index(active.binding.id), key)
            for key, active in bindings.items()
            if active.binding.id in PINNED
        )
        return {**{key: bindings[key] for _, key in pinned}, **bindings}

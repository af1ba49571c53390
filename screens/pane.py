"""``PaneScreen``: what every pane shares — its footer lists help and quit first, and
what it shows can come in two steps: a light first frame, then the rest.

Textual's footer lists the keys of the focused widget, then the screen's, then
the app's; at 80 columns the app's (help, quit) fell off the end. A pane's
own keys come in the order its ``BINDINGS`` list them (most used first), so
what is cut at a narrow width is what matters least.

The app's first frame waits for every widget of the pane to be mounted and
styled; tables, the icicle and the footer cost most of that. A pane yields its
light part from ``compose`` (the bar, the lines that say what is loaded) and
its heavy part from ``compose_rest``, composed (its modules imported) and
mounted once that first frame is painted (benchmarks/startup_bench.py measures
both moments).

Textual holds every paint while the app starts (``App.batch_update``) but runs a
screen's "after refresh" callbacks during that hold: the rest, mounted from
there, was in the first frame the terminal saw. The app's own message queue runs
only once the hold is over, so the pane waits for it (``App.call_later``), then
for its next paint (``call_after_refresh``), before composing the rest.

Keys typed in between (the user who presses ``F4`` as the window appears) are
kept and replayed in order once the rest is mounted: a key is never lost.
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.app import ComposeResult
from textual.compose import compose
from textual.screen import ActiveBinding, Screen

#: Binding ids every footer shows first.
PINNED = ("app.help", "app.quit")


class PaneScreen(Screen):
    """Base of the Live, Compare, History, Backlog and Cycle panes."""

    complete = False
    """Every widget of the pane is mounted (``compose_rest``'s too): its keys work now."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._typed_ahead: list[str] = []
        """Keys pressed before the pane was complete, replayed when it is."""

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

    def compose_rest(self) -> ComposeResult:
        """Widgets mounted after the pane's first frame, below what ``compose`` yielded.

        Until they are, the pane's own keys are off (:meth:`check_action`), and
        work that fills them starts from :meth:`rest_mounted`, not ``on_mount``.
        """
        yield from ()

    def rest_mounted(self) -> None:
        """Every widget is mounted: start what fills them (nothing by default)."""

    def on_key(self, event: events.Key) -> None:
        """Before the pane is complete, keep the key (no binding sees it yet)."""
        if not self.complete:
            self._typed_ahead.append(event.key)
            event.stop()
            event.prevent_default()

    def on_mount(self) -> None:
        if type(self).compose_rest is PaneScreen.compose_rest:
            self._completed()  # all of it is in the first frame
        else:
            self.app.call_later(self._paint_first)

    def _paint_first(self) -> None:
        """Mount the rest once what ``compose`` yielded is painted."""
        self.call_after_refresh(self._mount_rest)

    async def _mount_rest(self) -> None:
        await self.mount_all(compose(self, self.compose_rest()))
        if self.focused is None:  # the first frame had nothing to focus
            self.focus_next()
        self._completed()

    def _completed(self) -> None:
        self.complete = True
        self.refresh_bindings()
        self.rest_mounted()
        typed, self._typed_ahead = self._typed_ahead, []
        for key in typed:
            self.app.simulate_key(key)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The pane's keys wait for the widgets they act on."""
        return self.complete

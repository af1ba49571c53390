"""The top line of every pane: the panes and their keys, and what is running now.

It replaces Textual's header: at 80 columns the footer cannot list the pane
keys beside the pane's own, so they live here, one line for any width, with
the current pane highlighted. The right end says what slow work is running
(the app's ``busy``), so a key that starts a long job is never answered by
nothing on screen.
"""

from __future__ import annotations

from rich.text import Text
from textual.app import ScreenStackError
from textual.widget import Widget

#: Pane modes in the order their keys run (F1, F2...), with their titles.
PANE_TITLES = {
    "live": "Live",
    "compare": "Compare",
    "history": "History",
    "backlog": "Backlog",
    "cycle": "Cycle",
}


class PaneBar(Widget):
    """``Triage Workbench  F1 Live  F2 Compare …      ⧗ Writing a snapshot…``.

    Drawn when painted (``render``), not filled in once mounted: the bar is in
    the pane's first frame, and the keys it names are those bound at that moment.
    """

    DEFAULT_CSS = """
    PaneBar {
        dock: top;
        height: 1;
        width: 1fr;
    }
    """

    def __init__(self, mode: str) -> None:
        super().__init__()
        self.mode = mode
        """The pane this bar heads."""
        self._text = Text(" Triage Workbench ", style="bold")
        """What was drawn last (kept when the screens are being torn down)."""

    def on_mount(self) -> None:
        self.watch(self.app, "busy", lambda _busy: self.refresh(), init=False)

    def render(self) -> Text:
        try:
            keys = {mode: self._key_for(mode) for mode in PANE_TITLES}
        except ScreenStackError:  # a redraw while the app tears its screens down
            return self._text
        text = Text(" Triage Workbench ", style="bold")
        for mode, title in PANE_TITLES.items():
            key = keys[mode]
            label = f" {key} {title} " if key else f" {title} "
            text.append(label, style="reverse bold" if mode == self.mode else "")
        busy = self.app.busy
        if busy:
            text.append(f"   ⧗ {busy}", style="bold")
        self._text = text
        return text

    def _key_for(self, mode: str) -> str:
        """The key that shows ``mode`` now (a keymap may have moved it)."""
        action = f"switch_mode('{mode}')"
        for active in self.screen.active_bindings.values():
            if active.binding.action == action:
                shown = self.app.get_key_display(active.binding)
                return shown.upper() if shown[1:].isdigit() else shown  # F1, as keyboards say
        return ""

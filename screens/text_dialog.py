"""``TextDialog``: a modal dialog whose text box never loses what was typed early.

Keys arrive in a burst when a user types ahead (``f`` then the function name)
or pastes. The first key reaches the pane, and only when it comes back to the
app unhandled does its binding push the dialog; the keys after it were already
on their way to the pane, and came back to the app with nothing to do. The app
hands such keys to the dialog (:meth:`WorkbenchApp.on_key`), and the dialog
types them into its first box, in order.
"""

from __future__ import annotations

from typing import TypeVar

from textual import events
from textual.screen import ModalScreen
from textual.widgets import Input

ResultT = TypeVar("ResultT")


class TextDialog(ModalScreen[ResultT]):
    """A dialog with at least one ``Input``; the first one takes the keys typed ahead."""

    AUTO_FOCUS = "Input"

    def type_ahead(self, event: events.Key) -> bool:
        """Type ``event``'s character into the first box; whether it was one to type.

        Only while that box (or nothing) has focus: a key that came back from
        another widget of the dialog (a list, a button) is that widget's.
        """
        box = self.query(Input).first()
        if not (event.is_printable and event.character) or self.focused not in (None, box):
            return False
        box.insert_text_at_cursor(event.character)
        box.focus()
        return True

    async def on_key(self, event: events.Key) -> None:
        """A key sent to the dialog itself while nothing in it had focus yet."""
        if self.focused is not None:
            return
        if event.key == "enter":
            await self.query(Input).first().action_submit()
            event.stop()
        elif self.type_ahead(event):
            event.stop()

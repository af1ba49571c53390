"""The key language: one key per verb, the same in every pane.

A verb ("filter", "sort", "file item"…) gets its key here, once; every pane
and widget builds its bindings with :func:`bind`, so a verb cannot drift to
another key in one pane, and the binding's id (``<scope>.<verb>``) is what a
user's keymap names to remap it. ``docs/keys.md`` is this table for people;
``tests/screens/test_keys.py`` walks every pane's bindings and checks them
against it (no verb on two keys, no key with two meanings, ids and
descriptions everywhere).
"""

from __future__ import annotations

from textual.binding import Binding

#: verb -> keys (Textual key names, comma-separated). Keys are unique across
#: verbs: a key means one thing in every pane.
KEYS: dict[str, str] = {
    # the app: panes, help, quit
    "pane_live": "f1",
    "pane_compare": "f2",
    "pane_history": "f3",
    "pane_backlog": "f4",
    "pane_cycle": "f5",
    "help": "question_mark",
    "quit": "q",
    # verbs shared by the panes
    "filter": "slash",
    "back": "escape",
    "select": "enter",
    "sort": "s",
    "reverse": "S",
    "view": "v",
    "mark": "m",
    "unmark_all": "M",
    "history": "h",
    "backlog": "b",
    "new": "n",
    "edit": "e",
    "compare": "c",
    "open_base": "o",
    "open_branch": "O",
    "save": "ctrl+s",
    "reload": "r",
    "undo": "u",
    "redo": "U,ctrl+r",
    "copy": "y",
    # moving, in every table and list
    "down": "j,down",
    "up": "k,up",
    "top": "g,home",
    "bottom": "G,end",
    "page_down": "pagedown,ctrl+d",
    "page_up": "pageup,ctrl+u",
    "left": "left",
    "right": "right",
    "next_part": "tab",
    "previous_part": "shift+tab",
    # each pane's own
    "pause": "space",
    "window": "w",
    "thread": "t",
    "attach": "a",
    "level": "l",
    "stop": "X",
    "reset": "0",
    "function": "f",
    "copies": "C",
    "repository": "R",
    "raise_impact": "plus,equals_sign",
    "lower_impact": "minus",
    "raise_effort": "greater_than_sign,full_stop",
    "lower_effort": "less_than_sign,comma",
    "status": "x",
    "done": "d",
    "kpis": "K",
    "next_step": "D",
    "candidates": "i",
    "bisect": "B",
    "propose": "P",
    **{f"quadrant_{n}": str(n) for n in range(1, 5)},
}


def bind(
    scope: str,
    verb: str,
    action: str,
    description: str,
    tooltip: str,
    *,
    show: bool = True,
) -> Binding:
    """The binding ``<scope>.<verb>`` on the verb's key.

    ``description`` is the footer's word, ``tooltip`` the palette's and the
    help panel's sentence. A verb missing from :data:`KEYS` is a KeyError at
    import: a new verb gets its key in the table (and a row in docs/keys.md).
    """
    return Binding(
        KEYS[verb], action, description, id=f"{scope}.{verb}", tooltip=tooltip, show=show
    )


def motions(
    scope: str,
    *,
    down: str,
    up: str,
    top: str,
    bottom: str,
    page_down: str,
    page_up: str,
    thing: str = "row",
) -> list[Binding]:
    """The six motions every list has (next, previous, first, last, a screen down and
    up) as ``<scope>.<verb>`` bindings on ``scope``'s actions, out of the footer."""
    moves = (
        ("down", down, f"Next {thing}"),
        ("up", up, f"Previous {thing}"),
        ("top", top, f"First {thing}"),
        ("bottom", bottom, f"Last {thing}"),
        ("page_down", page_down, "Page down"),
        ("page_up", page_up, "Page up"),
    )
    screens = {"page_down": "A screen down", "page_up": "A screen up"}
    return [
        bind(scope, verb, action, label, screens.get(verb, label), show=False)
        for verb, action, label in moves
    ]

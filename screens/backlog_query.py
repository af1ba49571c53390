"""The Backlog pane's filter line: free words search the text, tokens narrow fields.

``slow join q:immediate t:corrective s:done o:alice all`` means: full-text
"slow join", in the Immediate PR quadrant, Corrective taxonomy, status done,
owned by alice; ``all`` includes closed items. Pure, so it is tested without
a terminal.
"""

from __future__ import annotations

from workbench.triage.model import ItemFilter, Quadrant, Status, Taxonomy

FILTER_HELP = "words → text search · q:immediate_pr t:corrective s:done o:owner · all = closed too"


def _normalise(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def _quadrant(value: str) -> Quadrant:
    """A quadrant by value, label or action (``immediate``, ``Design review``, ``defer``)."""
    wanted = _normalise(value)
    for quadrant in Quadrant:
        names = (quadrant.value, quadrant.label, quadrant.action)
        if any(_normalise(name).startswith(wanted) for name in names):
            return quadrant
    return Quadrant.parse(value)


def parse_filter(query: str) -> ItemFilter:
    """``query`` as an :class:`ItemFilter`; ValueError says which token is wrong."""
    item_filter = ItemFilter()
    words = []
    for token in query.split():
        key, sep, value = token.partition(":")
        if not sep or not value:
            if token.lower() == "all":
                item_filter.include_closed = True
            else:
                words.append(token)
            continue
        match key.lower():
            case "q":
                item_filter.quadrant = _quadrant(value)
            case "t":
                item_filter.taxonomy = Taxonomy.parse(value)
            case "s":
                item_filter.status.append(Status.parse(value))
            case "o":
                item_filter.owner = value
            case _:
                words.append(token)
    item_filter.text = " ".join(words) or None
    return item_filter

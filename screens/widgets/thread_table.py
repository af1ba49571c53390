"""The Live pane's thread list: how each thread spent the session.

Active and GIL shares come from the periodic ``py-spy dump`` calls; idle is
the rest. A thread active most of the time but rarely holding the GIL is the
signature of GIL contention; a thread idle most of the time is waiting on
I/O or a lock.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text

from screens.widgets.keyed_table import KeyedTable
from workbench.sampling.session import ThreadShare

COLUMNS = (
    ("focus", " "),
    ("thread", "thread"),
    ("active", "active %"),
    ("gil", "GIL %"),
    ("idle", "idle %"),
    ("samples", "samples"),
)


def _number(value: float, digits: int = 1) -> Text:
    return Text(f"{value:.{digits}f}", justify="right")


class ThreadTable(KeyedTable):
    """One row per thread, busiest first; the focused thread is marked."""

    def __init__(self, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)

    def show_threads(self, shares: Sequence[ThreadShare], focused: str | None) -> None:
        """Redraw from ``shares``; ``focused`` (a thread name) gets the ▶ mark."""
        self.show(
            [
                (
                    share.name,
                    (
                        Text("▶" if share.name == focused else " "),
                        Text(share.name),
                        _number(share.active_percent),
                        _number(share.gil_percent),
                        _number(max(0.0, 100.0 - share.active_percent)),
                        _number(share.samples, 0),
                    ),
                )
                for share in shares
            ]
        )

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
from workbench.profiles.readers.threads import split_label
from workbench.sampling.session import ThreadShare

COLUMNS = (
    ("focus", " ", 1),
    ("active", "act %", 5),
    ("gil", "GIL %", 5),
    ("idle", "idle %", 6),
    ("thread", "thread", None),
)


def thread_name(label: str) -> str:
    """The name a user gave the thread (``request-worker-1``), else its full label."""
    parts = split_label(label)
    return parts[1] if parts and parts[1] else label


def _number(value: float) -> Text:
    return Text(f"{value:.0f}", justify="right")


class ThreadTable(KeyedTable):
    """One row per thread, busiest first; the focused thread is marked.

    Row keys are the full thread labels (``Thread 4242 "worker"``), the
    names the profiles use; the cell shows the thread's own name.
    """

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
                        _number(share.active_percent),
                        _number(share.gil_percent),
                        _number(max(0.0, 100.0 - share.active_percent)),
                        Text(thread_name(share.name)),
                    ),
                )
                for share in shares
            ]
        )

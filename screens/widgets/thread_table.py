"""The Live pane's thread list: how each thread spent the view's span.

CPU % is the kernel's count of the thread's CPU time over the wall time
(``/proc``); idle is the rest. samples % is how often py-spy sampled it as
running; far more samples than CPU (marked ``!``) is py-spy's idle
misdetection, the error the CPU view corrects. GIL % comes from the GIL
probes. A thread with high CPU but a low GIL share runs outside the GIL
(C code that released it); several threads sampled as running while the
GIL is always held is GIL contention; a thread idle most of the time waits
on I/O or a lock. The rows come from the same windows as the function view.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text

from screens.widgets.live_table import LiveTable
from workbench.profiles.readers.threads import split_label

if TYPE_CHECKING:
    from workbench.sampling.session import ThreadShare

COLUMNS = (
    ("focus", " ", 1),
    ("cpu", "CPU %", 5),
    ("samples", "smpl %", 6),
    ("gil", "GIL %", 5),
    ("idle", "idle %", 6),
    ("thread", "thread", None),
)
#: Mark after a samples share that far exceeds the thread's CPU share.
MISDETECTED = "!"


def thread_name(label: str) -> str:
    """The name a user gave the thread (``request-worker-1``), else its full label."""
    parts = split_label(label)
    return parts[1] if parts and parts[1] else label


def _number(value: float | None, mark: str = "", style: str = "") -> Text:
    text = "–" if value is None else f"{value:.0f}{mark}"
    return Text(text, justify="right", style=style)


class ThreadTable(LiveTable):
    """One row per thread, busiest first; the focused thread is marked.

    Row keys are OS thread ids (as text): a thread keeps its row when py-spy
    learns its name. The cell shows the thread's own name.
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(COLUMNS, **kwargs)

    def show_threads(self, shares: Sequence[ThreadShare], focused: int | None) -> None:
        """Redraw from ``shares``; the ``focused`` thread (a key) gets the ▶ mark."""
        self.show(
            [
                (
                    str(share.key),
                    (
                        Text("▶" if share.key == focused else " "),
                        _number(share.cpu_percent),
                        _number(
                            share.samples_percent,
                            MISDETECTED if share.misdetected else "",
                            "bold yellow" if share.misdetected else "",
                        ),
                        _number(share.gil_percent),
                        _number(share.idle_percent),
                        Text(thread_name(share.name)),
                    ),
                )
                for share in shares
            ]
        )

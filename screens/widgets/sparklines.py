"""CPU, memory and thread-count sparklines of the sampled process.

Each metric is a caption (name and latest value) over a Textual
``Sparkline`` of its recent history; the Live pane feeds it the session's
metric histories once a second.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline


def format_bytes(value: float) -> str:
    """``123.4 MiB``: binary units, one decimal, as ``ps`` users read memory."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


#: metric id -> (caption, how its latest value reads)
METRICS: dict[str, tuple[str, Callable[[float], str]]] = {
    "cpu": ("CPU", lambda value: f"{value:.0f}%"),
    "rss": ("RSS", format_bytes),
    "threads": ("threads", lambda value: f"{value:.0f}"),
}


class MetricsSparklines(Vertical):
    """One captioned sparkline per entry of :data:`METRICS`."""

    DEFAULT_CSS = """
    MetricsSparklines { height: auto; }
    MetricsSparklines > Label { width: 1fr; }
    MetricsSparklines > Sparkline { height: 2; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        for metric, (caption, _) in METRICS.items():
            yield Label(Text(f"{caption} –"), id=f"caption-{metric}")
            yield Sparkline([], id=f"spark-{metric}")

    def show(self, histories: dict[str, Sequence[float]]) -> None:
        """Draw each metric's history (oldest first); the caption shows the last value."""
        for metric, values in histories.items():
            caption, fmt = METRICS[metric]
            latest = fmt(values[-1]) if values else "–"
            peak = f"  (peak {fmt(max(values))})" if values else ""
            label = self.query_one(f"#caption-{metric}", Label)
            label.update(Text(f"{caption} {latest}{peak}"), layout=False)  # full width: fixed
            self.query_one(f"#spark-{metric}", Sparkline).data = list(values)

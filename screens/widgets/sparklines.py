"""The sampled process's evidence as sparklines: CPU, memory, threads, I/O, switches, FDs.

Each metric is one line: a caption (name, latest value, peak) beside a bar
chart of its recent history, one column per psutil reading, newest on the
right; the Live pane feeds it the session's metric series
(:mod:`workbench.sampling.evidence`) with each view.

Not Textual's ``Sparkline``: it blends a colour per bar on every render,
which cost 0.7-3 ms per sparkline per redraw here (a fifth of the whole
pane's drawing time). :class:`MetricsSparklines` builds each line once per
new reading as plain strings of block characters, and draws all of them as
one widget through the line API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.segment import Segment
from textual.strip import Strip
from textual.widget import Widget

#: Eighths of a cell, empty to full: a row of bars has 8 levels per line of height.
BLOCKS = " ▁▂▃▄▅▆▇█"


def format_bytes(value: float) -> str:
    """``123.4 MiB``: binary units, one decimal, as ``ps`` users read memory."""
    for unit in ("B", "KiB", "MiB", "GiB"):
        if abs(value) < 1024 or unit == "GiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def bar_rows(values: Sequence[float], width: int, height: int) -> list[str]:
    """Rows (top first) of a bar chart of the last ``width`` values, right-aligned.

    Scaled so the largest shown value fills the height; any value above zero
    shows at least the lowest bar, so "a little" never reads as "nothing".
    """
    shown = list(values)[-width:] if width > 0 else []
    top = max(shown, default=0.0)
    levels = 8 * height
    heights = [
        max(1, round(value / top * levels)) if top > 0 and value > 0 else 0 for value in shown
    ]
    return [
        "".join(BLOCKS[min(8, max(0, level - 8 * (height - 1 - row)))] for level in heights).rjust(
            width
        )
        for row in range(height)
    ]


def format_rate(value: float) -> str:
    """``2.3 MB/s``: decimal units, as transfer rates are read."""
    for unit in ("B", "kB", "MB"):
        if abs(value) < 1000 or unit == "MB":
            return f"{value:.0f} {unit}/s" if unit == "B" else f"{value:.1f} {unit}/s"
        value /= 1000
    raise AssertionError("unreachable")


#: metric id -> (caption, how a value reads); the order is the drawing order.
METRICS: dict[str, tuple[str, Callable[[float], str]]] = {
    "cpu": ("CPU", lambda value: f"{value:.0f}%"),
    "rss": ("RSS", format_bytes),
    "threads": ("threads", lambda value: f"{value:.0f}"),
    "read": ("read", format_rate),
    "write": ("write", format_rate),
    "ctx": ("switches", lambda value: f"{value:,.0f}/s"),
    "fds": ("FDs", lambda value: f"{value:.0f}"),
}
#: Caption cells: name, latest value and peak fit in it, so a new value never re-lays out.
CAPTION_WIDTH = 30


def caption(metric: str, values: Sequence[float]) -> str:
    """``read   2.3 MB/s ▲9.1 MB/s``: name, latest value, peak over the history."""
    name, fmt = METRICS[metric]
    if not values:
        return f"{name:<8} –"
    return f"{name:<8} {fmt(values[-1]):>9} ▲{fmt(max(values))}"


class MetricsSparklines(Widget):
    """One line per entry of :data:`METRICS`: caption, then a one-row bar chart.

    One widget for all of them, drawn through the line API: a refresh repaints
    one region and only the lines whose series changed are rebuilt.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"metrics--bars"}
    DEFAULT_CSS = f"""
    MetricsSparklines {{ height: {len(METRICS)}; }}
    MetricsSparklines > .metrics--bars {{ color: $accent; }}
    """

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._series: dict[str, list[float]] = {metric: [] for metric in METRICS}
        self._lines: dict[str, tuple[int, str, str]] = {}
        """Per metric: the width it was built for, its caption and its bars."""

    def show(self, histories: dict[str, Sequence[float]]) -> None:
        """Draw each metric's history (oldest first) beside its latest value and peak."""
        changed = False
        for metric, values in histories.items():
            if metric in METRICS and list(values) != self._series[metric]:
                self._series[metric] = list(values)
                self._lines.pop(metric, None)
                changed = True
        if changed:
            self.refresh()

    def line(self, metric: str) -> tuple[str, str]:
        """The caption and the bars of ``metric`` at the current width (what the user reads)."""
        width = max(0, self.size.width - CAPTION_WIDTH - 1)
        built = self._lines.get(metric)
        if built is None or built[0] != width:
            values = self._series[metric]
            text = caption(metric, values)[:CAPTION_WIDTH].ljust(CAPTION_WIDTH)
            built = self._lines[metric] = (width, text, bar_rows(values, width, 1)[0])
        return built[1], built[2]

    def render_line(self, y: int) -> Strip:
        metrics = list(METRICS)
        if y >= len(metrics):
            return Strip.blank(self.size.width, self.rich_style)
        text, bars = self.line(metrics[y])
        bars_style = self.rich_style + self.get_component_rich_style("metrics--bars")
        segments = [Segment(text + " ", self.rich_style), Segment(bars, bars_style)]
        return Strip(segments).crop_extend(0, self.size.width, self.rich_style)

"""The sampled process's evidence as sparklines: CPU, memory, threads, I/O, switches, FDs.

Each metric is one line: a caption (name, latest value, peak) beside a
:class:`Bars` chart of its recent history, one column per psutil reading,
newest on the right; the Live pane feeds it the session's metric series
(:mod:`workbench.sampling.evidence`) with each view.

Not Textual's ``Sparkline``: it blends a colour per bar on every render,
which cost 0.7-3 ms per sparkline per redraw here (a fifth of the whole
pane's drawing time). :class:`Bars` builds its rows once per new reading as
plain strings of block characters in one style, and draws them through the
line API.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from rich.segment import Segment
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.strip import Strip
from textual.widget import Widget
from textual.widgets import Label

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


class Bars(Widget):
    """A bar chart of a series, drawn in the widget's own colour (set it in CSS)."""

    DEFAULT_CSS = "Bars { height: 2; }"

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._values: list[float] = []
        self._rows: list[str] = []
        self._rows_for: tuple[int, int] = (0, 0)
        """The (width, height) ``_rows`` were built for."""

    @property
    def values(self) -> list[float]:
        """The series shown, oldest first."""
        return self._values

    @values.setter
    def values(self, values: Sequence[float]) -> None:
        values = list(values)
        if values != self._values:
            self._values = values
            self._rows_for = (0, 0)
            self.refresh()

    def rows(self) -> list[str]:
        """The chart's rows at the current size, top first (what the user reads)."""
        size = (self.size.width, self.size.height)
        if size != self._rows_for:
            self._rows, self._rows_for = bar_rows(self._values, *size), size
        return self._rows

    def render_line(self, y: int) -> Strip:
        rows = self.rows()
        text = rows[y] if y < len(rows) else " " * self.size.width
        return Strip([Segment(text, self.rich_style)], self.size.width)


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


class MetricsSparklines(Vertical):
    """One captioned one-line sparkline per entry of :data:`METRICS`."""

    DEFAULT_CSS = f"""
    MetricsSparklines {{ height: auto; }}
    MetricsSparklines > Horizontal {{ height: 1; }}
    MetricsSparklines Label {{ width: {CAPTION_WIDTH}; }}
    MetricsSparklines Bars {{ height: 1; width: 1fr; }}
    """

    def compose(self) -> ComposeResult:
        for metric in METRICS:
            with Horizontal():
                yield Label(Text(caption(metric, [])), id=f"caption-{metric}")
                yield Bars(id=f"spark-{metric}")

    def show(self, histories: dict[str, Sequence[float]]) -> None:
        """Draw each metric's history (oldest first) beside its latest value and peak."""
        for metric, values in histories.items():
            if metric not in METRICS:
                continue
            label = self.query_one(f"#caption-{metric}", Label)
            label.update(Text(caption(metric, values)), layout=False)  # fixed width
            self.query_one(f"#spark-{metric}", Bars).values = values

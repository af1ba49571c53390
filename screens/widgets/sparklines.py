"""CPU, memory and thread-count sparklines of the sampled process.

Each metric is a caption (name and latest value) over a :class:`Bars` chart
of its recent history, one column per psutil reading, newest on the right;
the Live pane feeds it the session's metric histories with each batch.

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
from textual.containers import Vertical
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
    MetricsSparklines > Bars { margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        for metric, (caption, _) in METRICS.items():
            yield Label(Text(f"{caption} –"), id=f"caption-{metric}")
            yield Bars(id=f"spark-{metric}")

    def show(self, histories: dict[str, Sequence[float]]) -> None:
        """Draw each metric's history (oldest first); the caption shows the last value."""
        for metric, values in histories.items():
            caption, fmt = METRICS[metric]
            latest = fmt(values[-1]) if values else "–"
            peak = f"  (peak {fmt(max(values))})" if values else ""
            label = self.query_one(f"#caption-{metric}", Label)
            label.update(Text(f"{caption} {latest}{peak}"), layout=False)  # full width: fixed
            self.query_one(f"#spark-{metric}", Bars).values = values

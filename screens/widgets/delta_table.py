"""A sortable, filterable table of function deltas that never holds thousands of rows.

A diff of a large profile lists tens of thousands of functions; ``DataTable``
measures every cell on first paint, so the table shows the top ``limit`` rows
of the current category and order, plus one "… N more" row. Cells are
``Text`` objects: function names and paths come from profiled code and must
never be read as markup.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.binding import BindingType
from textual.message import Message
from textual.widgets import DataTable

from screens.keys import bind
from screens.widgets.table import Table
from workbench.output import plain

if TYPE_CHECKING:  # the diff (and NumPy) load with the first comparison, not the first frame
    from workbench.profiles.diff import FunctionDelta

#: Row key of the trailing "… N more" row.
MORE_ROW = "\0more"


@dataclass(frozen=True)
class Column:
    """A column: its header, how to sort by it, how to draw a cell."""

    label: str
    sort_key: Callable[[FunctionDelta], float | str]
    cell: Callable[[FunctionDelta], str]
    numeric: bool = True
    sign: Callable[[FunctionDelta], float | None] | None = None
    """When set, the cell is coloured by this value's sign (grew red, shrank blue)."""


def _pct(value: float) -> str:
    return f"{value:.2f}%"


def _points(value: float) -> str:
    return f"{value:+.2f}"


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:+.3f} s"


def _where(item: FunctionDelta) -> str:
    return item.file if item.line is None else f"{item.file}:{item.line}"


COLUMNS: tuple[Column, ...] = (
    Column("Function", lambda d: d.key.qualname, lambda d: d.key.qualname, numeric=False),
    Column("File", _where, _where, numeric=False),
    Column("Base self", lambda d: d.base_self_pct, lambda d: _pct(d.base_self_pct)),
    Column("Branch self", lambda d: d.branch_self_pct, lambda d: _pct(d.branch_self_pct)),
    Column(
        "Δ self",
        lambda d: abs(d.delta_self_pct),
        lambda d: _points(d.delta_self_pct),
        sign=lambda d: d.delta_self_pct,
    ),
    Column("Base total", lambda d: d.base_total_pct, lambda d: _pct(d.base_total_pct)),
    Column("Branch total", lambda d: d.branch_total_pct, lambda d: _pct(d.branch_total_pct)),
    Column(
        "Δ time",
        lambda d: abs(d.delta_self_seconds or 0.0),
        lambda d: _seconds(d.delta_self_seconds),
        sign=lambda d: d.delta_self_seconds,
    ),
)
#: A narrow table for a side list (e.g. new hotspots): name and self shares.
NARROW_COLUMNS: tuple[Column, ...] = tuple(
    column
    for column in COLUMNS
    if column.label in ("Function", "Base self", "Branch self", "Δ self")
)
#: Header of the column a fresh table sorts by.
DEFAULT_SORT = "Δ self"


class DeltaTable(Table):
    """Top rows of one category of :class:`FunctionDelta`, sorted by any column."""

    HELP: ClassVar[str] = """
### Function deltas
Shares are percentages of each profile's total; deltas are in percentage
points. *Self* counts samples where the function is the leaf, *total* where
it is anywhere on the stack.

- `s`: sort by the next column (or click a header); `S`: reverse
- `v`: regressions → improvements → all functions
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("deltas", "sort", "cycle_sort", "Sort", "Sort by the next column"),
        bind("deltas", "reverse", "reverse_sort", "Reverse", "Reverse the order", show=False),
        bind("deltas", "view", "cycle_category", "View", "Regressions, improvements or all"),
    ]

    class Changed(Message):
        """Category, order or data changed; ``summary`` says what is shown."""

        def __init__(self, table: DeltaTable, summary: str) -> None:
            super().__init__()
            self.table = table
            self.summary = summary

        @property
        def control(self) -> DeltaTable:
            return self.table

    def __init__(
        self,
        *,
        columns: Sequence[Column] = COLUMNS,
        limit: int = 100,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True)
        self.limit = limit
        """Rows shown before the "… N more" row."""
        self._categories: dict[str, Sequence[FunctionDelta]] = {}
        self._category = ""
        self.columns_shown = tuple(columns)
        """The columns this table draws, in order."""
        self._sort = next(
            (i for i, column in enumerate(self.columns_shown) if column.label == DEFAULT_SORT), 0
        )
        self._reverse = False
        self._shown: dict[str, FunctionDelta] = {}
        self._name_filter = ""

    # -- data -------------------------------------------------------------
    def set_categories(self, categories: Mapping[str, Sequence[FunctionDelta]]) -> None:
        """Replace the data; the first category is shown unless the current one still exists."""
        self._categories = dict(categories)
        if self._category not in self._categories:
            self._category = next(iter(self._categories), "")
        self._rebuild()

    def filter_names(self, text: str) -> None:
        """Show only rows whose function or file contains ``text`` (case-insensitive)."""
        text = text.strip().lower()
        if text != self._name_filter:
            self._name_filter = text
            self._rebuild()

    @property
    def category(self) -> str:
        """Name of the category shown."""
        return self._category

    @property
    def sort_column(self) -> str:
        """Header of the column rows are sorted by."""
        return self.columns_shown[self._sort].label

    def delta_at_cursor(self) -> FunctionDelta | None:
        """The function on the highlighted row (None on the "more" row or when empty)."""
        if not self.row_count:
            return None
        row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        return self._shown.get(row_key.value or "")

    def shown(self) -> list[FunctionDelta]:
        """The rows on display, in order."""
        return list(self._shown.values())

    # -- actions ----------------------------------------------------------
    def action_cycle_sort(self) -> None:
        self._sort = (self._sort + 1) % len(self.columns_shown)
        self._reverse = False
        self._rebuild()

    def action_reverse_sort(self) -> None:
        self._reverse = not self._reverse
        self._rebuild()

    def action_cycle_category(self) -> None:
        names = list(self._categories)
        if names:
            self._category = names[(names.index(self._category) + 1) % len(names)]
            self._rebuild()

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        event.stop()
        if event.column_index == self._sort:
            self._reverse = not self._reverse
        else:
            self._sort, self._reverse = event.column_index, False
        self._rebuild()

    # -- drawing ----------------------------------------------------------
    def _ordered(self) -> list[FunctionDelta]:
        """The category's rows in the chosen order: numbers largest first, text A→Z."""
        column = self.columns_shown[self._sort]
        descending = column.numeric != self._reverse
        items = self._categories.get(self._category, ())
        if self._name_filter:
            wanted = self._name_filter
            items = [d for d in items if wanted in f"{d.key.qualname} {d.file}".lower()]
        return sorted(items, key=column.sort_key, reverse=descending)

    def _rebuild(self) -> None:
        ordered = self._ordered()
        shown = ordered[: self.limit]
        self._shown = {str(index): item for index, item in enumerate(shown)}
        grew, shrank = self._sign_styles()
        arrow = "▲" if self.columns_shown[self._sort].numeric == self._reverse else "▼"
        rows = {
            key: [self._cell(column, item, grew, shrank) for column in self.columns_shown]
            for key, item in self._shown.items()
        }
        self.clear(columns=True)
        for index, column in enumerate(self.columns_shown):
            label = f"{column.label} {arrow}" if index == self._sort else column.label
            # Widths measured here, not by DataTable's auto width: that one is
            # applied on idle without a repaint, so in a real terminal a small
            # table kept its header-wide columns ("[@click=" for a long name).
            width = max([cell_len(label), *(row[index].cell_len for row in rows.values())])
            self.add_column(Text(label), key=column.label, width=width)
        for key, cells in rows.items():
            self.add_row(*cells, key=key)
        hidden = len(ordered) - len(shown)
        if hidden > 0:
            self.add_row(Text(f"… {hidden:,} more", style="italic"), key=MORE_ROW)
        self.post_message(self.Changed(self, self._summary(len(shown), len(ordered))))

    def _summary(self, shown: int, total: int) -> str:
        order = "▲" if self.columns_shown[self._sort].numeric == self._reverse else "▼"
        matching = f" matching “{self._name_filter}”" if self._name_filter else ""
        return f"{self._category}{matching}: {shown:,} of {total:,} · by {self.sort_column} {order}"

    @staticmethod
    def _cell(column: Column, item: FunctionDelta, grew: Style, shrank: Style) -> Text:
        text = Text(plain(column.cell(item)), justify="right" if column.numeric else "left")
        value = column.sign(item) if column.sign is not None else None
        if value:
            text.stylize(grew if value > 0 else shrank)
        return text

    def _sign_styles(self) -> tuple[Style, Style]:
        """Grew/shrank text styles from the current theme (resolved now, not hard-coded)."""
        variables = self.app.theme_variables
        return (
            Style(color=variables.get("error"), bold=True),
            Style(color=variables.get("primary"), bold=True),
        )

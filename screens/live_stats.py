"""What the Live pane's top table shows, computed from a profile without a terminal.

Pure functions over :class:`~workbench.profiles.model.Profile` so they are
tested directly. The shares themselves come from the core (the same numbers
``workbench show`` and the diff print); what lives here exists for the pane:
a text filter (``/``), a sort order (``s``) and a trend mark against the
previous window (one thread at a time is the session's business).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:  # the diff (and NumPy) load with the first window, not the first frame
    from workbench.profiles.model import Profile

SortKey = Literal["self", "total", "name"]
SORT_ORDER: tuple[SortKey, ...] = ("self", "total", "name")
#: Share change, in percentage points, below which the trend mark stays ``=``.
TREND_THRESHOLD = 1.0


@dataclass(frozen=True, slots=True)
class FunctionRow:
    """One function of the top table: its samples and shares in the shown view."""

    key: str
    """``path:qualname``, the identity History and the backlog use."""
    function: str
    file: str
    self_samples: float
    total_samples: float
    self_pct: float
    total_pct: float


@dataclass(frozen=True, slots=True)
class FunctionStats:
    """Per-function self/total weight of one view (a window or the running total)."""

    rows: Mapping[str, FunctionRow]
    total: float
    """Weight of every stack in the view."""

    def shares(self) -> dict[str, float]:
        """Self share of each function, what the trend mark compares."""
        return {key: row.self_pct for key, row in self.rows.items()}


def function_stats(profile: Profile) -> FunctionStats:
    """Self and total weight per function (the core's shares; recursion counted once)."""
    from workbench.profiles.diff import function_shares

    total = profile.total_weight
    scale = 100.0 / total if total else 0.0
    rows = {
        str(key): FunctionRow(
            key=str(key),
            function=key.qualname,
            file=key.path,
            self_samples=own,
            total_samples=inclusive,
            self_pct=own * scale,
            total_pct=inclusive * scale,
        )
        for key, (own, inclusive) in function_shares(profile).items()
    }
    return FunctionStats(rows, total)


def hot_lines(profile: Profile, key: str) -> list[int]:
    """Lines of function ``key`` where its samples landed, most samples first."""
    from workbench.profiles.diff import function_shares

    shares = function_shares(profile, by="line")
    weighted = [
        (own, line)
        for (function, line), (own, _) in shares.items()  # type: ignore[misc]
        if str(function) == key and line is not None and own > 0
    ]
    return [line for _, line in sorted(weighted, reverse=True)]


def matches(row: FunctionRow, text: str) -> bool:
    """Case-insensitive substring match on the function name or its module path."""
    needle = text.casefold()
    return needle in row.function.casefold() or needle in row.file.casefold()


def top_rows(
    stats: FunctionStats, sort: SortKey, text: str = "", limit: int = 40
) -> list[FunctionRow]:
    """The rows the table shows: filtered, sorted, at most ``limit``."""
    rows = [row for row in stats.rows.values() if not text or matches(row, text)]
    if sort == "name":
        rows.sort(key=lambda row: (row.function.casefold(), row.file))
    elif sort == "total":
        rows.sort(key=lambda row: (-row.total_samples, -row.self_samples, row.key))
    else:
        rows.sort(key=lambda row: (-row.self_samples, -row.total_samples, row.key))
    return rows[:limit]


def trend_marks(
    now: Mapping[str, float], before: Mapping[str, float], keys: Iterable[str]
) -> dict[str, str]:
    """The trend mark of each of ``keys``: its share in ``now`` against ``before``."""
    return {key: trend_mark(now.get(key, 0.0), before.get(key)) for key in keys}


def trend_mark(now: float, before: float | None) -> str:
    """▲ grew, ▼ shrank, = steady (within :data:`TREND_THRESHOLD` points), + new."""
    if before is None:
        return "+"
    if now - before > TREND_THRESHOLD:
        return "▲"
    if before - now > TREND_THRESHOLD:
        return "▼"
    return "="

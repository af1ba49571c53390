"""What the Live pane's top table shows, computed from a profile without a terminal.

Pure functions over :class:`~workbench.profiles.model.Profile` so they are
tested directly. They live beside the screen because they exist for it: one
thread at a time (``t``), a text filter (``/``), a sort order (``s``) and a
trend mark against an earlier look at the same view.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from workbench.profiles.identity import FunctionKey, function_key
from workbench.profiles.model import Frame, Profile

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
    lines: tuple[int, ...] = ()
    """Hot lines of the function (leaf samples), most samples first."""


@dataclass(frozen=True, slots=True)
class FunctionStats:
    """Per-function self/total weight of one view (a window or the running total)."""

    rows: Mapping[str, FunctionRow]
    total: float
    """Weight of every stack that passed the thread filter."""

    def shares(self) -> dict[str, float]:
        """Self share of each function, what the trend mark compares."""
        return {key: row.self_pct for key, row in self.rows.items()}


class FunctionKeys:
    """Frame → function identity, cached: ``stable_path`` walks the disk once per file."""

    def __init__(self) -> None:
        self._keys: dict[Frame, FunctionKey] = {}

    def __call__(self, frame: Frame) -> FunctionKey:
        key = self._keys.get(frame)
        if key is None:
            key = self._keys[frame] = function_key(frame)
        return key


def thread_indices(profile: Profile, threads: Iterable[str] | None) -> set[int] | None:
    """Indices into ``profile.meta.threads`` of the named threads; None means all."""
    if threads is None:
        return None
    names = set(threads)
    return {index for index, name in enumerate(profile.meta.threads) if name in names}


def function_stats(
    profile: Profile, keys: FunctionKeys, threads: Iterable[str] | None = None
) -> FunctionStats:
    """Self and total weight per function of ``profile``.

    ``threads`` keeps only stacks of those thread names (None keeps all).
    Total counts a function once per stack, so recursion never exceeds 100%.
    """
    wanted = thread_indices(profile, threads)
    frame_keys = [keys(frame) for frame in profile.frames]
    self_w: dict[FunctionKey, float] = {}
    total_w: dict[FunctionKey, float] = {}
    line_w: dict[FunctionKey, dict[int, float]] = {}
    grand = 0.0
    for frame_ids, weight, thread in profile.stacks():
        if wanted is not None and thread not in wanted:
            continue
        grand += weight
        if not frame_ids:
            continue
        for key in {frame_keys[frame_id] for frame_id in frame_ids}:
            total_w[key] = total_w.get(key, 0.0) + weight
        leaf = frame_keys[frame_ids[-1]]
        self_w[leaf] = self_w.get(leaf, 0.0) + weight
        line = profile.frames[frame_ids[-1]].line
        if line is not None:
            per_line = line_w.setdefault(leaf, {})
            per_line[line] = per_line.get(line, 0.0) + weight
    scale = 100.0 / grand if grand else 0.0
    rows = {}
    for key, total in total_w.items():
        own = self_w.get(key, 0.0)
        hot_lines = sorted(line_w.get(key, {}).items(), key=lambda item: -item[1])
        rows[str(key)] = FunctionRow(
            key=str(key),
            function=key.qualname,
            file=key.path,
            self_samples=own,
            total_samples=total,
            self_pct=own * scale,
            total_pct=total * scale,
            lines=tuple(line for line, _ in hot_lines),
        )
    return FunctionStats(rows, grand)


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

"""Bottleneck analysis: where the service spent its time under load, and what to do.

From the profile py-spy took during the baseline load test: the hot functions
(self and total share), the hot call paths (whole stacks, by weight), the
root-cause pattern the samples under each hot function point at (the rules of
:mod:`workbench.analysis.patterns`: lock waits, socket/select waits…), and the
CPU time the service spent per request. From the backlog: the open items,
ranked as the matrix reads them — quadrant first (immediate PR, design review,
batch fixes, defer), then impact high to low, effort low to high — each with
the share of the baseline profile its linked functions hold, so a reader sees
which items the measurement backs. Items closed as done during the cycle stay
in the ranking (with their status): they were the cycle's work.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from workbench.analysis.patterns import Evidence, PatternGuess, guess_patterns
from workbench.profiles.identity import FunctionKey, function_key
from workbench.profiles.model import Profile
from workbench.profiles.shares import profile_total
from workbench.profiles.top import FunctionShare, top_functions
from workbench.triage.model import Item

TOP_FUNCTIONS = 10
TOP_PATHS = 5
PATH_DEPTH = 6
"""Frames shown of a hot path: its leaf and the callers right above it."""
TOP_PATTERNS = 8


@dataclass(frozen=True)
class HotPath:
    """One call path (root to leaf, function identities) and its share of the profile."""

    functions: tuple[str, ...]
    share_pct: float

    @property
    def label(self) -> str:
        """The last :data:`PATH_DEPTH` functions, caller → callee."""
        shown = self.functions[-PATH_DEPTH:]
        prefix = "… → " if len(self.functions) > PATH_DEPTH else ""
        return prefix + " → ".join(shown)


@dataclass(frozen=True)
class HotPattern:
    """A hot function and the root-cause pattern its samples point at (``analysis.patterns``)."""

    function: str
    total_pct: float
    guess: PatternGuess


@dataclass(frozen=True)
class RankedItem:
    """An open backlog item in matrix order, with what the profile says about it."""

    item: Item
    hot_share_pct: float | None
    """Largest total share among its linked functions; None when it links none we saw."""


@dataclass(frozen=True)
class BottleneckAnalysis:
    """What the baseline profile and the backlog say, together."""

    by_self: list[FunctionShare]
    by_total: list[FunctionShare]
    paths: list[HotPath]
    patterns: list[HotPattern]
    """Patterns of the hottest functions by self time, from where their samples end."""
    sampled_seconds: float | None
    """Sampled active time in the profile (samples over the rate)."""
    cpu_ms_per_request: float | None
    items: list[RankedItem]


def analyse(profile: Profile | None, requests: int, items: Iterable[Item]) -> BottleneckAnalysis:
    """Hot functions and paths of ``profile`` (may be None: not measured) and ``items`` ranked
    (the cycle passes its open items and those done since it started)."""
    open_items = list(items)
    if profile is None or not len(profile):
        return BottleneckAnalysis([], [], [], [], None, None, rank_items(open_items, {}))
    top = top_functions(profile, top=None)
    total_by_key = {share.key: share.total_pct for share in top.by_total}
    seconds = profile.to_seconds(profile_total(profile))
    return BottleneckAnalysis(
        by_self=top.by_self[:TOP_FUNCTIONS],
        by_total=top.by_total[:TOP_FUNCTIONS],
        paths=hot_paths(profile),
        patterns=hot_patterns(profile, top.by_self),
        sampled_seconds=seconds,
        cpu_ms_per_request=cpu_ms_per_request(profile, requests),
        items=rank_items(open_items, total_by_key),
    )


def cpu_ms_per_request(profile: Profile | None, requests: int) -> float | None:
    """Sampled active milliseconds per request, None when either side is unknown."""
    if profile is None or not requests:
        return None
    seconds = profile.to_seconds(profile_total(profile))
    return None if seconds is None else 1000.0 * seconds / requests


def hot_paths(profile: Profile, top: int = TOP_PATHS) -> list[HotPath]:
    """The heaviest stacks by function (lines and threads merged), largest first."""
    keys = [str(function_key(frame)) for frame in profile.frames]
    weights: Counter[tuple[str, ...]] = Counter()
    for frame_ids, weight, _thread in profile.stacks():
        path = tuple(keys[frame_id] for frame_id in frame_ids)
        weights[_without_repeats(path)] += weight
    total = profile_total(profile)
    if total <= 0:
        return []
    ranked = sorted(weights.items(), key=lambda pair: (-pair[1], pair[0]))[:top]
    return [HotPath(path, 100.0 * weight / total) for path, weight in ranked]


def hot_patterns(profile: Profile, shares: list[FunctionShare]) -> list[HotPattern]:
    """The pattern of each of the hottest functions, read from the leaf frames of the
    stacks under it (lock waits, socket/select waits…); frames without a file are passed
    over (they have no signature)."""
    wanted = [share for share in shares if share.key.path][:TOP_PATTERNS]
    leaves: dict[FunctionKey, Counter[tuple[str, str]]] = {s.key: Counter() for s in wanted}
    keys = [function_key(frame) for frame in profile.frames]
    for frame_ids, weight, _thread in profile.stacks():
        if not frame_ids:
            continue
        leaf = keys[frame_ids[-1]]
        for key in {keys[frame_id] for frame_id in frame_ids}:
            if key in leaves:
                leaves[key][(leaf.path, leaf.qualname)] += weight
    return [
        HotPattern(
            str(share.key),
            share.total_pct,
            guess_patterns(Evidence(str(share.key), leaf_frames=dict(leaves[share.key])))[0],
        )
        for share in wanted
    ]


def _without_repeats(path: tuple[str, ...]) -> tuple[str, ...]:
    """Adjacent repeats folded (recursion, and one function's lines merged)."""
    folded: list[str] = []
    for name in path:
        if not folded or folded[-1] != name:
            folded.append(name)
    return tuple(folded)


def rank_items(items: list[Item], total_by_key: dict[FunctionKey, float]) -> list[RankedItem]:
    """Matrix order, with the profile share of each item's linked functions."""
    ranked = [RankedItem(item, _hot_share(item, total_by_key)) for item in items]
    ranked.sort(
        key=lambda entry: (
            entry.item.quadrant.rank if entry.item.quadrant else 0,
            -entry.item.impact,
            entry.item.effort,
            -(entry.hot_share_pct or 0.0),
            entry.item.id or 0,
        )
    )
    return ranked


def _hot_share(item: Item, total_by_key: dict[FunctionKey, float]) -> float | None:
    shares = []
    for ref in item.functions():
        wanted = FunctionKey.parse(ref)
        for key, share in total_by_key.items():
            if key.qualname == wanted.qualname and _same_file(key.path, wanted.path):
                shares.append(share)
    return max(shares) if shares else None


def _same_file(one: str, other: str) -> bool:
    """Paths equal, or one a ``/``-suffix of the other (``app.py`` vs ``/srv/app.py``)."""
    if not one or not other:
        return True
    short, long = sorted((one, other), key=len)
    return long == short or long.endswith("/" + short)

"""Absolute time across runs: the program's wall and CPU seconds, each function's seconds.

Shares say where the time went; seconds say whether there is more of it. A
branch where every function is 3× slower has the same shares as its base, so
the share diff sees nothing; here every function is slower by ~200% and the
program too. Statistics are :mod:`workbench.stats` (benchstat's): medians
across repeats, two-sided Mann-Whitney U, the Moses interval of the change,
"~" when not significant.

Per run, a function's **self** seconds are the weight of the samples whose
leaf it is, its **total** seconds those of the samples it appears in (once
per sample), both as the profile's unit allows (seconds, or samples at the
recorded rate). A function absent from a run's profile had 0 s in it.

Which functions are tested: testing hundreds of functions at once would make
Holm's correction too strict to find anything, and a function with a handful
of samples cannot be judged anyway. So the functions whose median self time
reaches ``min_share_pct`` of the program's sampled time on either side (at
most ``max_tested``, largest first) are tested, self and total each as one
Holm family; the others are listed with their medians, untested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from statistics import median
from typing import Any, Literal

from workbench.errors import MeasurementError
from workbench.profiles.identity import FunctionKey
from workbench.profiles.model import Profile
from workbench.profiles.shares import share_table
from workbench.stats import Comparison, compare, compare_many
from workbench.stats.mannwhitney import min_p_value

Metric = Literal["wall", "cpu"]
#: A function below this share of the sampled time (either side) is listed, not tested.
MIN_SHARE_PCT = 1.0
#: At most this many functions are tested (largest first): Holm multiplies the
#: smallest p by their number, so each one tested costs power (see ``holm_note``).
MAX_TESTED = 20


@dataclass
class RunTimes:
    """One run as the statistics see it: its measured seconds and its profile, if any."""

    wall_seconds: float | None
    cpu_seconds: float | None
    profile: Profile | None = None
    label: str = ""
    """Where it came from (a profile path, ``base #3``), for error messages."""


@dataclass
class FunctionTime:
    """One function's seconds on both sides, and their comparison when tested."""

    key: FunctionKey
    base_self: list[float]
    branch_self: list[float]
    base_total: list[float]
    branch_total: list[float]
    base_share_pct: float
    """Median self share across base runs, percent of each run's sampled time."""
    branch_share_pct: float
    self_comparison: Comparison | None = None
    """None when not tested (too small, see the module doc)."""
    total_comparison: Comparison | None = None

    @property
    def base_self_median(self) -> float:
        return median(self.base_self)

    @property
    def branch_self_median(self) -> float:
        return median(self.branch_self)

    @property
    def delta_self_seconds(self) -> float:
        return self.branch_self_median - self.base_self_median

    @property
    def delta_self_pct(self) -> float | None:
        base = self.base_self_median
        return None if base == 0 else (self.branch_self_median / base - 1.0) * 100.0

    @property
    def base_total_median(self) -> float:
        return median(self.base_total)

    @property
    def branch_total_median(self) -> float:
        return median(self.branch_total)

    @property
    def significant(self) -> bool:
        return self.self_comparison is not None and self.self_comparison.significant

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.key.qualname,
            "file": self.key.path,
            "key": str(self.key),
            "base_self_seconds": round(self.base_self_median, 6),
            "branch_self_seconds": round(self.branch_self_median, 6),
            "delta_self_seconds": round(self.delta_self_seconds, 6),
            "delta_self_pct": _rounded(self.delta_self_pct),
            "base_total_seconds": round(self.base_total_median, 6),
            "branch_total_seconds": round(self.branch_total_median, 6),
            "base_self_share_pct": round(self.base_share_pct, 4),
            "branch_self_share_pct": round(self.branch_share_pct, 4),
            "tested": self.self_comparison is not None,
            "significant": self.significant,
            "self": None if self.self_comparison is None else self.self_comparison.to_json(),
            "total": None if self.total_comparison is None else self.total_comparison.to_json(),
        }


@dataclass
class TimeDiff:
    """Base runs against branch runs, in seconds."""

    base_runs: int
    branch_runs: int
    wall: Comparison | None
    """None when some run has no wall time (a profile without run figures)."""
    cpu: Comparison | None
    functions: list[FunctionTime] = field(default_factory=list)
    """Every function of any profile, by Δ self seconds, largest growth first."""
    profiled_runs: tuple[int, int] = (0, 0)
    """Runs with a profile on each side (the function figures come from these)."""
    alpha: float = 0.05
    min_share_pct: float = MIN_SHARE_PCT

    @property
    def tested(self) -> list[FunctionTime]:
        return [item for item in self.functions if item.self_comparison is not None]

    @property
    def holm_note(self) -> str | None:
        """Why no function can be significant with these runs, when that is so.

        Holm multiplies the smallest p-value by the number of functions tested;
        with few runs even the most extreme split stays above α.
        """
        count = len(self.tested)
        runs = self.profiled_runs
        if not count or min(runs) == 0:
            return None
        smallest = min_p_value(*runs) * count
        if smallest < self.alpha:
            return None
        need = min(runs)
        while min_p_value(need, need) * count >= self.alpha:
            need += 1
        return (
            f"with {runs[0]}+{runs[1]} profiled runs and {count} functions tested, no "
            f"function can be significant after Holm's correction; run {need} or more a side"
        )

    def program(self, metric: Metric) -> Comparison | None:
        return self.wall if metric == "wall" else self.cpu

    def to_json(self, top: int | None = None) -> dict[str, Any]:
        functions = self.functions if top is None else self.functions[:top]
        return {
            "base_runs": self.base_runs,
            "branch_runs": self.branch_runs,
            "profiled_runs": list(self.profiled_runs),
            "alpha": self.alpha,
            "correction": "holm",
            "min_share_pct": self.min_share_pct,
            "wall": None if self.wall is None else self.wall.to_json(),
            "cpu": None if self.cpu is None else self.cpu.to_json(),
            "functions": [item.to_json() for item in functions],
            "note": self.holm_note,
        }


def time_diff(
    base: Sequence[RunTimes],
    branch: Sequence[RunTimes],
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
    min_share_pct: float = MIN_SHARE_PCT,
    max_tested: int = MAX_TESTED,
    roots: Sequence[str] = (),
) -> TimeDiff:
    """Compare the runs of two sides (see the module doc); MeasurementError on bad figures.

    ``roots`` are path prefixes to strip from function files (a capture's
    worktrees, gone once it ended), as in :func:`~workbench.profiles.shares.share_table`.
    """
    if not base or not branch:
        raise MeasurementError(
            f"no successful run to compare on the {'base' if not base else 'branch'} side"
        )
    wall = _program(base, branch, "wall_seconds", alpha, confidence)
    cpu = _program(base, branch, "cpu_seconds", alpha, confidence)
    base_profiles = [run.profile for run in base if run.profile is not None]
    branch_profiles = [run.profile for run in branch if run.profile is not None]
    result = TimeDiff(
        len(base),
        len(branch),
        wall,
        cpu,
        profiled_runs=(len(base_profiles), len(branch_profiles)),
        alpha=alpha,
        min_share_pct=min_share_pct,
    )
    if base_profiles and branch_profiles:
        result.functions = _functions(
            run_seconds(base_profiles, roots),
            run_seconds(branch_profiles, roots),
            alpha,
            confidence,
            min_share_pct,
            max_tested,
        )
    return result


def _program(
    base: Sequence[RunTimes], branch: Sequence[RunTimes], name: str, alpha: float, level: float
) -> Comparison | None:
    first = [getattr(run, name) for run in base]
    second = [getattr(run, name) for run in branch]
    if None in first or None in second:
        return None
    return compare(first, second, alpha=alpha, confidence=level)


@dataclass
class _Seconds:
    """Per-run self and total seconds of every function of one side's profiles."""

    self_seconds: list[dict[FunctionKey, float]]
    total_seconds: list[dict[FunctionKey, float]]
    sampled: list[float]
    """Each run's sampled seconds (the sum of its self seconds)."""


def run_seconds(profiles: Sequence[Profile], roots: Sequence[str] = ()) -> _Seconds:
    """Self and total seconds per function of each profile (MeasurementError without time)."""
    seconds = _Seconds([], [], [])
    for profile in profiles:
        factor = profile.to_seconds(1.0)
        if factor is None:
            name = profile.meta.source or profile.meta.name or "a profile"
            raise MeasurementError(
                f"{name}: counts samples without a rate, so it has no seconds; "
                "give --rate HZ or record it with workbench record"
            )
        table = share_table(profile, roots=roots)
        keys = [key for key in table.keys if isinstance(key, FunctionKey)]
        self_weights = (table.self_weight * factor).tolist()
        total_weights = (table.total_weight * factor).tolist()
        seconds.self_seconds.append(dict(zip(keys, self_weights, strict=True)))
        seconds.total_seconds.append(dict(zip(keys, total_weights, strict=True)))
        seconds.sampled.append(float(sum(self_weights)))
    return seconds


def _functions(
    before: _Seconds,
    after: _Seconds,
    alpha: float,
    confidence: float,
    min_share_pct: float,
    max_tested: int,
) -> list[FunctionTime]:
    keys = list(
        dict.fromkeys([key for run in before.self_seconds + after.self_seconds for key in run])
    )
    items = [
        FunctionTime(
            key=key,
            base_self=[run.get(key, 0.0) for run in before.self_seconds],
            branch_self=[run.get(key, 0.0) for run in after.self_seconds],
            base_total=[run.get(key, 0.0) for run in before.total_seconds],
            branch_total=[run.get(key, 0.0) for run in after.total_seconds],
            base_share_pct=_median_share(key, before),
            branch_share_pct=_median_share(key, after),
        )
        for key in keys
    ]
    eligible = [
        item for item in items if max(item.base_share_pct, item.branch_share_pct) >= min_share_pct
    ]
    eligible.sort(key=lambda item: -max(item.base_self_median, item.branch_self_median))
    tested = {str(item.key): item for item in eligible[:max_tested]}
    if tested:
        selfs = compare_many(
            {name: (item.base_self, item.branch_self) for name, item in tested.items()},
            alpha=alpha,
            confidence=confidence,
        )
        totals = compare_many(
            {name: (item.base_total, item.branch_total) for name, item in tested.items()},
            alpha=alpha,
            confidence=confidence,
        )
        for name, item in tested.items():
            item.self_comparison = selfs[name]
            item.total_comparison = totals[name]
    items.sort(key=lambda item: (-item.delta_self_seconds, str(item.key)))
    return items


def _median_share(key: FunctionKey, side: _Seconds) -> float:
    shares = [
        100.0 * run.get(key, 0.0) / total if total > 0 else 0.0
        for run, total in zip(side.self_seconds, side.sampled, strict=True)
    ]
    return median(shares)


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)

"""Base against branch, as benchstat does it: medians, Mann-Whitney U, "~".

One comparison gives both medians with their spread, the change of the
median in percent, a confidence interval for the change, the two-sided
Mann-Whitney p-value and whether it is below α. :func:`compare_many` tests
many things at once (functions of a profile, benchmarks of a suite) and
applies Holm's step-down correction, so that among many unchanged ones the
chance that *any* is called significant stays at α instead of growing with
their number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from workbench.errors import MeasurementError
from workbench.output import plain
from workbench.stats.interval import change_interval_pct, pair_trim
from workbench.stats.mannwhitney import mann_whitney_u, min_p_value, runs_to_detect
from workbench.stats.summary import (
    Summary,
    checked_sample,
    runs_for_median_interval,
    summarize,
)


@dataclass(frozen=True)
class Comparison:
    """Base against branch.

    ``p_value`` is the p-value ``significant`` was decided on: Holm-adjusted
    when the comparison came from :func:`compare_many`, the test's own
    otherwise (that one is always in ``p_unadjusted``).
    """

    base: Summary
    branch: Summary
    delta_pct: float | None
    """(branch median / base median − 1) · 100; None when the base median is 0."""
    interval_pct: tuple[float, float] | None
    """The ``confidence`` interval of the change in percent (Moses, from order
    statistics of the pairwise ratios); None with too few runs or a base run of 0."""
    p_value: float
    """Two-sided Mann-Whitney U p-value (Holm-adjusted in :func:`compare_many`)."""
    significant: bool
    """``p_value < alpha``."""
    note: str | None
    """Why the result is weaker than it looks (too few runs), or None."""
    p_unadjusted: float | None = None
    """The test's own p-value, before any correction (always set by :func:`compare`)."""
    alpha: float = 0.05
    confidence: float = 0.95
    exact: bool = True
    """Whether the p-value comes from the exact distribution (else the normal one)."""

    @property
    def runs(self) -> str:
        """``5`` when both sides have 5 runs, ``5+6`` otherwise (benchstat's ``n``)."""
        n1, n2 = self.base.n, self.branch.n
        return str(n1) if n1 == n2 else f"{n1}+{n2}"

    def to_json(self) -> dict[str, Any]:
        """Strict-JSON fields (no NaN or infinity)."""
        return {
            "base": self.base.to_json(),
            "branch": self.branch.to_json(),
            "delta_pct": self.delta_pct,
            "interval_pct": None if self.interval_pct is None else list(self.interval_pct),
            "p_value": self.p_value,
            "p_unadjusted": self.p_unadjusted,
            "significant": self.significant,
            "exact": self.exact,
            "alpha": self.alpha,
            "confidence": self.confidence,
            "note": self.note,
        }


def compare(
    base: Sequence[float],
    branch: Sequence[float],
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> Comparison:
    """Compare one measurement's runs on two sides (see :class:`Comparison`)."""
    _check_level("alpha", alpha)
    _check_level("confidence", confidence)
    first = checked_sample(base, "base")
    second = checked_sample(branch, "branch")
    _, p, exact = mann_whitney_u(first, second)
    base_summary = summarize(first, confidence=confidence)
    branch_summary = summarize(second, confidence=confidence)
    delta = (
        None
        if base_summary.median == 0
        else (branch_summary.median / base_summary.median - 1.0) * 100.0
    )
    interval = change_interval_pct(first, second, confidence)
    return Comparison(
        base=base_summary,
        branch=branch_summary,
        delta_pct=delta,
        interval_pct=interval,
        p_value=p,
        significant=bool(p < alpha),
        note=_note(first.size, second.size, alpha, confidence, no_interval=interval is None),
        p_unadjusted=p,
        alpha=alpha,
        confidence=confidence,
        exact=exact,
    )


def compare_many(
    pairs: Mapping[str, tuple[Sequence[float], Sequence[float]]],
    *,
    alpha: float = 0.05,
    confidence: float = 0.95,
) -> dict[str, Comparison]:
    """Compare every ``name → (base, branch)``; significance is Holm-corrected over all."""
    raw: dict[str, Comparison] = {}
    for name, (base, branch) in pairs.items():
        try:
            raw[name] = compare(base, branch, alpha=alpha, confidence=confidence)
        except MeasurementError as error:
            raise MeasurementError(f"{plain(name)}: {error}") from None
    adjusted = holm([comparison.p_value for comparison in raw.values()])
    return {
        name: replace(comparison, p_value=p, significant=bool(p < alpha))
        for (name, comparison), p in zip(raw.items(), adjusted, strict=True)
    }


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm-Bonferroni adjusted p-values, in the order given.

    The i-th smallest of m p-values is multiplied by m − i + 1 (i from 1),
    made monotone from the smallest up, and capped at 1; an adjusted value
    below α rejects with a family-wise error rate of at most α.
    """
    count = len(p_values)
    adjusted = [0.0] * count
    running = 0.0
    for rank, index in enumerate(sorted(range(count), key=p_values.__getitem__)):
        running = max(running, min(1.0, (count - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def _note(n1: int, n2: int, alpha: float, confidence: float, no_interval: bool) -> str | None:
    """benchstat's warnings (too few runs to ever be significant, or for a median's ±),
    or why there is no interval for the change although there are runs enough."""
    if min_p_value(n1, n2) >= alpha:
        need = runs_to_detect(alpha)
        return (
            f"fewer than {need} runs a side: no difference can be significant "
            f"at α = {alpha:g}; run more"
        )
    if no_interval:
        if pair_trim(n1, n2, confidence) is None:
            return f"too few runs for a {confidence:.0%} interval of the change; run more"
        return "a base run of 0: no ratio, so no interval for the change"
    need = runs_for_median_interval(confidence)
    if min(n1, n2) < need:
        return (
            f"fewer than {need} runs a side: a median has no {confidence:.0%} "
            "confidence interval (± ∞)"
        )
    return None


def _check_level(name: str, value: float) -> None:
    if not (isinstance(value, int | float) and 0 < value < 1):
        raise MeasurementError(f"{name} must be between 0 and 1 (exclusive), not {value!r}")

"""A confidence interval for the change between two sides, from order statistics.

The change is a ratio (branch / base), so we work with the n₁·n₂ pairwise
log-ratios log(branchⱼ) − log(baseᵢ): their median is the Hodges-Lehmann
estimate of the shift, and Moses' interval drops the t smallest and t largest
of them, where t is the largest count with P(U ≤ t) ≤ (1 − confidence)/2 under
the Mann-Whitney distribution (the untied one, as R's ``wilcox.test`` does;
it needs no assumption about the shape of either side). The bounds go back to
percent: (exp(bound) − 1)·100.

Too few runs for the confidence (fewer than 4 a side at 95%) or a base run of
0 (no ratio) give no interval.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

import numpy as np

from workbench.stats.mannwhitney import EXACT_LIMIT, untied_cdf

#: Above this many pairs the order statistics are found by counting, not by listing them.
LISTED_PAIRS_LIMIT = 1_000_000
#: Bisection stops when the bound is known to this many log units (about 1e-7 %).
LOG_TOLERANCE = 1e-9


def change_interval_pct(
    base: np.ndarray, branch: np.ndarray, confidence: float
) -> tuple[float, float] | None:
    """The ``confidence`` interval of (branch / base − 1) · 100, or None (see module)."""
    n1, n2 = base.size, branch.size
    trim = pair_trim(n1, n2, confidence)
    if trim is None or base.min() <= 0:
        return None
    if branch.min() <= 0:
        # A branch run of 0 is a ratio of 0 (−100%): clamp its log instead of −∞.
        branch = np.maximum(branch, np.finfo(float).tiny)
    log_base, log_branch = np.sort(np.log(base)), np.sort(np.log(branch))
    pairs = n1 * n2
    if pairs <= LISTED_PAIRS_LIMIT:
        differences = np.subtract.outer(log_branch, log_base).ravel()
        low, high = np.partition(differences, (trim, pairs - 1 - trim))[[trim, pairs - 1 - trim]]
    else:
        low = _kth_difference(log_base, log_branch, trim)
        high = _kth_difference(log_base, log_branch, pairs - 1 - trim)
    return (math.expm1(float(low)) * 100.0, math.expm1(float(high)) * 100.0)


@lru_cache(maxsize=256)
def pair_trim(n1: int, n2: int, confidence: float) -> int | None:
    """How many pairwise differences to drop at each end for a ``confidence``
    interval of the shift; ``None`` when even the extremes do not reach it."""
    tail = (1.0 - confidence) / 2.0
    if n1 <= EXACT_LIMIT and n2 <= EXACT_LIMIT:
        cumulative = untied_cdf(n1, n2)[: n1 * n2 // 2 + 1]
        allowed = np.flatnonzero(cumulative <= tail)
        return None if allowed.size == 0 else int(allowed[-1])
    sigma = math.sqrt(n1 * n2 * (n1 + n2 + 1) / 12.0)
    z = NormalDist().inv_cdf(1.0 - tail)
    trim = math.floor(n1 * n2 / 2.0 - 0.5 - z * sigma)
    return trim if trim >= 0 else None


def _kth_difference(log_base: np.ndarray, log_branch: np.ndarray, k: int) -> float:
    """The k-th smallest (0-based) of log_branch[j] − log_base[i], without listing
    the pairs: bisect on the value, counting the pairs at or below it."""
    low = float(log_branch[0] - log_base[-1])
    high = float(log_branch[-1] - log_base[0])
    while high - low > LOG_TOLERANCE:
        middle = (low + high) / 2.0
        at_or_below = int(np.searchsorted(log_branch, log_base + middle, side="right").sum())
        if at_or_below >= k + 1:
            high = middle
        else:
            low = middle
    return high

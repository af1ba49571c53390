"""Two-sided Mann-Whitney U test whose exact distribution handles ties exactly.

Why not SciPy: ``scipy.stats.mannwhitneyu(method="exact")`` (checked in 1.17)
compares U with the distribution of U for *untied* data and says so ("the
exact method is not corrected for ties"); with ties it is wrong, e.g. base
[1, 1, 2] against branch [1, 2, 2] gets p = 0.7 where the exact answer is 1.
Ties are the rule here, not the exception: profile times are whole numbers of
samples and benchmark timers have a resolution. So the exact test is ours.

Exact (both sides ≤ :data:`EXACT_LIMIT` runs): the permutation distribution of
U given the tied ranks. Under the null hypothesis every way of choosing which
n₁ of the N pooled values belong to the first side is equally likely; the
rank sum of those n₁ values, with tied values sharing their average rank, is
counted by a dynamic programme over items and rank sums. Average ranks are
multiples of ½, so the programme runs on doubled ranks, which are integers;
it only keeps sums up to the observed one (the tail we need), mirroring the
ranks when the observed sum lies in the upper half. The two-sided p-value is
twice the smaller tail, at most 1: with ties the distribution need not be
symmetric, so both tails are computed.

Large samples: the normal approximation with the tie correction of the
variance and a continuity correction, as benchstat and R do.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from workbench.stats.summary import checked_sample

#: Largest number of runs a side for which the exact distribution is computed.
EXACT_LIMIT = 50


def mann_whitney_u(a: Sequence[float], b: Sequence[float]) -> tuple[float, float, bool]:
    """``(u, p, exact)``: U of ``a`` (pairs where ``a`` is larger, ties counting ½),
    the two-sided p-value, and whether it comes from the exact distribution."""
    first = checked_sample(a, "base")
    second = checked_sample(b, "branch")
    n1, n2 = first.size, second.size
    doubled, tie_sizes = doubled_ranks(np.concatenate([first, second]))
    doubled_sum = int(doubled[:n1].sum())
    u = doubled_sum / 2 - n1 * (n1 + 1) / 2
    if tie_sizes.size == 1:
        # Every value is equal: no ordering at all, nothing to detect.
        return u, 1.0, n1 <= EXACT_LIMIT and n2 <= EXACT_LIMIT
    if n1 > EXACT_LIMIT or n2 > EXACT_LIMIT:
        return u, _normal_p(u, n1, n2, tie_sizes), False
    if tie_sizes.max() == 1:
        # No ties: the distribution depends on n1 and n2 alone, and is cached.
        cdf = untied_cdf(n1, n2)
        whole = int(u)
        return u, _two_sided(cdf[whole], cdf[whole - 1] if whole else 0.0), True
    return u, _exact_tied_p(doubled, n1, doubled_sum), True


def doubled_ranks(pooled: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Twice the average rank of each value (1-based ranks, ties sharing their
    mean), as integers, and the size of every group of equal values."""
    order = np.argsort(pooled, kind="stable")
    _, first_index, inverse, sizes = np.unique(
        pooled[order], return_index=True, return_inverse=True, return_counts=True
    )
    # A group starting at 0-based position s with t members has ranks s+1 … s+t,
    # whose mean doubled is 2s + t + 1.
    group_doubled = 2 * first_index + sizes + 1
    doubled = np.empty(pooled.size, dtype=np.int64)
    doubled[order] = group_doubled[inverse]
    return doubled, sizes


def rank_sum_tail_counts(weights: np.ndarray, picks: int, up_to: int) -> np.ndarray:
    """``counts[s]`` = ways to pick ``picks`` of ``weights`` with sum ``s``, for s ≤ ``up_to``.

    0/1 knapsack over the items; NumPy evaluates the right-hand side before
    writing even when the slices overlap, so each item is used at most once.
    Only the rows that can still end at ``picks`` items are updated. Counts
    are floats: exact up to 2⁵³, and relatively exact beyond.
    """
    width = up_to + 1
    table = np.zeros((picks + 1, width))
    table[0, 0] = 1.0
    items = len(weights)
    for seen, weight in enumerate(int(w) for w in weights):
        if weight >= width:
            continue
        # Source rows k (picked so far) that this item can extend and that the
        # items left (this one included) can still bring up to ``picks``.
        low = max(0, picks - (items - seen))
        high = min(seen, picks - 1)
        if low <= high:
            table[low + 1 : high + 2, weight:] += table[low : high + 1, : width - weight]
    return table[picks]


def _exact_tied_p(doubled: np.ndarray, n1: int, doubled_sum: int) -> float:
    n = doubled.size
    mean_sum = n1 * (n + 1)  # the mean of the doubled rank sum
    if doubled_sum > mean_sum:
        # Work in the lower tail: mirror every rank (r → N + 1 − r).
        doubled = 2 * (n + 1) - doubled
        doubled_sum = 2 * mean_sum - doubled_sum
    counts = rank_sum_tail_counts(doubled, n1, doubled_sum)
    total = float(math.comb(n, n1))
    return _two_sided(counts.sum() / total, counts[:doubled_sum].sum() / total)


def _two_sided(at_most: float, below: float) -> float:
    """Twice the smaller tail, from P(X ≤ x) and P(X < x), at most 1."""
    return float(min(1.0, 2.0 * min(at_most, 1.0 - below)))


def _normal_p(u: float, n1: int, n2: int, tie_sizes: np.ndarray) -> float:
    n = n1 + n2
    ties = float(np.sum(tie_sizes.astype(float) ** 3 - tie_sizes))
    variance = n1 * n2 / 12.0 * ((n + 1) - ties / (n * (n - 1)))
    distance = max(abs(u - n1 * n2 / 2.0) - 0.5, 0.0)  # continuity correction
    return min(1.0, math.erfc(distance / math.sqrt(variance) / math.sqrt(2.0)))


@lru_cache(maxsize=64)
def untied_cdf(n1: int, n2: int) -> np.ndarray:
    """P(U ≤ u) for u = 0 … n1·n2 when there are no ties (n1 + n2 distinct values)."""
    weights = np.arange(2, 2 * (n1 + n2) + 1, 2)
    offset = n1 * (n1 + 1)  # the smallest doubled rank sum
    counts = rank_sum_tail_counts(weights, n1, offset + 2 * n1 * n2)[offset::2]
    cdf = np.cumsum(counts) / math.comb(n1 + n2, n1)
    cdf.flags.writeable = False  # shared through the cache
    return cdf


def min_p_value(n1: int, n2: int) -> float:
    """The smallest two-sided p-value ``n1`` against ``n2`` runs can give (no ties)."""
    return min(1.0, 2 / math.comb(n1 + n2, n1))  # int / int: no overflow for large n


def runs_to_detect(alpha: float) -> int:
    """The fewest runs a side with which a difference can be significant at ``alpha``."""
    n = 1
    while min_p_value(n, n) >= alpha:
        n += 1
    return n

"""One side of a comparison: its median and the confidence interval of that median.

The spread is benchstat's: the confidence interval of the *median* taken from
order statistics. The number of sample values below the population median is
binomial(n, ½), so the interval between the k-th smallest and the k-th
largest values holds the median with probability 1 − 2·P(B ≤ k − 1). We take
the narrowest symmetric pair of order statistics that reaches the requested
confidence. Five values or fewer cannot reach 95% (even min…max only holds the
median with probability 1 − 2/2⁵ ≈ 94%): the interval is then −∞…+∞ and
benchstat prints "± ∞"; we do the same rather than show a spread we cannot back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from statistics import NormalDist
from typing import Any

import numpy as np

from workbench.errors import MeasurementError

#: Above this many values the binomial tail is taken from its normal approximation.
EXACT_BINOMIAL_LIMIT = 200


@dataclass(frozen=True)
class Summary:
    """One side's runs: how many, their median, and the median's confidence interval.

    ``low``/``high`` are the bounds of the ``confidence`` interval of the median
    from order statistics (what benchstat shows as "±"); they are −∞/+∞ when
    there are too few values for that confidence (fewer than 6 at 95%).
    ``spread_pct`` is the half-width benchstat prints after "±": the larger of
    the distances from the median to either bound, in percent of the median;
    ``None`` when the interval is infinite or the median is 0.
    """

    n: int
    median: float
    low: float
    high: float
    spread_pct: float | None
    confidence: float = 0.95
    """The confidence the interval was asked for."""

    def to_json(self) -> dict[str, Any]:
        """Strict-JSON fields: infinite bounds become ``null``."""
        return {
            "n": self.n,
            "median": self.median,
            "low": _finite_or_none(self.low),
            "high": _finite_or_none(self.high),
            "spread_pct": self.spread_pct,
            "confidence": self.confidence,
        }


def summarize(values: Sequence[float], *, confidence: float = 0.95) -> Summary:
    """The median of ``values`` and its ``confidence`` interval from order statistics."""
    sample = np.sort(checked_sample(values))
    n = int(sample.size)
    median = float((sample[(n - 1) // 2] + sample[n // 2]) / 2)
    trim = median_interval_trim(n, confidence)
    if trim is None:
        low, high = -math.inf, math.inf
    else:
        low, high = float(sample[trim]), float(sample[n - 1 - trim])
    return Summary(
        n=n,
        median=median,
        low=low,
        high=high,
        spread_pct=_spread_pct(median, low, high),
        confidence=confidence,
    )


def checked_sample(values: Sequence[float], what: str = "sample") -> np.ndarray:
    """``values`` as a float array, refused unless every value is a finite number ≥ 0.

    Measurements are times, sizes or counts: a NaN, an infinity or a negative
    value means the producer broke, and judging it would turn garbage into a
    verdict (a NaN compares false with everything and would read as "no change").
    """
    try:
        sample = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise MeasurementError(f"{what}: not a list of numbers; fix the producer") from None
    if sample.ndim != 1:
        raise MeasurementError(f"{what}: not a flat list of numbers; fix the producer")
    if sample.size == 0:
        raise MeasurementError(f"{what}: no values; measure at least one run")
    bad = ~np.isfinite(sample) | (sample < 0)
    if bad.any():
        first = sample[bad][0]
        raise MeasurementError(
            f"{what}: {first!r} is not a measurement (values must be finite and ≥ 0); "
            "fix the producer or drop that run"
        )
    return sample


@lru_cache(maxsize=256)
def median_interval_trim(n: int, confidence: float) -> int | None:
    """How many values to drop from each end of ``n`` sorted values so that the
    next ones bound the median at ``confidence``; ``None`` if no pair does."""
    tail = (1.0 - confidence) / 2.0
    if n <= EXACT_BINOMIAL_LIMIT:
        total = 2**n
        cumulative = 0
        trim = -1
        # [x₍ₖ₊₁₎, x₍ₙ₋ₖ₎] misses the median with probability 2·P(B ≤ k):
        # the largest k with P(B ≤ k) ≤ tail is how many values to drop a side.
        for k in range(n // 2 + 1):
            cumulative += math.comb(n, k)
            if cumulative / total > tail:
                break
            trim = k
        return None if trim < 0 else min(trim, (n - 1) // 2)
    z = NormalDist().inv_cdf(1.0 - tail)
    return max(0, math.floor(n / 2 - 0.5 - z * math.sqrt(n) / 2))


def runs_for_median_interval(confidence: float) -> int:
    """The fewest values whose median has a finite ``confidence`` interval."""
    n = 1
    while median_interval_trim(n, confidence) is None:
        n += 1
    return n


def _spread_pct(median: float, low: float, high: float) -> float | None:
    if not (math.isfinite(low) and math.isfinite(high)) or median == 0:
        return None
    return max(high / median - 1.0, 1.0 - low / median) * 100.0


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None

"""Medians and their confidence interval from order statistics (benchstat's ±)."""

from __future__ import annotations

import math

import pytest

from workbench.errors import MeasurementError
from workbench.stats import summarize
from workbench.stats.summary import median_interval_trim, runs_for_median_interval


def test_five_runs_have_no_95_percent_interval() -> None:
    # min…max of 5 values misses the median with probability 2/2⁵ = 6.25% > 5%.
    summary = summarize([5.0, 1.0, 4.0, 2.0, 3.0])
    assert (summary.n, summary.median) == (5, 3.0)
    assert (summary.low, summary.high, summary.spread_pct) == (-math.inf, math.inf, None)
    assert summary.to_json()["low"] is None and summary.to_json()["high"] is None
    assert runs_for_median_interval(0.95) == 6


def test_six_runs_span_min_to_max() -> None:
    summary = summarize([10.0, 11.0, 9.0, 10.5, 9.5, 12.0])
    assert (summary.low, summary.high) == (9.0, 12.0)
    assert summary.median == 10.25
    # benchstat's ±: the larger distance to a bound, in percent of the median.
    assert summary.spread_pct == pytest.approx((12.0 / 10.25 - 1) * 100)


def test_ten_runs_drop_one_value_a_side() -> None:
    # P(B ≤ 1) = 11/1024 ≤ 2.5% < P(B ≤ 2) = 56/1024 for B ~ binomial(10, ½).
    assert median_interval_trim(10, 0.95) == 1
    summary = summarize([float(v) for v in range(1, 11)])
    assert (summary.low, summary.high) == (2.0, 9.0)


def test_large_samples_use_the_normal_approximation_consistently() -> None:
    # Exact at 200, approximate above: the trim grows smoothly across the switch.
    assert abs(median_interval_trim(201, 0.95) - median_interval_trim(200, 0.95)) <= 1
    assert median_interval_trim(10_000, 0.95) == pytest.approx(5000 - 1.96 * 50, abs=2)


def test_one_run() -> None:
    summary = summarize([0.25])
    assert (summary.n, summary.median, summary.spread_pct) == (1, 0.25, None)


@pytest.mark.parametrize("bad", [[math.nan], [1.0, -1.0], [math.inf], []], ids=str)
def test_bad_values_are_refused(bad: list[float]) -> None:
    with pytest.raises(MeasurementError, match="finite|no values"):
        summarize(bad)

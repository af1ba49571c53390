"""compare, compare_many (Holm), the interval for the change, and the gate verdicts."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from workbench.errors import MeasurementError
from workbench.stats import compare, compare_many, explain, holm, judge
from workbench.stats.interval import change_interval_pct, pair_trim
from workbench.stats.mannwhitney import untied_cdf


def noisy(center: float, n: int, seed: int, spread: float = 0.005) -> list[float]:
    """``n`` runs around ``center`` with ±``spread`` relative noise, reproducibly."""
    rng = np.random.default_rng(seed)
    return list(center * (1 + rng.uniform(-spread, spread, n)))


def test_same_data_against_itself_is_no_change() -> None:
    runs = noisy(1.0, 10, seed=1)
    comparison = compare(runs, runs)
    assert comparison.p_value == 1.0 and not comparison.significant
    assert comparison.delta_pct == 0.0
    assert judge(comparison, 2.0) == "~"
    assert "no significant change" in explain(comparison, 2.0)


def test_three_times_slower_fails_with_four_runs() -> None:
    comparison = compare(noisy(1.0, 4, seed=2), noisy(3.0, 4, seed=3))
    assert comparison.significant and comparison.p_value == pytest.approx(2 / 70)
    assert comparison.delta_pct == pytest.approx(200, rel=0.02)
    low, high = comparison.interval_pct
    assert 190 < low < high < 210
    assert judge(comparison, 2.0) == "fail"
    assert explain(comparison, 2.0).startswith("slower by +")


def test_one_run_a_side_is_undecidable_and_says_so() -> None:
    comparison = compare([1.0], [3.0])
    assert comparison.delta_pct == pytest.approx(200.0)
    assert comparison.interval_pct is None and not comparison.significant
    assert comparison.note.startswith("fewer than 4 runs a side")
    assert judge(comparison, 2.0) == "undecidable"
    assert explain(comparison, 2.0).startswith("undecidable with 1 run a side: fewer than 4")


def test_five_runs_note_the_missing_median_interval() -> None:
    comparison = compare(noisy(1.0, 5, seed=4), noisy(1.0, 5, seed=5))
    assert comparison.note.startswith("fewer than 6 runs a side")
    assert compare(noisy(1.0, 6, seed=4), noisy(1.0, 6, seed=5)).note is None


def test_interval_straddling_the_threshold_is_undecidable() -> None:
    # A real but small slowdown (≈ +2%) with ±3% noise: significant, yet the interval
    # reaches both sides of 2%.
    comparison = compare(noisy(1.0, 12, seed=6, spread=0.03), noisy(1.02, 12, seed=7, spread=0.03))
    assert comparison.significant
    low, high = comparison.interval_pct
    assert low < 2.0 < high
    assert judge(comparison, 2.0) == "undecidable"
    assert "straddles 2%" in explain(comparison, 2.0)


def test_significantly_faster_passes() -> None:
    comparison = compare(noisy(1.0, 8, seed=8), noisy(0.8, 8, seed=9))
    assert comparison.significant and comparison.interval_pct[1] < 0
    assert judge(comparison, 2.0) == "pass"


def test_moses_trim_matches_the_mann_whitney_table() -> None:
    # Critical U at two-sided α = 0.05 (Mann & Whitney's tables): n=10+10 → 23, 4+4 → 0.
    assert pair_trim(10, 10, 0.95) == 23
    assert pair_trim(4, 4, 0.95) == 0
    assert pair_trim(3, 3, 0.95) is None
    tail = untied_cdf(10, 10)
    assert tail[23] <= 0.025 < tail[24]


def test_interval_by_counting_equals_interval_by_listing(monkeypatch) -> None:
    rng = np.random.default_rng(11)
    base, branch = rng.uniform(1, 2, 40), rng.uniform(1.1, 2.1, 45)
    listed = change_interval_pct(base, branch, 0.95)
    monkeypatch.setattr("workbench.stats.interval.LISTED_PAIRS_LIMIT", 10)
    counted = change_interval_pct(base, branch, 0.95)
    assert counted == pytest.approx(listed, abs=1e-6)


def test_interval_needs_a_base_without_zero() -> None:
    comparison = compare([0.0, 1.0, 1.0, 1.0, 1.0, 1.0], [1.0] * 6)
    assert comparison.interval_pct is None
    assert comparison.note.startswith("a base run of 0")
    assert judge(comparison, 2.0) == "undecidable"
    assert "base run of 0" in explain(comparison, 2.0)


def test_holm_by_hand() -> None:
    # Sorted 0.01, 0.03, 0.04 → ×3, ×2, ×1 = 0.03, 0.06, 0.04 → monotone 0.03, 0.06, 0.06.
    assert holm([0.01, 0.04, 0.03]) == pytest.approx([0.03, 0.06, 0.06])
    assert holm([0.9, 0.8]) == [1.0, 1.0]
    assert holm([0.02, 0.5]) == pytest.approx([0.04, 0.5])
    assert holm([]) == []


def test_compare_many_corrects_for_many_tests() -> None:
    slow = noisy(1.0, 4, seed=12), noisy(3.0, 4, seed=13)  # p = 2/70 alone
    pairs = {f"bench{i}": (noisy(1.0, 4, seed=i), noisy(1.0, 4, seed=100 + i)) for i in range(5)}
    pairs["slow"] = slow
    results = compare_many(pairs)
    assert compare(*slow).significant
    # Six tests: 6 × 2/70 > 0.05, so Holm no longer calls the slowdown significant,
    # and its verdict is undecidable rather than fail.
    assert results["slow"].p_unadjusted == pytest.approx(2 / 70)
    assert results["slow"].p_value == pytest.approx(6 * 2 / 70)
    assert not results["slow"].significant
    assert judge(results["slow"], 2.0) == "undecidable"


def test_compare_many_names_the_bad_measurement() -> None:
    with pytest.raises(MeasurementError, match=r"^parse\\x1b: .*nan"):
        compare_many({"ok": ([1.0], [1.0]), "parse\x1b": ([1.0, math.nan], [1.0])})


def test_json_is_strict() -> None:
    comparison = compare([1.0], [2.0])
    text = json.dumps(comparison.to_json(), allow_nan=False)
    assert json.loads(text)["interval_pct"] is None


@pytest.mark.parametrize("threshold", [-1.0, math.nan, math.inf])
def test_bad_threshold_is_refused(threshold: float) -> None:
    with pytest.raises(MeasurementError):
        judge(compare([1.0], [1.0]), threshold)


@pytest.mark.parametrize("alpha", [0.0, 1.0, -0.1, math.nan])
def test_bad_alpha_is_refused(alpha: float) -> None:
    with pytest.raises(MeasurementError):
        compare([1.0], [1.0], alpha=alpha)

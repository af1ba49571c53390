"""Mann-Whitney U: the exact tied distribution against enumeration and hand-worked values.

SciPy (in the ``[test]`` extra) is the reference where it is right: untied
exact p-values and the tie-corrected normal approximation. Where it is wrong
(its exact method ignores ties) the reference is enumeration of every way to
split the pooled values, and values worked out by hand below.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from workbench.errors import MeasurementError
from workbench.stats import mann_whitney_u
from workbench.stats.mannwhitney import EXACT_LIMIT, min_p_value, runs_to_detect


def enumerated_p(a: list[float], b: list[float]) -> Fraction:
    """Two-sided exact p by listing every split of the pooled values (midranks for ties)."""
    pooled = a + b
    ordered = sorted(pooled)
    midrank = {
        value: Fraction(2 * ordered.index(value) + ordered.count(value) + 1, 2) for value in pooled
    }

    def u_of(indices: tuple[int, ...]) -> Fraction:
        return sum((midrank[pooled[i]] for i in indices), Fraction(0)) - Fraction(
            len(a) * (len(a) + 1), 2
        )

    observed = u_of(tuple(range(len(a))))
    splits = [u_of(chosen) for chosen in itertools.combinations(range(len(pooled)), len(a))]
    lower = Fraction(sum(u <= observed for u in splits), len(splits))
    upper = Fraction(sum(u >= observed for u in splits), len(splits))
    return min(Fraction(1), 2 * min(lower, upper))


TIED_CASES = [
    ([1, 1, 2], [1, 2, 2]),
    ([1, 2, 2, 3], [2, 3, 3, 4]),
    ([1, 1, 2, 3], [3, 3, 4, 4]),
    ([5, 5, 5], [5, 5, 6, 7, 7]),  # unequal sizes and an asymmetric tie pattern
    ([1, 1, 1, 2, 3, 3], [2, 2, 4]),
    ([10, 10, 10, 10, 11], [10, 11, 11, 11, 11, 12]),
    ([0, 0, 1], [0, 2, 2, 2]),
    ([3, 1, 4, 1, 5], [9, 2, 6, 5, 3, 5]),
]


@pytest.mark.parametrize(("a", "b"), TIED_CASES)
def test_tied_exact_p_equals_enumeration(a: list[float], b: list[float]) -> None:
    _, p, exact = mann_whitney_u(a, b)
    assert exact
    assert p == pytest.approx(float(enumerated_p(a, b)), abs=1e-12)
    _, swapped, _ = mann_whitney_u(b, a)
    assert swapped == pytest.approx(p, abs=1e-12)


def test_tied_exact_p_worked_by_hand() -> None:
    # [1,1,2] v [1,2,2]: midranks 2 (the 1s) and 5 (the 2s); base U = 2+2+5 − 6 = 3.
    # Picking j of the three 1s: U = 9 − 3j with C(3,j)·C(3,3−j) = 1, 9, 9, 1 ways of 20,
    # so P(U ≤ 3) = 10/20 and p = min(1, 2 · ½) = 1. SciPy's "exact" says 0.7.
    assert mann_whitney_u([1, 1, 2], [1, 2, 2]) == (3.0, 1.0, True)
    # [1,1,2,3] v [3,3,4,4]: midranks 1.5, 1.5, 3, 5, 5, 5, 7.5, 7.5; base R = 11, U = 1.
    # Only {both 1s, the 2, one of three 3s} reaches R ≤ 11: 3 of C(8,4) = 70 splits,
    # so p = 2 · 3/70 = 0.0857… (SciPy's "exact": 0.0571).
    u, p, _ = mann_whitney_u([1, 1, 2, 3], [3, 3, 4, 4])
    assert u == 1.0 and p == pytest.approx(6 / 70, abs=1e-15)
    # All base values below all branch ones, four a side: 1 split of 70, p = 2/70.
    assert mann_whitney_u([1, 1, 1, 1], [2, 2, 2, 2])[1] == pytest.approx(2 / 70, abs=1e-15)


def test_scipy_exact_ignores_ties_which_is_why_we_do_not_use_it() -> None:
    # Guards the docstring's claim: if SciPy starts handling ties, revisit the choice.
    assert mannwhitneyu([1, 1, 2, 3], [3, 3, 4, 4], method="exact").pvalue != pytest.approx(6 / 70)


def test_untied_exact_matches_scipy() -> None:
    rng = np.random.default_rng(7)
    for n1, n2 in [(1, 1), (2, 9), (4, 4), (7, 12), (20, 20), (EXACT_LIMIT, EXACT_LIMIT)]:
        a, b = rng.normal(10, 1, n1), rng.normal(10.4, 1, n2)
        u, p, exact = mann_whitney_u(a, b)
        reference = mannwhitneyu(a, b, method="exact")
        assert exact and u == reference.statistic
        assert p == pytest.approx(reference.pvalue, rel=1e-9)


def test_large_samples_use_tie_corrected_normal_like_scipy() -> None:
    rng = np.random.default_rng(3)
    a = np.round(rng.normal(100, 5, 80))  # whole numbers: many ties, like sample counts
    b = np.round(rng.normal(102, 5, 90))
    u, p, exact = mann_whitney_u(a, b)
    reference = mannwhitneyu(a, b, method="asymptotic", use_continuity=True)
    assert not exact and u == reference.statistic
    assert p == pytest.approx(reference.pvalue, rel=1e-9)


def test_all_equal_is_p_one() -> None:
    assert mann_whitney_u([3.0] * 5, [3.0] * 7)[1] == 1.0
    assert mann_whitney_u([3.0] * 60, [3.0] * 70)[1] == 1.0


def test_fewest_runs_to_detect_a_difference() -> None:
    # benchstat's table: the smallest p with n a side is 2/C(2n, n).
    assert min_p_value(3, 3) == pytest.approx(0.1)
    assert min_p_value(4, 4) == pytest.approx(2 / 70)
    assert runs_to_detect(0.05) == 4 and runs_to_detect(0.01) == 5


@pytest.mark.parametrize("bad", [[1.0, math.nan], [1.0, math.inf], [-0.5, 1.0], [], ["x"]], ids=str)
def test_bad_values_are_refused(bad: list) -> None:
    with pytest.raises(MeasurementError):
        mann_whitney_u(bad, [1.0, 2.0])

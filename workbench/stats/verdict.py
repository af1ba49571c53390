"""A gate's verdict on one comparison: is it slower by more than the threshold?

Higher is worse (times, sizes). The verdict uses both the test and the
interval of the change, so that it is never a silent pass or fail:

* ``"fail"`` — significantly different (p < α) *and* the whole interval of the
  change lies above +threshold: slower by more than the threshold;
* ``"pass"`` — significantly different, and the whole interval lies at or
  below +threshold: a real change, but faster or slower by less than allowed;
* ``"~"`` — no significant difference, and the whole interval lies at or below
  +threshold: nothing detected, and a slowdown beyond the threshold is ruled out;
* ``"undecidable"`` — the runs cannot tell: the interval straddles +threshold,
  or there is no interval (fewer than 4 runs a side at 95%, or a base run of
  0), or the interval lies above the threshold without the test (after Holm)
  being significant. More runs may decide it; a gate must not count it a pass.
"""

from __future__ import annotations

import math
from typing import Literal

from workbench.errors import MeasurementError
from workbench.output import counted
from workbench.stats.compare import Comparison

Verdict = Literal["pass", "fail", "undecidable", "~"]


def judge(comparison: Comparison, threshold_pct: float) -> Verdict:
    """The verdict on ``comparison`` for a gate of "no slower than +threshold_pct %"."""
    _check_threshold(threshold_pct)
    interval = comparison.interval_pct
    if interval is None:
        return "undecidable"
    low, high = interval
    if high <= threshold_pct:
        return "pass" if comparison.significant else "~"
    if low > threshold_pct and comparison.significant:
        return "fail"
    return "undecidable"


def explain(comparison: Comparison, threshold_pct: float) -> str:
    """One line saying why :func:`judge` said what it said, for reports."""
    verdict = judge(comparison, threshold_pct)
    limit = f"{threshold_pct:g}%"
    level = f"{comparison.confidence:.0%}"
    p = p_phrase(comparison.p_value)
    runs = runs_text(comparison)
    interval = comparison.interval_pct
    if interval is None:
        return f"undecidable with {runs}: {comparison.note}"
    span = f"{level} interval {format_pct(interval[0])} … {format_pct(interval[1])}"
    if verdict == "fail":
        return f"slower by {format_pct(comparison.delta_pct)} ({span}, {p}): more than {limit}"
    if verdict == "pass":
        return f"changed by {format_pct(comparison.delta_pct)} ({span}, {p}): within {limit}"
    if verdict == "~":
        return f"no significant change ({p}); the {span} stays within {limit}"
    if interval[0] > threshold_pct:
        return (
            f"undecidable with {runs}: the {span} is above {limit} "
            f"but the test is not significant ({p}); run more"
        )
    return f"undecidable with {runs}: the {span} straddles {limit}; run more"


def format_pct(value: float | None) -> str:
    """``+3.21%``, ``-0.50%``; ``?`` when there is no value (base median 0)."""
    return "?" if value is None else f"{value:+.2f}%"


def format_p(value: float) -> str:
    """``0.012``, or ``<0.001`` (where three decimals would print a misleading 0.000)."""
    return "<0.001" if value < 0.001 else f"{value:.3f}"


def p_phrase(value: float) -> str:
    """``p=0.012`` or ``p<0.001``."""
    text = format_p(value)
    return f"p{text}" if text.startswith("<") else f"p={text}"


def runs_text(comparison: Comparison) -> str:
    """``5 runs a side`` or ``5+6 runs``."""
    n1, n2 = comparison.base.n, comparison.branch.n
    return f"{counted(n1, 'run')} a side" if n1 == n2 else f"{n1}+{n2} runs"


def _check_threshold(threshold_pct: float) -> None:
    if not (isinstance(threshold_pct, int | float) and math.isfinite(threshold_pct)):
        raise MeasurementError(
            f"a gate threshold must be a number of percent, not {threshold_pct!r}"
        )
    if threshold_pct < 0:
        raise MeasurementError(
            f"a gate threshold is a slowdown in percent, ≥ 0, not {threshold_pct:g}"
        )

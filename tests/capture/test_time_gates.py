"""Time diff and time gates on measured figures (no processes): the rules themselves."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from workbench.capture.report import change_text
from workbench.capture.time_diff import RunTimes, time_diff
from workbench.capture.time_gates import (
    TimeGateConfig,
    evaluate_time_gates,
    judge_slowdown,
    load_time_gate_config,
)
from workbench.errors import ConfigError, MeasurementError
from workbench.stats import compare

BASE = [1.00, 1.02, 0.99, 1.01, 1.00, 1.03]


def runs(values: list[float]) -> list[RunTimes]:
    return [RunTimes(value, value * 0.9) for value in values]


def outcome(base: list[float], branch: list[float], **config) -> tuple[str, str]:
    verdict = evaluate_time_gates(time_diff(runs(base), runs(branch)), TimeGateConfig(**config))
    return verdict.outcome, verdict.findings[0].message


def test_uniform_3x_slower_fails() -> None:
    state, message = outcome(BASE, [3 * value for value in BASE])
    assert state == "fail" and "more than 2%" in message


def test_same_figures_pass_as_no_change() -> None:
    tight = [1.000, 1.002, 0.999, 1.001, 1.000, 1.003]
    state, message = outcome(tight, list(reversed(tight)))
    assert state == "pass" and "no significant change" in message


def test_interval_straddling_the_threshold_is_undecidable() -> None:
    noisy = [0.95, 1.10, 0.99, 1.06, 1.01, 1.04]
    state, message = outcome(BASE, noisy)
    assert state == "undecidable" and message.startswith("undecidable with 6 runs a side")


@pytest.mark.parametrize(("slower", "state"), [(1.05, "pass"), (1.15, "fail")])
def test_single_runs_use_the_larger_threshold_and_say_so(slower: float, state: str) -> None:
    result, message = outcome([1.0], [slower])
    assert result == state
    assert "rests on 1 run a side" in message


def test_few_runs_say_how_many_once_in_words() -> None:
    _, message = outcome([1.0, 1.0], [1.2, 1.2])
    assert "rests on 2 runs a side;" in message and "(2 runs a side)" not in message
    assert change_text(compare([1.0, 1.0], [1.2, 1.2])) == "+20.00% (untested: 2 runs)"


@pytest.mark.parametrize(
    ("base", "branch", "verdict", "says"),
    [
        # A function absent from every GOOD run and present at BAD (bisect --metric self:F):
        # no ratio, so no interval — but it appeared, slower than any threshold.
        ([0.0] * 5, [0.02, 0.03, 0.02, 0.025, 0.03], "fail", "appeared: 0 s → 0.025 s"),
        ([0.0], [0.02], "fail", "rests on 1 run a side"),
        ([0.0, 0.0, 0.0, 0.0, 0.01], [0.01, 0.01, 0.0, 0.02, 0.0], "undecidable", "run more"),
        ([0.0, 0.0, 0.0, 0.0, 0.01], [0.0] * 5, "~", "no time on either side"),
    ],
)
def test_time_appearing_from_nothing_is_judged_not_left_undecidable(
    base: list[float], branch: list[float], verdict: str, says: str
) -> None:
    result, reason = judge_slowdown(compare(base, branch), 10.0, 10.0)
    assert (result, says in reason) == (verdict, True), reason


@pytest.mark.parametrize("bad", [math.nan, -1.0, math.inf])
def test_non_finite_or_negative_times_are_bad_input(bad: float) -> None:
    with pytest.raises(MeasurementError):
        time_diff(runs(BASE), runs([1.0, bad, 1.0, 1.0]))


def test_config_from_pyproject_then_flags(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        "[tool.workbench]\nprogram-slowdown-pct = 5\nfunction-slowdown-pct = 0\n"
        'program-metric = "cpu"\n'
    )
    config = load_time_gate_config(tmp_path)
    assert (config.program_slowdown_pct, config.function_slowdown_pct) == (5.0, None)
    assert config.program_metric == "cpu"
    assert load_time_gate_config(tmp_path, program_slowdown_pct=1.0).program_slowdown_pct == 1.0
    (tmp_path / "pyproject.toml").write_text('[tool.workbench]\nprogram-slowdown-pct = "x"\n')
    with pytest.raises(ConfigError, match="program-slowdown-pct must be a number"):
        load_time_gate_config(tmp_path)

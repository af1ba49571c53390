"""Gates in absolute time: is the branch slower, statistically, by more than allowed?

Added to the share gates (:mod:`workbench.profiles.gates`) when both sides
carry run times. Two rules:

* ``program-slowdown`` — the program's wall (or CPU) time. With at least
  :data:`MIN_RUNS` runs a side it is decided on the interval of the change
  (:func:`workbench.stats.judge`): **fail** when significantly slower and the
  whole 95% interval lies above ``program_slowdown_pct`` (2%: the playbook's
  "within +2%"), **undecidable with N runs** when the interval straddles it,
  pass or "~" otherwise. With fewer runs there is no interval: fail only
  above ``few_runs_slowdown_pct`` (10%), and the verdict says it rests on
  that many runs.
* ``function-slowdown`` — a function's self time, tested as in
  :mod:`.time_diff` (Holm over the tested functions), failing when it grew
  significantly by more than ``function_slowdown_pct`` on the interval
  (or appearing from nothing); undecidable when it changed significantly but
  the interval straddles the threshold.
  Needs :data:`MIN_RUNS` runs a side (sampled seconds of one run are too
  coarse to gate a function on); with fewer it is skipped, and says so.

The outcome: ``fail`` if any rule fails, else ``undecidable`` if any is
undecidable (a gate that cannot show "no slowdown" does not pass: exit 1,
as ``bench compare --gate`` does), else ``pass``. Every threshold is
configurable in ``[tool.workbench]``::

    program-slowdown-pct = 2
    few-runs-slowdown-pct = 10
    function-slowdown-pct = 10    # 0 turns the function rule off
    program-metric = "wall"       # or "cpu"
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from workbench.capture.time_diff import FunctionTime, Metric, TimeDiff
from workbench.documents import FieldProblem, number
from workbench.errors import ConfigError
from workbench.output import counted
from workbench.profiles.config import project_table
from workbench.stats import Comparison, Verdict, explain, format_pct, judge
from workbench.stats.verdict import p_phrase, runs_text

#: Runs a side from which a program verdict is decided on the interval of the change.
MIN_RUNS = 4
PROGRAM = "program-slowdown"
FUNCTION = "function-slowdown"
Outcome = Literal["pass", "fail", "undecidable"]


@dataclass
class TimeGateConfig:
    """Thresholds in percent of slowdown (see the module doc)."""

    program_slowdown_pct: float = 2.0
    few_runs_slowdown_pct: float = 10.0
    function_slowdown_pct: float | None = 10.0
    """None (``0`` in the config) turns the function rule off."""
    program_metric: Metric = "wall"

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TimeFinding:
    """One rule's verdict on one subject (the program, or a function)."""

    rule: str
    subject: str
    verdict: Verdict
    message: str
    delta_pct: float | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TimeGateVerdict:
    """The program's finding first, then the functions that failed or could not be decided."""

    outcome: Outcome
    findings: list[TimeFinding]
    config: TimeGateConfig
    notes: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.outcome == "pass"

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome,
            "thresholds": self.config.to_json(),
            "findings": [finding.to_json() for finding in self.findings],
            "notes": self.notes,
        }


def evaluate_time_gates(diff: TimeDiff, config: TimeGateConfig) -> TimeGateVerdict:
    """Apply both rules to ``diff`` (see the module doc)."""
    findings: list[TimeFinding] = []
    notes: list[str] = []
    metric = config.program_metric
    program = diff.program(metric)
    if program is None:
        raise ConfigError(
            f"the runs carry no {metric} time (profiles not recorded by workbench record or "
            "capture): the time gates cannot judge them"
        )
    findings.append(program_finding(program, config, metric))
    threshold = config.function_slowdown_pct
    runs = min(diff.profiled_runs)
    if threshold is not None and runs == 0:
        notes.append("function-slowdown not evaluated: no profiled runs (times only)")
    elif threshold is not None and runs < MIN_RUNS:
        notes.append(
            f"function-slowdown not evaluated: it needs {MIN_RUNS} profiled runs a side, "
            f"there are {runs}"
        )
    elif threshold is not None:
        for item in diff.tested:
            finding = function_finding(item, threshold)
            if finding is not None:
                findings.append(finding)
    verdicts = {finding.verdict for finding in findings}
    outcome: Outcome = (
        "fail" if "fail" in verdicts else "undecidable" if "undecidable" in verdicts else "pass"
    )
    return TimeGateVerdict(outcome, findings, config, notes)


def function_finding(item: FunctionTime, threshold_pct: float) -> TimeFinding | None:
    """The function rule on one tested function, or None when it raises nothing.

    Only a significant change (after Holm) is a finding: with dozens of
    functions of a few samples each, "not significant" is the usual state, not
    a doubt. A function with no time in the base (median 0: no ratio, so no
    interval) that is significantly slower fails outright: it appeared.
    """
    comparison = item.self_comparison
    if comparison is None or not comparison.significant:
        return None
    subject = str(item.key)
    if item.base_self_median == 0 and item.branch_self_median > 0:
        return TimeFinding(FUNCTION, subject, "fail", f"self time {appeared(comparison)}", None)
    verdict = judge(comparison, threshold_pct)
    if verdict not in ("fail", "undecidable"):
        return None
    message = f"self time: {explain(comparison, threshold_pct)}"
    return TimeFinding(FUNCTION, subject, verdict, message, comparison.delta_pct)


def program_finding(comparison: Comparison, config: TimeGateConfig, metric: str) -> TimeFinding:
    """The program rule on one comparison (interval with enough runs, else the larger bar)."""
    verdict, message = judge_slowdown(
        comparison, config.program_slowdown_pct, config.few_runs_slowdown_pct
    )
    return TimeFinding(PROGRAM, metric, verdict, message, comparison.delta_pct)


def appeared(comparison: Comparison) -> str:
    """``appeared: 0 s → 0.02 s in the median run (p=0.009, 6 runs a side)``."""
    return (
        f"appeared: 0 s → {comparison.branch.median:.4g} s in the median run "
        f"({p_phrase(comparison.p_value)}, {runs_text(comparison)})"
    )


def judge_slowdown(
    comparison: Comparison, threshold_pct: float, few_runs_pct: float
) -> tuple[Verdict, str]:
    """The verdict and its reason: on the interval with MIN_RUNS a side, else on the median.

    A base median of 0 (a function absent from the base runs) has no ratio and
    so no interval: when the branch's median is above 0 the time *appeared*,
    slower than any threshold — a failure when the test says so (or, with
    fewer than MIN_RUNS a side, on the medians as the few-runs rule decides);
    0 s on both sides is not slower.
    """
    runs = min(comparison.base.n, comparison.branch.n)
    rests = (
        f"this verdict rests on {counted(runs, 'run')} a side; "
        f"run {MIN_RUNS} or more a side to decide on the interval at +{threshold_pct:g}%"
    )
    if comparison.base.median == 0 and comparison.branch.median == 0:
        return "~", "no time on either side (0 s in the median runs): not slower"
    if comparison.base.median == 0 and comparison.branch.median > 0:
        if runs < MIN_RUNS:
            return "fail", f"{appeared(comparison)}; {rests}"
        if comparison.significant:
            return "fail", appeared(comparison)
        return "undecidable", f"undecidable: {appeared(comparison)}, not significant; run more"
    if runs >= MIN_RUNS:
        return judge(comparison, threshold_pct), explain(comparison, threshold_pct)
    delta = comparison.delta_pct
    if delta is None:
        return "undecidable", f"undecidable: the base median is 0; {rests}"
    if delta > few_runs_pct:
        return (
            "fail",
            f"slower by {format_pct(delta)}, more than the {few_runs_pct:g}% allowed; {rests}",
        )
    return "pass", f"changed by {format_pct(delta)}, within {few_runs_pct:g}%; {rests}"


def load_time_gate_config(
    project_dir: Path | None,
    *,
    program_slowdown_pct: float | None = None,
    few_runs_slowdown_pct: float | None = None,
    function_slowdown_pct: float | None = None,
    program_metric: str | None = None,
) -> TimeGateConfig:
    """Defaults, then ``[tool.workbench]``, then the flags (None where not given)."""
    config = TimeGateConfig()
    table, source = project_table(project_dir)
    for name in ("program_slowdown_pct", "few_runs_slowdown_pct", "function_slowdown_pct"):
        if name in table:
            setattr(config, name, _percent(table[name], name, source))
    if "program_metric" in table:
        config.program_metric = _metric(table["program_metric"], source)
    flags = {
        "program_slowdown_pct": program_slowdown_pct,
        "few_runs_slowdown_pct": few_runs_slowdown_pct,
        "function_slowdown_pct": function_slowdown_pct,
    }
    for name, value in flags.items():
        if value is not None:
            setattr(config, name, value)
    if program_metric is not None:
        config.program_metric = _metric(program_metric, None)
    if config.function_slowdown_pct == 0:
        config.function_slowdown_pct = None
    return config


def _percent(value: Any, name: str, source: Path | None) -> float:
    try:
        return number(value, f"[tool.workbench] {name.replace('_', '-')}", high=10_000)
    except FieldProblem as problem:
        raise ConfigError(f"{source}: {problem} (percent)") from None


def _metric(value: Any, source: Path | None) -> Metric:
    if value not in ("wall", "cpu"):
        where = f"{source}: [tool.workbench] program-metric" if source else "--metric"
        raise ConfigError(f"{where} must be 'wall' or 'cpu', not {value!r}")
    return value  # type: ignore[no-any-return]

"""SLO compliance: PASS, PARTIAL or FAIL per SLI, the verdict, and the error budget.

One run against one objective:

* PASS — the target is met;
* PARTIAL — missed, but within the margin (``margin-pct`` of the target, 10%
  by default): a p95 of 215 ms against 200 ms; a throughput of 46 req/s
  against 50. For availability the margin applies to the *errors* it allows
  (99.9% allows 0.1%; with 10% margin up to 0.11% failed is PARTIAL), since
  10% of 99.9% would be meaningless;
* FAIL — missed by more than the margin.

Over several runs (baseline, stress, spike, soak) an SLI is PASS when every
run passes, PARTIAL when it is met in some and not in others (or only partly
met), FAIL when no run meets it and one misses it by more than the margin.
The verdict is the worst SLI. An SLI a result does not measure (wrk has no
p95) or an endpoint it does not have cannot be judged: that is an error, never
a pass.

The error budget is ``100 - availability-pct`` percent of requests over
``window-days``. A run's burn rate is its error rate over that allowance (1.0
spends the budget exactly over the window); the run consumed
``burn × duration / window`` of the budget; at that rate it lasts
``window / burn``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from workbench.cycle.results import LoadResult
from workbench.cycle.slo import AGGREGATE, Objective, SloSet
from workbench.errors import SloError

Status = Literal["PASS", "PARTIAL", "FAIL"]
_RANK: dict[Status, int] = {"PASS": 0, "PARTIAL": 1, "FAIL": 2}
DAY = 86_400.0


@dataclass(frozen=True)
class Measurement:
    """One objective measured in one run."""

    run: str
    value: float
    status: Status

    def to_json(self) -> dict[str, Any]:
        return {"run": self.run, "value": round(self.value, 6), "status": self.status}


@dataclass(frozen=True)
class SliVerdict:
    """One objective over every run."""

    objective: Objective
    measurements: list[Measurement]
    status: Status

    @property
    def reason(self) -> str:
        """Why the status: ``met in baseline; missed in stress (260 > 200)``."""
        unit = self.objective.kind.unit
        parts = []
        for measurement in self.measurements:
            word = {"PASS": "met", "PARTIAL": "within margin", "FAIL": "missed"}[measurement.status]
            parts.append(f"{word} in {measurement.run} ({measurement.value:.4g} {unit})")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            **self.objective.to_json(),
            "objective": self.objective.describe(),
            "status": self.status,
            "measurements": [m.to_json() for m in self.measurements],
        }


@dataclass(frozen=True)
class BudgetUse:
    """The error budget one run (or all of them, ``run == "all runs"``) spent."""

    run: str
    requests: int
    failures: int
    duration_s: float | None
    error_rate_pct: float
    burn_rate: float
    consumed_pct: float | None
    """Share of the window's budget this run spent; None without a duration."""
    exhausted_in_days: float | None
    """How long the budget lasts at this burn rate; None when nothing burns."""

    @property
    def remaining_pct(self) -> float | None:
        return None if self.consumed_pct is None else max(0.0, 100.0 - self.consumed_pct)

    def to_json(self) -> dict[str, Any]:
        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 6)

        return {
            "run": self.run,
            "requests": self.requests,
            "failures": self.failures,
            "duration_s": rounded(self.duration_s),
            "error_rate_pct": rounded(self.error_rate_pct),
            "burn_rate": rounded(self.burn_rate),
            "consumed_pct": rounded(self.consumed_pct),
            "remaining_pct": rounded(self.remaining_pct),
            "exhausted_in_days": rounded(self.exhausted_in_days),
        }


@dataclass(frozen=True)
class ComplianceReport:
    """Every SLI's verdict, the overall one, and the budget per run and in total."""

    slos: SloSet
    runs: list[str]
    verdicts: list[SliVerdict]
    overall: Status
    budget: list[BudgetUse]

    @property
    def total_budget(self) -> BudgetUse:
        return self.budget[-1]

    def exit_code(self, *, partial_ok: bool = False) -> int:
        """0 on PASS (and on PARTIAL when ``partial_ok``), else 1."""
        if self.overall == "PASS" or (self.overall == "PARTIAL" and partial_ok):
            return 0
        return 1

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": "workbench.slo-compliance/1",
            "overall": self.overall,
            "runs": self.runs,
            "margin_pct": self.slos.margin_pct,
            "window_days": self.slos.window_days,
            "availability_pct": self.slos.availability_pct,
            "slis": [verdict.to_json() for verdict in self.verdicts],
            "error_budget": [use.to_json() for use in self.budget],
        }


def judge(value: float, objective: Objective, margin_pct: float) -> Status:
    """PASS, PARTIAL or FAIL of one value against one objective (see the module doc)."""
    target, margin = objective.target, margin_pct / 100.0
    if objective.sli == "availability":
        errors, allowed = 100.0 - value, 100.0 - target
        if errors <= allowed:
            return "PASS"
        return "PARTIAL" if errors <= allowed * (1 + margin) else "FAIL"
    if objective.kind.direction == "max":
        if value <= target:
            return "PASS"
        return "PARTIAL" if value <= target * (1 + margin) else "FAIL"
    if value >= target:
        return "PASS"
    return "PARTIAL" if value >= target * (1 - margin) else "FAIL"


def combine(statuses: Sequence[Status]) -> Status:
    """One SLI over several runs (see the module doc)."""
    kinds = set(statuses)
    if kinds == {"PASS"}:
        return "PASS"
    if "PASS" not in kinds and "FAIL" in kinds:
        return "FAIL"
    return "PARTIAL"


def check_compliance(slos: SloSet, results: Sequence[LoadResult]) -> ComplianceReport:
    """Judge every objective of ``slos`` in every result; SloError when one cannot be judged."""
    if not results:
        raise SloError("no results to check; pass locust CSVs, k6 JSON or wrk output")
    names = run_names(results)
    verdicts = []
    for objective in slos.objectives:
        measurements = [
            Measurement(name, value, judge(value, objective, slos.margin_pct))
            for name, result in zip(names, results, strict=True)
            for value in [measured(objective, result, name)]
        ]
        verdicts.append(
            SliVerdict(objective, measurements, combine([m.status for m in measurements]))
        )
    overall = max((v.status for v in verdicts), key=_RANK.__getitem__, default="PASS")
    budget = [budget_use(slos, name, [result]) for name, result in zip(names, results, strict=True)]
    if len(results) > 1:
        budget.append(budget_use(slos, "all runs", results))
    return ComplianceReport(slos, names, verdicts, overall, budget)


def measured(objective: Objective, result: LoadResult, run: str) -> float:
    """The value of ``objective`` in ``result``; SloError naming what is missing."""
    stats = result.endpoint(objective.endpoint)
    if stats is None:
        known = ", ".join(s.label for s in result.endpoints) or "only the total"
        raise SloError(
            f"the SLO names endpoint {objective.endpoint!r}, absent from {run} ({known}); "
            'fix the name in the SLO file or use "*" for all endpoints'
        )
    if not stats.requests and objective.sli in ("error_rate", "availability", "throughput"):
        raise SloError(f"{run}: {stats.label} has no requests, so its {objective.sli} is unknown")
    value = stats.sli(objective.sli)
    if value is None:
        where = "" if objective.endpoint == AGGREGATE else f" of {objective.endpoint!r}"
        raise SloError(
            f"the SLO asks for {objective.kind.label}{where}, which {run} ({result.tool}) does "
            "not measure; drop that objective or load-test with a tool that reports it"
        )
    return value


def budget_use(slos: SloSet, run: str, results: Sequence[LoadResult]) -> BudgetUse:
    """The budget ``results`` spent together (requests, failures and durations summed)."""
    requests = sum(result.aggregate.requests for result in results)
    failures = sum(result.aggregate.failures for result in results)
    if not requests:
        raise SloError(f"{run}: no requests were made, so no error budget can be computed")
    durations = [result.duration_s for result in results]
    duration = None if any(d is None for d in durations) else sum(durations)  # type: ignore[misc]
    error_rate = 100.0 * failures / requests
    burn = error_rate / slos.allowed_error_pct
    window = slos.window_days * DAY
    return BudgetUse(
        run=run,
        requests=requests,
        failures=failures,
        duration_s=duration,
        error_rate_pct=error_rate,
        burn_rate=burn,
        consumed_pct=None if duration is None else 100.0 * burn * duration / window,
        exhausted_in_days=slos.window_days / burn if burn > 0 else None,
    )


def burn_timeline(slos: SloSet, result: LoadResult) -> list[tuple[float, float, float]]:
    """``(t, burn rate so far, % of the window's budget consumed so far)`` per history row."""
    window = slos.window_days * DAY
    points = []
    for point in result.history:
        if not point.total_requests:
            continue
        burn = 100.0 * point.total_failures / point.total_requests / slos.allowed_error_pct
        points.append((point.t, burn, 100.0 * burn * point.t / window))
    return points


def run_names(results: Sequence[LoadResult]) -> list[str]:
    """A distinct name per result: its profile or source, numbered when they repeat."""
    names: list[str] = []
    for result in results:
        name, number = result.name, 2
        while name in names:
            name, number = f"{result.name} #{number}", number + 1
        names.append(name)
    return names

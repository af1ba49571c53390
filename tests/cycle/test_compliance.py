"""PASS / PARTIAL / FAIL, the verdict, the error budget, and ``slo check``'s exit codes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import workbench
from workbench.cycle.compliance import burn_timeline, check_compliance, combine, judge
from workbench.cycle.results import EndpointStats, HistoryPoint, LoadResult
from workbench.cycle.slo import AGGREGATE, Objective, parse_slo_table
from workbench.errors import SloError

SAMPLES = Path(__file__).with_name("samples")


def run(name: str, *, p95: float = 100, rps: float = 50, requests: int = 10_000,
        failures: int = 0, duration: float | None = 200.0) -> LoadResult:  # fmt: skip
    stats = EndpointStats(
        AGGREGATE, requests=requests, failures=failures, p50_ms=20, p95_ms=p95, rps=rps
    )
    search = EndpointStats("/search", "GET", requests=requests, failures=failures, p95_ms=p95)
    return LoadResult("locust", name, stats, [search], profile=name, duration_s=duration)


@pytest.mark.parametrize(
    ("sli", "target", "value", "status"),
    [
        ("p95", 200, 200, "PASS"),
        ("p95", 200, 219.9, "PARTIAL"),  # within 10% above
        ("p95", 200, 220.1, "FAIL"),
        ("throughput", 50, 50, "PASS"),
        ("throughput", 50, 45.5, "PARTIAL"),  # within 10% below
        ("throughput", 50, 44.9, "FAIL"),
        ("availability", 99.9, 99.9, "PASS"),
        ("availability", 99.9, 99.895, "PARTIAL"),  # 0.105% failed: within 10% of the 0.1%
        ("availability", 99.9, 99.88, "FAIL"),
        ("error_rate", 1, 1.05, "PARTIAL"),
    ],
)
def test_judge_with_the_margin(sli: str, target: float, value: float, status: str) -> None:
    assert judge(value, Objective(AGGREGATE, sli, target), 10.0) == status


@pytest.mark.parametrize(
    ("statuses", "combined"),
    [
        (["PASS", "PASS"], "PASS"),
        (["PASS", "FAIL"], "PARTIAL"),  # met in some profiles and not in others
        (["PASS", "PARTIAL"], "PARTIAL"),
        (["PARTIAL", "PARTIAL"], "PARTIAL"),
        (["PARTIAL", "FAIL"], "FAIL"),  # never met
        (["FAIL"], "FAIL"),
    ],
)
def test_combine_over_runs(statuses: list, combined: str) -> None:
    assert combine(statuses) == combined


def test_verdict_budget_and_burn_over_several_runs() -> None:
    slos = parse_slo_table(
        {"availability-pct": 99.9, "window-days": 28, "endpoints": {"*": {"p95-ms": 200}}}, "t"
    )
    baseline = run("baseline", p95=150, failures=5)  # 0.05% failed: burn 0.5
    stress = run("stress", p95=400, failures=30)  # 0.3% failed: burn 3
    report = check_compliance(slos, [baseline, stress])
    p95, availability = report.verdicts
    assert p95.status == "PARTIAL" and [m.status for m in p95.measurements] == ["PASS", "FAIL"]
    assert availability.status == "PARTIAL"
    assert report.overall == "PARTIAL"
    assert report.exit_code() == 1 and report.exit_code(partial_ok=True) == 0
    first, second, total = report.budget
    assert first.burn_rate == pytest.approx(0.5) and second.burn_rate == pytest.approx(3.0)
    window_s = 28 * 86_400
    assert first.consumed_pct == pytest.approx(100 * 0.5 * 200 / window_s)
    assert first.remaining_pct == pytest.approx(100 - first.consumed_pct)
    assert second.exhausted_in_days == pytest.approx(28 / 3)
    assert (total.run, total.requests, total.failures) == ("all runs", 20_000, 35)
    assert total.burn_rate == pytest.approx(1.75)
    json.dumps(report.to_json(), allow_nan=False)  # strict


def test_no_failures_never_exhausts_and_all_pass_is_exit_0() -> None:
    slos = parse_slo_table({"endpoints": {"GET /search": {"p95-ms": 200}}}, "t")
    report = check_compliance(slos, [run("baseline")])
    assert report.overall == "PASS" and report.exit_code() == 0
    assert report.total_budget.burn_rate == 0 and report.total_budget.exhausted_in_days is None


def test_burn_timeline_from_history() -> None:
    slos = parse_slo_table({"availability-pct": 99.0, "endpoints": {"*": {"p95-ms": 1}}}, "t")
    result = run("baseline")
    result.history = [
        HistoryPoint(0, 0, None, None, None, None, None, 0, 0),
        HistoryPoint(10, 5, 10, 1, 5, 9, 9, 100, 2),
        HistoryPoint(20, 5, 10, 0, 5, 9, 9, 200, 2),
    ]
    assert burn_timeline(slos, result) == [
        (10, pytest.approx(2.0), pytest.approx(100 * 2.0 * 10 / (28 * 86_400))),
        (20, pytest.approx(1.0), pytest.approx(100 * 1.0 * 20 / (28 * 86_400))),
    ]


@pytest.mark.parametrize(
    ("endpoints", "words"),
    [
        ({"/checkout": {"p95-ms": 1}}, ["'/checkout'", "absent from baseline", "GET /search"]),
        ({"*": {"p99-ms": 1}}, ["p99 latency", "does not measure"]),
    ],
)
def test_an_sli_the_results_lack_is_an_error_not_a_pass(endpoints: dict, words: list) -> None:
    slos = parse_slo_table({"endpoints": endpoints}, "t")
    with pytest.raises(SloError) as caught:
        check_compliance(slos, [run("baseline")])
    for word in words:
        assert word in str(caught.value)


def test_slo_check_cli_formats_and_exit_codes(tmp_path: Path) -> None:
    slo = tmp_path / "slo.toml"
    slo.write_text('availability-pct = 99\n[endpoints."*"]\np95-ms = 300\nthroughput-rps = 4\n')
    k6 = SAMPLES / "k6-summary-export.json"
    passed = workbench("slo", "check", k6, "--slo", slo)
    assert passed.returncode == 0, passed.stderr
    assert "Verdict: PASS" in passed.stdout and "215.95 ms" in passed.stdout
    slo.write_text('availability-pct = 99\n[endpoints."*"]\np95-ms = 200\n')
    partial = workbench("slo", "check", k6, "--slo", slo, "--format", "json")
    assert partial.returncode == 1
    data = json.loads(partial.stdout)
    assert data["overall"] == "PARTIAL" and data["slis"][0]["measurements"][0]["value"] == 215.95
    allowed = workbench("slo", "check", k6, "--slo", slo, "--partial-ok", "--format", "markdown")
    assert allowed.returncode == 0 and "**Verdict: PARTIAL**" in allowed.stdout
    slo.write_text('[endpoints."*"]\np95-ms = 100\n')
    failed = workbench("slo", "check", k6, SAMPLES / "wrk-latency-errors.txt", "--slo", slo)
    assert failed.returncode == 2  # wrk has no p95: a verdict we cannot compute
    assert "does not measure" in failed.stderr and failed.stdout == ""

"""Results made by others: locust ``--csv`` files from a real locust run, k6 and wrk samples.

The k6 samples follow the documented ``--summary-export`` format (legacy, flat
statistics; k6 ``internal/js/summary-wrapper.js``, ``oldJSONSummary``; the
figures are those of https://grafana.com/docs/k6/latest/results-output/end-of-test/)
and ``handleSummary``'s ``values`` shape. The wrk samples are the output in
wrk's README (``wrk-readme.txt``) and one with ``--latency`` and the error
lines exactly as ``src/wrk.c`` prints them (``wrk-latency-errors.txt``).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.cycle.instance import Service
from tests.helpers import workbench
from workbench.cycle.readers import read_results
from workbench.errors import ResultsFormatError

SAMPLES = Path(__file__).with_name("samples")

LOCUSTFILE = """
from locust import HttpUser, constant, task

class Visitor(HttpUser):
    wait_time = constant(0.05)

    @task(2)
    def fast(self):
        self.client.get("/fast")

    @task
    def slow(self):
        self.client.get("/slow")

    @task
    def error(self):
        self.client.get("/error")
"""


@pytest.fixture(scope="module")
def locust_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``--csv`` files of a 3 s locust run (locust's own CLI and locustfile) on the service."""
    folder = tmp_path_factory.mktemp("locust")
    (folder / "locustfile.py").write_text(LOCUSTFILE)
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("service.py")), "--work-ms", "5"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        service = Service(server, int(server.stdout.readline()))
        subprocess.run(
            [sys.executable, "-m", "locust", "-f", "locustfile.py", "--headless", "-u", "3",
             "-r", "3", "-t", "3s", "--host", service.url(""), "--csv", "shop",
             "--csv-full-history", "--only-summary", "--exit-code-on-error", "0"],
            cwd=folder, check=True, capture_output=True, timeout=60,
        )  # fmt: skip
    finally:
        server.kill()
        server.wait()
    return folder / "shop"


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def test_locust_csv_read_as_written(locust_csv: Path) -> None:
    rows = _csv(Path(f"{locust_csv}_stats.csv"))
    result = read_results(locust_csv)
    total = next(row for row in rows if row["Name"] == "Aggregated")
    assert result.tool == "locust"
    assert result.aggregate.requests == int(total["Request Count"]) > 0
    assert result.aggregate.failures == int(total["Failure Count"]) > 0
    assert result.aggregate.p95_ms == float(total["95%"])
    assert result.aggregate.rps == float(total["Requests/s"])
    by_name = {stats.name: stats for stats in result.endpoints}
    assert set(by_name) == {"/fast", "/slow", "/error"}
    assert by_name["/error"].failures == by_name["/error"].requests
    assert by_name["/slow"].p50_ms >= 5  # the slow endpoint burns 5 ms of CPU
    # --csv-full-history adds per-endpoint rows; the timeline keeps the totals only.
    history_rows = [
        r for r in _csv(Path(f"{locust_csv}_stats_history.csv")) if r["Name"] == "Aggregated"
    ]
    assert len(result.history) == len(history_rows) >= 2
    assert result.history[-1].total_requests == int(history_rows[-1]["Total Request Count"])
    failures = _csv(Path(f"{locust_csv}_failures.csv"))
    assert [(f.name, f.occurrences) for f in result.failures] == [
        (row["Name"], int(row["Occurrences"])) for row in failures
    ]


def test_locust_csv_found_from_any_of_its_files_or_its_folder(
    locust_csv: Path, tmp_path: Path
) -> None:
    expected = read_results(locust_csv).aggregate
    for path in (Path(f"{locust_csv}_stats.csv"), Path(f"{locust_csv}_failures.csv")):
        assert read_results(path).aggregate == expected
    alone = tmp_path / "alone"
    alone.mkdir()
    shutil.copy(f"{locust_csv}_stats.csv", alone / "run_stats.csv")
    assert read_results(alone).aggregate == expected


def test_k6_summary_export() -> None:
    result = read_results(SAMPLES / "k6-summary-export.json", profile="stress")
    stats = result.aggregate
    assert (result.tool, result.profile) == ("k6", "stress")
    assert (stats.requests, stats.failures) == (180, 0)
    assert (stats.p50_ms, stats.p95_ms, stats.p99_ms) == (110.47, 215.95, None)
    assert stats.rps == 4.36938
    assert result.duration_s == pytest.approx(180 / 4.36938)


def test_k6_handle_summary_values_shape() -> None:
    stats = read_results(SAMPLES / "k6-handle-summary.json").aggregate
    assert (stats.requests, stats.failures) == (1200, 30)  # passes of http_req_failed fail
    assert (stats.p95_ms, stats.p99_ms) == (388, 912.5)
    assert stats.error_rate_pct == pytest.approx(2.5)


def test_k6_endpoints_from_tagged_submetrics() -> None:
    """Thresholds on tagged metrics make k6 keep per-endpoint totals: each is an endpoint
    (``expected_response`` splits are not); a missing http_reqs{…} rate is count/duration."""
    result = read_results(SAMPLES / "k6-endpoints.json")
    assert (result.aggregate.requests, result.aggregate.failures) == (1000, 12)
    assert result.duration_s == 20.0
    search = result.endpoint("GET /search")
    assert search is not None and search.label == "GET /search"
    assert (search.requests, search.failures, search.rps) == (500, 10, 25.0)
    assert (search.p50_ms, search.p95_ms, search.p99_ms) == (70.25, 210.5, 350.0)
    cart = result.endpoint("/cart")
    assert cart is not None and (cart.requests, cart.failures) == (500, 2)  # passes + fails
    assert cart.rps == 25.0 and cart.p95_ms == 55.75
    assert [stats.label for stats in result.endpoints] == ["/cart", "GET /search"]


def test_wrk_readme_output() -> None:
    result = read_results(SAMPLES / "wrk-readme.txt")
    stats = result.aggregate
    assert (result.tool, result.target) == ("wrk", "http://127.0.0.1:8080/index.html")
    assert (stats.requests, stats.failures) == (22464657, 0)
    assert stats.avg_ms == pytest.approx(0.63591)
    assert stats.max_ms == pytest.approx(12.92)
    assert stats.p50_ms is None and stats.p95_ms is None  # no --latency: not measured
    assert result.duration_s == 30.0 and stats.rps == 748868.53


def test_wrk_latency_distribution_and_errors() -> None:
    result = read_results(SAMPLES / "wrk-latency-errors.txt")
    stats = result.aggregate
    assert (stats.p50_ms, stats.p99_ms, stats.p95_ms) == (14.2, 71.5, None)
    # 40 bad statuses + 3 read errors + 7 timeouts; attempts add the 3 reads that never completed.
    assert (stats.requests, stats.failures) == (36003, 50)
    assert result.duration_s == 60.0


#: The columns the locust reader needs, for hand-made broken ``_stats.csv`` files.
HEAD = "Type,Name,Request Count,Failure Count,Requests/s,50%\n"


def k6(duration: str, requests: str, failed: str = "") -> str:
    """A k6 summary with the given metric bodies (JSON text)."""
    extra = f', "http_req_failed": {failed}' if failed else ""
    return f'{{"metrics": {{"http_req_duration": {duration}, "http_reqs": {requests}{extra}}}}}'


def stored(field: str) -> str:
    """A load-test result as the workbench stores it, with ``field`` in its aggregate."""
    return (
        '{"schema": "workbench.loadtest/1", "tool": "locust", "source": "x", '
        f'"aggregate": {{"name": "*", "requests": 3, {field}}}}}'
    )


@pytest.mark.parametrize(
    ("name", "content", "words"),
    [
        ("empty.txt", "", "is empty"),
        ("binary.bin", "\0\1\2garbage", "binary"),
        ("notes.txt", "hello world\n", "not a locust --csv file"),
        ("k6.json", '{"metrics": {"http_reqs": {"count": 1}}}', "no http_req_duration"),
        ("k6.json", k6('{"avg": 1}', '{"count": 1.5}'), "whole count"),
        ("k6.json", k6('{"avg": -1}', '{"count": 3}'), "≥ 0"),
        ("k6.json", k6('{"avg": NaN}', '{"count": 3}'), "not a number"),
        ("k6.json", k6("{}", '{"count": 3}', '{"passes": 9}'), "no larger"),
        ("k6.json", '{"metrics": ', "truncated JSON"),
        ("k6.json", '{"metrics": }', "malformed JSON"),
        ("k6.json", "[" * 100_000 + "]" * 100_000, "nested too deeply"),
        (
            "k6.json",
            k6('{"med": 1}', '{"count": 3, "rate": 1}').replace(
                '"metrics": {', '"metrics": {"http_req_duration{name:/x}": {"med": 2}, ', 1
            ),
            "http_req_duration{name:/x} has no request count",
        ),
        ("other.json", '{"rows": []}', "without k6's 'metrics'"),
        # A stored run of ours is untrusted too (copied, edited, from a newer workbench).
        ("run.json", stored('"p95_ms": -5'), "aggregate.p95_ms = -5.0 is out of range"),
        ("run.json", stored('"failures": 9'), "more failures"),
        ("run.json", stored('"requests": "3"'), "aggregate.requests must be a number"),
        ("run.json", stored('"rps": 1e999'), "finite"),
        ("run.json", '{"schema": "workbench.loadtest/1", "tool": "locust"}', "has no 'source'"),
        ("x_stats.csv", "Type,Name\nGET,/a\n", "no column"),
        ("x_stats.csv", HEAD + "GET,/a,3,1,1,5\n", "no 'Aggregated' row"),
        ("x_stats.csv", HEAD + ",Aggregated,3,4,1,5\n", "more failures"),
        ("x_stats.csv", HEAD + ",Aggregated,3,1,-1,5\n", "≥ 0"),
        ("x_stats.csv", HEAD + ",Aggregated,3,1\n", "wrong number of cells"),
        (
            "wrk.txt",
            "  5 requests in 1.00s, 1KB read\n  Non-2xx or 3xx responses: 9\nRequests/sec: 5.00\n",
            "more failures",
        ),
    ],
)
def test_malformed_results_are_one_line(
    tmp_path: Path, name: str, content: str, words: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(ResultsFormatError) as caught:
        read_results(path)
    assert words in str(caught.value) and "\n" not in str(caught.value)


def test_slo_check_on_a_malformed_file_exits_2_and_changes_nothing(tmp_path: Path) -> None:
    (tmp_path / "slo.toml").write_text('[endpoints."*"]\np95-ms = 100\n')
    bad = tmp_path / "run_stats.csv"
    bad.write_text("Type,Name\nGET,/a\n")
    before = bad.read_bytes()
    result = workbench("slo", "check", bad, cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "no column" in result.stderr
    assert result.stdout == "" and bad.read_bytes() == before
    missing = workbench("slo", "check", tmp_path / "nothing.json", cwd=tmp_path)
    assert missing.returncode == 2 and "does not exist" in missing.stderr

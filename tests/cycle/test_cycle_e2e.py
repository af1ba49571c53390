"""A new user's cycle against a real service, end to end through the CLI.

One command sets the SLOs and records a baseline under load with a profile;
the service is redeployed faster; one command records the after run and
produces the six reports and the verdict. The numbers in the reports must be
the numbers in locust's CSVs, and the verdict must be the one ``slo check``
gives on those CSVs.
"""

from __future__ import annotations

import csv
import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cycle.instance import Service
from tests.helpers import workbench

SLO = """\
window-days = 28
availability-pct = 50      # /error always fails: a third of the requests
margin-pct = 10

[endpoints."*"]
throughput-rps = 1

[endpoints."/slow"]
p95-ms = 20                # the baseline burns 40 ms per /slow request: FAIL
"""
REPORTS = (
    "baseline.md",
    "bottlenecks.md",
    "plan.md",
    "loadtests.md",
    "compliance.md",
    "summary.md",
)
CSV_COLUMNS = {
    "Requests": "Request Count",
    "Failures": "Failure Count",
    "p50 (ms)": "50%",
    "p95 (ms)": "95%",
    "p99 (ms)": "99%",
    "Throughput (req/s)": "Requests/s",
}


def _git_project(path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(path)], check=True)
    (path / "slo.toml").write_text(SLO)
    return path


def _stats(run_folder: Path) -> dict[str, dict[str, str]]:
    with (run_folder / "locust_stats.csv").open(newline="") as handle:
        return {
            (
                "all endpoints" if row["Name"] == "Aggregated" else f"{row['Type']} {row['Name']}"
            ): row
            for row in csv.DictReader(handle)
        }


def _tables(markdown: str, first_header: str) -> list[list[dict[str, str]]]:
    """Every Markdown table whose first header is ``first_header``, as rows of cells."""
    tables, lines = [], markdown.splitlines()
    for index, line in enumerate(lines):
        if line.startswith(f"| {first_header} |"):
            headers = [cell.strip() for cell in line.strip("|").split("|")]
            rows = []
            for row in lines[index + 2 :]:
                if not row.startswith("|"):
                    break
                cells = [_unescape(cell.strip()) for cell in row.strip("|").split(" | ")]
                rows.append(dict(zip(headers, cells, strict=True)))
            tables.append(rows)
    return tables


def _unescape(cell: str) -> str:
    return re.sub(r"\\(.)", r"\1", cell)


def _assert_table_equals_csv(rows: list[dict[str, str]], stats: dict[str, dict[str, str]]) -> None:
    assert {row["Endpoint"] for row in rows} == set(stats)
    for row in rows:
        source = stats[row["Endpoint"]]
        for column, csv_column in CSV_COLUMNS.items():
            assert float(row[column]) == pytest.approx(float(source[csv_column]), abs=0.005), (
                row["Endpoint"],
                column,
            )


def _assert_no_empty_section(markdown: str) -> None:
    sections = re.split(r"^#{1,3} .*$", markdown, flags=re.M)[1:]
    assert sections and all(section.strip() for section in sections)
    assert "TODO" not in markdown and "placeholder" not in markdown.lower()


@pytest.mark.slow
def test_new_user_cycle(start_service: Callable[..., Service], tmp_path: Path) -> None:
    project = _git_project(tmp_path / "shop")
    service = start_service(work_ms=40)
    added = workbench(
        "backlog", "add", "Cache rendered reports", "--impact", "4", "--effort", "2",
        "--taxonomy", "corrective", "--function", "tests/cycle/service.py:render_report",
        "--kpi", "p95 of /slow (ms)", "--target", "20", cwd=project,
    )  # fmt: skip
    assert added.returncode == 0, added.stderr
    item_id = re.search(r"\d+", added.stdout)[0]

    started = workbench(
        "cycle", "start", "checkout", "--url", service.url("/fast"), "--path", "/slow",
        "--path", "/error", "--users", "3", "--duration", "3", "--pid", service.pid,
        "--baseline", cwd=project,
    )  # fmt: skip
    assert started.returncode == 0, started.stderr
    cycle = project / ".workbench" / "cycles" / "checkout"
    baseline_run = cycle / "runs" / "baseline-baseline"
    assert (baseline_run / "profile.speedscope.json").is_file()
    assert (project / ".workbench" / ".gitignore").read_text() == "*\n"

    # The change: the hot path gets 20x cheaper; the service comes back on another port.
    service.stop()
    faster = start_service(work_ms=2)
    done = workbench("backlog", "status", "done", item_id, cwd=project)
    assert done.returncode == 0, done.stderr
    moved = f"http://127.0.0.1:{faster.port}"
    elsewhere = workbench("cycle", "after", "--url", f"{moved}/other", cwd=project)
    assert elsewhere.returncode == 2 and "changes what the load visits" in elsewhere.stderr
    imported = workbench("cycle", "after", "--url", moved, "--from", baseline_run, cwd=project)
    assert imported.returncode == 2 and "--url goes with a load test" in imported.stderr

    after = workbench("cycle", "after", "--pid", faster.pid, "--url", moved, cwd=project)
    after_run = cycle / "runs" / "after-baseline"
    assert json.loads((after_run / "plan.json").read_text())["host"] == moved
    check = workbench("slo", "check", after_run / "locust", cwd=project)
    assert after.returncode == check.returncode, after.stderr  # the same verdict, the same exit
    verdict = re.search(r"Verdict: (\w+)", check.stdout)[1]
    assert f"after: {verdict}" in after.stdout

    reports = {name: (cycle / "reports" / name).read_text() for name in REPORTS}
    for text in reports.values():
        _assert_no_empty_section(text)
    (baseline_table,) = _tables(reports["baseline.md"], "Endpoint")[:1]
    _assert_table_equals_csv(baseline_table, _stats(baseline_run))
    before_table, after_table = _tables(reports["loadtests.md"], "Endpoint")
    _assert_table_equals_csv(before_table, _stats(baseline_run))
    _assert_table_equals_csv(after_table, _stats(after_run))

    # Summary: every SLI before and after, straight from the two CSVs.
    changes = _tables(reports["summary.md"], "Profile")[0]
    before, later = _stats(baseline_run), _stats(after_run)
    p95_slow = next(r for r in changes if r["Endpoint"] == "GET /slow" and r["SLI"] == "p95")
    assert p95_slow["Before"] == f"{before['GET /slow']['95%']} ms"  # with its unit
    assert float(p95_slow["Before"].removesuffix(" ms")) >= 40
    assert p95_slow["After"] == f"{later['GET /slow']['95%']} ms"
    assert "baseline FAIL" in reports["summary.md"]  # 40 ms of work per request against 20
    assert "Cache rendered reports" in reports["summary.md"]  # done during the cycle
    assert "Effort spent: 2 engineer-days (1 item)" in reports["summary.md"]

    assert "render\\_report" in reports["bottlenecks.md"]  # the hot path the profile saw
    assert "Profile share" in reports["bottlenecks.md"]
    patterns = _tables(reports["bottlenecks.md"], "Function")[-1]
    assert patterns and {"Pattern", "Confidence", "Evidence"} <= set(patterns[0])
    compliance = reports["compliance.md"]
    assert "/slow | p95 | p95 latency ≤ 20 ms | FAIL" in compliance
    assert f"**Verdict: {verdict}**" in compliance

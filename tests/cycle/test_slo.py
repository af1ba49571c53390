"""SLO files: both homes, the defaults, and one line naming the key for each mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers import workbench
from workbench.cycle.slo import AGGREGATE, load_slos, parse_slo_table
from workbench.errors import SloError

PYPROJECT = """
[project]
name = "shop"

[tool.workbench]
new-hotspot-pct = 5

[tool.workbench.slo]
window-days = 30
availability-pct = 99.5
margin-pct = 20

[tool.workbench.slo.endpoints."*"]
p95-ms = 200
throughput-rps = 50

[tool.workbench.slo.endpoints."GET /search"]
p99-ms = 500
error-rate-pct = 1
"""


def test_pyproject_table_is_read_with_its_budget(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    slos = load_slos(cwd=tmp_path)
    assert (slos.window_days, slos.availability_pct, slos.margin_pct) == (30, 99.5, 20)
    assert slos.allowed_error_pct == pytest.approx(0.5)
    described = [(o.endpoint, o.describe()) for o in slos.objectives]
    assert described == [
        (AGGREGATE, "p95 latency ≤ 200 ms"),
        (AGGREGATE, "throughput ≥ 50 req/s"),
        ("GET /search", "p99 latency ≤ 500 ms"),
        ("GET /search", "error rate ≤ 1 %"),
        (AGGREGATE, "availability ≥ 99.5 %"),  # the budget objective is an SLI too
    ]


def test_slo_toml_in_the_folder_wins_and_defaults_apply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    (tmp_path / "slo.toml").write_text('[endpoints."/a"]\np50-ms = 10\n')
    slos = load_slos(cwd=tmp_path)
    assert slos.source.endswith("slo.toml")
    assert (slos.window_days, slos.availability_pct, slos.margin_pct) == (28, 99.9, 10)


@pytest.mark.parametrize(
    ("table", "words"),
    [
        ({"endpoints": {"*": {"p59-ms": 10}}}, ["'p59-ms'", "unknown SLI", 'endpoints."*"']),
        ({"endpoints": {"*": {"p95-ms": -5}}}, ["p95-ms", "out of range"]),
        ({"endpoints": {"*": {"p95-ms": float("nan")}}}, ["p95-ms", "finite"]),
        ({"endpoints": {"*": {"p95-ms": True}}}, ["p95-ms", "must be a number"]),
        ({"endpoints": {"*": {"p95-ms": "fast"}}}, ["p95-ms", "must be a number"]),
        ({"availability-pct": 100}, ["availability-pct", "no error budget"]),
        ({"window-days": 0, "endpoints": {"*": {"p95-ms": 1}}}, ["window-days", "out of range"]),
        ({"windows-days": 28}, ["unknown key", "'windows-days'"]),
        ({"endpoints": {"*": {}}}, ['endpoints."*"', "at least one target"]),
        ({"endpoints": {"": {"p95-ms": 1}}}, ["empty name"]),
        ({"endpoints": []}, ["endpoints must be a table"]),
        ({}, ["sets no objective"]),
    ],
)
def test_bad_tables_name_the_key_and_the_problem(table: dict, words: list[str]) -> None:
    with pytest.raises(SloError) as caught:
        parse_slo_table(table, "slo.toml", "slo.toml")
    message = str(caught.value)
    assert "\n" not in message
    for word in words:
        assert word in message


def test_slo_show_prints_them_and_json_is_strict(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(PYPROJECT)
    shown = workbench("slo", "show", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "p99 latency ≤ 500 ms" in shown.stdout
    assert "0.5% of requests may fail over 30 days" in shown.stdout
    as_json = workbench("slo", "show", "--format", "json", cwd=tmp_path)
    data = json.loads(as_json.stdout)
    assert data["allowed_error_pct"] == 0.5 and len(data["objectives"]) == 5


@pytest.mark.parametrize(
    ("content", "words"),
    [
        ("[endpoints\n", "not valid TOML"),
        ('[endpoints."*"]\np95-ms = 0\n', "p95-ms = 0 is out of range"),
    ],
)
def test_slo_show_bad_file_is_one_line_exit_2(tmp_path: Path, content: str, words: str) -> None:
    (tmp_path / "slo.toml").write_text(content)
    result = workbench("slo", "show", "--slo", tmp_path / "slo.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and words in result.stderr
    assert "Traceback" not in result.stderr


def test_no_slos_anywhere_says_where_to_put_them(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    result = workbench("slo", "show", cwd=tmp_path)
    assert result.returncode == 2
    assert "[tool.workbench.slo]" in result.stderr and "--slo" in result.stderr

"""``workbench bench compare`` end to end on files real pytest-benchmark and pyperf wrote."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.suites import ROUNDS, BenchFiles
from tests.helpers import workbench


def test_three_times_slower_fails_the_gate(bench_files: BenchFiles) -> None:
    for base, branch in (
        (bench_files.pytest_base, bench_files.pytest_branch),
        (bench_files.pyperf_base, bench_files.pyperf_branch),
    ):
        result = workbench("bench", "compare", base, branch, "--gate", "2", "--format", "json")
        assert result.returncode == 1, result.stderr
        report = json.loads(result.stdout)
        assert report["schema"] == "workbench.bench-compare/1" and report["outcome"] == "fail"
        (scaled,) = [row for row in report["benchmarks"] if row["name"].endswith("scaled")]
        assert scaled["verdict"] == "fail" and scaled["significant"]
        assert scaled["base"]["n"] >= 4 and scaled["branch"]["n"] >= 4
        # About +200%; a loaded machine skews runs made at different times, so loosely.
        assert 100 < scaled["delta_pct"] < 500
        assert scaled["interval_pct"][0] > 2


def test_text_table_and_one_sided_benchmarks(bench_files: BenchFiles) -> None:
    result = workbench("bench", "compare", bench_files.pytest_base, bench_files.pytest_branch)
    assert result.returncode == 0, result.stderr  # no gate: a report, not a check
    header, *rows = result.stdout.split("\n\n")[1].splitlines()
    assert header.split() == ["benchmark", "base", "branch", "Δ", "p", "n"]
    scaled = next(row for row in rows if "test_scaled" in row)
    assert " ± " in scaled and f" {ROUNDS}" in scaled and "+" in scaled.split("±")[-1]
    assert "only in base (not compared): " in result.stdout
    assert "test_removed" in result.stdout.split("only in base")[1]


def test_same_data_against_itself_is_no_change(bench_files: BenchFiles) -> None:
    base = bench_files.pytest_base
    result = workbench("bench", "compare", base, base, "--gate", "2", "--format", "json")
    report = json.loads(result.stdout)
    for row in report["benchmarks"]:
        assert row["p_value"] == 1.0 and not row["significant"] and row["delta_pct"] == 0
        # "~" unless the noise of these runs is too wide to rule out +2%: then "undecidable".
        assert row["verdict"] in ("~", "undecidable"), row
    undecided = any(row["verdict"] == "undecidable" for row in report["benchmarks"])
    assert result.returncode == (1 if undecided else 0)


def test_quiet_runs_against_themselves_pass_as_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("name,us\n" + "".join(f"parse,{v}\n" for v in (100, 101, 99, 100.5, 99.5, 100)))
    result = workbench("bench", "compare", path, path, "--gate", "2")
    assert result.returncode == 0, result.stdout
    assert "gate +2%: pass: 1 unchanged (~); exit 0" in result.stdout


def test_one_run_a_side_says_so_and_is_not_a_pass(tmp_path: Path) -> None:
    base, branch = tmp_path / "base.csv", tmp_path / "branch.csv"
    base.write_text("name,s\nparse,1.0\n")
    branch.write_text("name,s\nparse,3.0\n")
    result = workbench("bench", "compare", base, branch, "--gate", "2")
    assert result.returncode == 1
    assert "UNDECIDABLE" in result.stdout
    assert "undecidable with 1 run a side: fewer than 4 runs a side" in result.stdout
    markdown = workbench("bench", "compare", base, branch, "--format", "markdown", "--gate", "2")
    assert "fewer than 4 runs a side" in markdown.stdout and "exit 1" in markdown.stdout


def test_markdown_is_a_complete_report(tmp_path: Path) -> None:
    base, branch = tmp_path / "base.csv", tmp_path / "branch.csv"
    runs = [1.0, 1.01, 0.99, 1.02, 0.98, 1.0]
    base.write_text("name,ms\n" + "".join(f"a|`<b>`,{v}\n" for v in runs))
    branch.write_text("name,ms\n" + "".join(f"a|`<b>`,{3 * v}\n" for v in runs))
    result = workbench("bench", "compare", base, branch, "--gate", "2", "--format", "markdown")
    assert result.returncode == 1
    text = result.stdout
    assert text.startswith("## Benchmarks: base vs branch — FAIL (gate +2%)")
    for needed in ("**Base:** `", "**Branch:** `", "Mann-Whitney", "Holm", "**Outcome:**"):
        assert needed in text
    assert "| a\\|\\`&lt;b&gt;\\` | 1ms ± 2% | 3ms ± 2% | \\+200.00% |" in text
    assert "| 6 | FAIL |" in text and "### Why" in text


def test_hostile_names_are_drawn_literally(tmp_path: Path) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("name,s\n" + "\x1b[31mred[/]\x07,1\n" * 4)
    result = workbench("bench", "compare", path, path)
    assert result.returncode == 0, result.stderr
    assert "\\x1b[31mred[/]\\x07" in result.stdout and "\x1b" not in result.stdout


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (("name,s\na,1\n", "name,s\nb,1\n"), "no benchmark in common"),
        (("name,s\na,1\n", "name,bytes\na,1\n"), "cannot be compared"),
        (("name,s\na,1\n", '{"benchmarks": [1, 2'), "truncated JSON"),
        (("name,s\na,1\n", "name,s\na,inf\n"), "not a measurement"),
    ],
)
def test_bad_input_exits_2_in_one_line(
    tmp_path: Path, files: tuple[str, str], message: str
) -> None:
    base, branch = tmp_path / "base", tmp_path / "branch"
    base.write_text(files[0])
    branch.write_text(files[1])
    result = workbench("bench", "compare", base, branch, "--gate", "2")
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("flags", [("--gate", "-1"), ("--gate", "nan"), ("--alpha", "1")])
def test_bad_flags_are_usage_errors(tmp_path: Path, flags: tuple[str, str]) -> None:
    path = tmp_path / "runs.csv"
    path.write_text("name,s\na,1\n")
    assert workbench("bench", "compare", path, path, *flags).returncode == 2


def test_building_the_parser_stays_light() -> None:
    # Start-up budget: the parser of every command is built on each call.
    code = (
        "import sys\nfrom workbench.cli import build_parser\nbuild_parser()\n"
        "print(sorted(m for m in ('numpy', 'scipy', 'workbench.bench', 'workbench.stats')"
        " if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"

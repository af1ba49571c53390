"""Readers of benchmark results: real tool output, sniffed by content, and every bad file."""

from __future__ import annotations

import gzip
import json
import shutil
from pathlib import Path

import pytest

from tests.bench.suites import PYPERF_PROCESSES, PYPERF_VALUES, ROUNDS, BenchFiles
from workbench.bench.readers import read_bench_file
from workbench.errors import BenchFormatError


def test_pytest_benchmark_rounds_are_the_runs(bench_files: BenchFiles) -> None:
    bench = read_bench_file(bench_files.pytest_base)
    assert bench.format == "pytest-benchmark"
    names = list(bench.results)
    assert [name.split("::")[-1] for name in names] == [
        "test_steady",
        "test_scaled",
        "test_removed",
    ]
    steady = bench.results[names[0]]
    assert steady.unit == "second" and len(steady.values) == ROUNDS  # warm-up round left out
    document = json.loads(bench_files.pytest_base.read_text())
    assert list(steady.values) == document["benchmarks"][0]["stats"]["data"]
    assert bench.context[0].startswith("pytest-benchmark ")


def test_pyperf_values_without_warmups(bench_files: BenchFiles) -> None:
    bench = read_bench_file(bench_files.pyperf_base)
    assert bench.format == "pyperf" and list(bench.results) == ["steady", "scaled"]
    document = json.loads(bench_files.pyperf_base.read_text())
    runs = document["benchmarks"][0]["runs"]
    assert all(run["warmups"] for run in runs)  # pyperf did record warm-ups …
    steady = bench.results["steady"]
    assert len(steady.values) == PYPERF_PROCESSES * PYPERF_VALUES  # … and they are left out
    assert list(steady.values) == [value for run in runs for value in run["values"]]


def test_format_is_sniffed_not_named(bench_files: BenchFiles, tmp_path: Path) -> None:
    renamed = tmp_path / "results.csv"
    shutil.copy(bench_files.pyperf_base, renamed)
    assert read_bench_file(renamed).format == "pyperf"
    squeezed = tmp_path / "no-suffix"
    squeezed.write_bytes(gzip.compress(bench_files.pyperf_base.read_bytes()))
    assert read_bench_file(squeezed).results.keys() == {"steady", "scaled"}


def test_csv_runs_in_the_header_unit(tmp_path: Path) -> None:
    path = tmp_path / "runs.txt"
    path.write_text('# timings\nname,ms\nparse,1.5\n"a, b",2\n\nparse,2.5\n')
    bench = read_bench_file(path)
    assert bench.format == "csv"
    assert bench.results["parse"].values == (0.0015, 0.0025)
    assert bench.results["a, b"].values == (0.002,)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x00\x01binary", "binary"),
        (b"\xff\xfe\xfa not utf-8", "not UTF-8"),
        (b'{"shared": {"frames": []}, "profiles": []}', "not benchmark results"),
        (b"some,other\nx,1\n", "not benchmark results"),
        (b"name,ops/s\nparse,100\n", "higher-is-better"),
        (b"name,seconds\nparse,nan\n", "not a measurement"),
        (b"name,seconds\nparse,-1\n", "not a measurement"),
        (b"name,seconds\nparse,1e9\n", "not believable; check the unit"),
        (b"name,seconds\nparse,fast\n", "'fast' is not a number"),
        (b"name,seconds\nparse,1,2\n", "expected 'name,value'"),
        (b"name,seconds\n", "holds no benchmark runs"),
        (b'{"benchmarks": [{"name": "x", "stats": {"mean": 1.0}}]}', "--benchmark-save-data"),
        (b'{"version": "1.0", "benchmarks": [{"runs": []}]}', "has no name"),
        (
            b'{"version": "1.0", "metadata": {"name": "x", "unit": "furlong"}, '
            b'"benchmarks": [{"runs": [{"values": [1.0]}]}]}',
            "unknown unit",
        ),
        (b"\x1f\x8b\x08\x00truncated", "gzip"),
        (b'{"benchmarks": [{"name": "x", "stats": {"data": [' + b"9" * 5000 + b"]}}]}", "digits"),
        (b'{"benchmarks": [{"name": "x", "stats": {"data": [' + b"9" * 400 + b"]}}]}", "inf is"),
    ],
    ids=lambda value: value if isinstance(value, str) else None,
)
def test_bad_files_are_one_line_errors(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "results"
    path.write_bytes(content)
    with pytest.raises(BenchFormatError, match=message) as caught:
        read_bench_file(path)
    assert "\n" not in str(caught.value) and str(path) in str(caught.value)


def test_truncated_real_file(bench_files: BenchFiles, tmp_path: Path) -> None:
    text = bench_files.pytest_base.read_text()
    path = tmp_path / "cut.json"
    for cut in (len(text) // 2, len(text) - 3):
        path.write_text(text[:cut])
        with pytest.raises(BenchFormatError, match="truncated JSON"):
            read_bench_file(path)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(BenchFormatError, match="does not exist"):
        read_bench_file(tmp_path / "nope.json")
    with pytest.raises(BenchFormatError, match="is a folder"):
        read_bench_file(tmp_path)

"""Real benchmark results, produced once per session by real pytest-benchmark and pyperf.

The same small workload runs at two "revisions": base, and a branch where one
benchmark does three times the work (``scaled``) and another (``steady``)
is unchanged; pytest-benchmark's base also has a benchmark the branch lacks.
Each suite sits in its own folder under the same file name, as two checkouts
of one project would, so the benchmarks' names match. Both tools time CPU
seconds (pytest-benchmark's ``--benchmark-timer``, pyperf's ``bench_time_func``):
on a shared, loaded machine wall time swings by several times, which would make
a 3× change undecidable now and then; CPU time of a pure-Python loop does not.
The producers run one after the other; pyperf is kept short with few
processes and values. ``conftest.py`` makes them the ``bench_files`` fixture.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Loop iterations of one call of the workload: about a millisecond.
WORK = 20_000
#: pytest-benchmark rounds per benchmark (``pedantic``, one warm-up round left out):
#: enough that a few rounds hit by another process's time slice cannot hide a 3× change.
ROUNDS = 12
#: pyperf processes × values per process (``--warmups 1`` a process left out).
PYPERF_PROCESSES, PYPERF_VALUES = 2, 3

WORKLOAD = """
def work(n):
    return sum(i * i for i in range(n))
"""

PYTEST_BENCHMARK_SUITE = (
    WORKLOAD
    + f"""
FACTOR = {{factor}}


def test_steady(benchmark):
    benchmark.pedantic(work, args=({WORK},), rounds={ROUNDS}, iterations=3, warmup_rounds=1)


def test_scaled(benchmark):
    benchmark.pedantic(
        work, args=({WORK} * FACTOR,), rounds={ROUNDS}, iterations=3, warmup_rounds=1
    )
{{extra}}"""
)

REMOVED_BENCHMARK = f"""

def test_removed(benchmark):
    benchmark.pedantic(work, args=({WORK},), rounds={ROUNDS}, iterations=1)
"""

PYPERF_SCRIPT = (
    WORKLOAD
    + f"""
import time

import pyperf


def cpu_timed(loops, n):
    start = time.process_time()
    for _ in range(loops):
        work(n)
    return time.process_time() - start


FACTOR = {{factor}}
runner = pyperf.Runner()
runner.bench_time_func("steady", cpu_timed, {WORK})
runner.bench_time_func("scaled", cpu_timed, {WORK} * FACTOR)
"""
)


@dataclass(frozen=True)
class BenchFiles:
    """Result files of the real tools: base and a branch whose ``scaled`` is 3× slower."""

    pytest_base: Path
    pytest_branch: Path
    pyperf_base: Path
    pyperf_branch: Path


def produce(folder: Path) -> BenchFiles:
    """Run both tools on both revisions of the suite in ``folder``; their result files."""
    jobs = {}
    for side, factor in (("base", 1), ("branch", 3)):
        suite = folder / side / "test_suite.py"
        suite.parent.mkdir()
        extra = REMOVED_BENCHMARK if side == "base" else ""
        suite.write_text(PYTEST_BENCHMARK_SUITE.format(factor=factor, extra=extra))
        jobs[f"pytest_{side}"] = [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--rootdir",
            str(suite.parent),
            str(suite),
            "--benchmark-timer=time.process_time",
            f"--benchmark-json={folder / f'pytest_{side}.json'}",
        ]
        script = folder / f"pyperf_{side}.py"
        script.write_text(PYPERF_SCRIPT.format(factor=factor))
        jobs[f"pyperf_{side}"] = [
            sys.executable,
            str(script),
            "--quiet",
            f"--processes={PYPERF_PROCESSES}",
            f"--values={PYPERF_VALUES}",
            "--warmups=1",
            "--loops=10",
            "-o",
            str(folder / f"pyperf_{side}.json"),
        ]
    for name, command in jobs.items():
        done = subprocess.run(
            command, cwd=folder, capture_output=True, text=True, timeout=120, check=False
        )
        assert done.returncode == 0, f"{name} failed:\n{done.stdout}{done.stderr}"
    return BenchFiles(
        pytest_base=folder / "pytest_base.json",
        pytest_branch=folder / "pytest_branch.json",
        pyperf_base=folder / "pyperf_base.json",
        pyperf_branch=folder / "pyperf_branch.json",
    )

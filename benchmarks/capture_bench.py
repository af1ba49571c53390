"""``capture``'s own overhead: the whole command against py-spy run the same number of times.

Usage::

    python benchmarks/capture_bench.py [--repeat 5] [--rounds 3] [--size 15000000]

Builds a two-commit git repository of a small pure-Python package in a
temporary folder, then, interleaved for ``--rounds`` rounds, times:

* **py-spy alone** (the reference) — ``py-spy record --format speedscope --
  python bench.py`` run 2 × ``--repeat`` times in a row (what a user does by
  hand: the same runs, each profiled);
* **workbench capture** — ``workbench capture --repeat N`` on the two commits:
  the same 2 × N profiled runs plus resolving revisions, two worktrees made and
  removed, the manifest rewritten after every run, the statistics and the
  report.

Prints the median of each and their ratio. Target: capture ≤ 1.1× py-spy alone.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET = 1.1
WORKLOAD = """
def parse(n):
    total = 0
    for i in range(n):
        total += i * i
    return total
"""
BENCH = "import sys, pkg\npkg.parse(int(sys.argv[1]))\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def make_repo(folder: Path) -> Path:
    repo = folder / "repo"
    (repo / "pkg").mkdir(parents=True)
    _git(repo, "init", "-q")
    _git(repo, "config", "user.email", "bench@workbench.invalid")
    _git(repo, "config", "user.name", "Bench")
    (repo / "pkg" / "__init__.py").write_text(WORKLOAD)
    (repo / "bench.py").write_text(BENCH)
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "base")
    (repo / "pkg" / "__init__.py").write_text(WORKLOAD + "\n# branch\n")
    _git(repo, "commit", "-q", "-am", "branch")
    return repo


def time_pyspy(repo: Path, runs: int, size: int, scratch: Path) -> float:
    pyspy = Path(sys.executable).with_name("py-spy")
    env = dict(os.environ, PYTHONPATH=str(repo))
    started = time.perf_counter()
    for index in range(runs):
        subprocess.run(
            [str(pyspy), "record", "--format", "speedscope", "--rate", "100",
             "-o", str(scratch / f"ref-{index}.json"), "--",
             sys.executable, "bench.py", str(size)],
            cwd=repo, env=env, check=True, capture_output=True,
        )  # fmt: skip
    return time.perf_counter() - started


def time_capture(repo: Path, repeat: int, size: int, out: Path) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "workbench", "capture", "--repo", str(repo), "--base", "HEAD~1",
         "--branch", "HEAD", "--repeat", str(repeat), "--out", str(out), "--",
         sys.executable, "bench.py", str(size)],
        check=True, capture_output=True,
    )  # fmt: skip
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs a side (default 5)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    parser.add_argument(
        "--size", type=int, default=15_000_000, help="loop size of the workload (~1 s a run)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="capture-bench-") as folder:
        root = Path(folder)
        os.environ["WORKBENCH_CACHE_DIR"] = str(root / "cache")
        repo = make_repo(root)
        reference, ours = [], []
        for round_ in range(args.rounds):
            scratch = root / f"ref-{round_}"
            scratch.mkdir()
            reference.append(time_pyspy(repo, 2 * args.repeat, args.size, scratch))
            ours.append(time_capture(repo, args.repeat, args.size, root / f"cap-{round_}"))
            print(f"round {round_ + 1}: py-spy alone {reference[-1]:.2f} s, "
                  f"capture {ours[-1]:.2f} s")  # fmt: skip
    ref, cap = statistics.median(reference), statistics.median(ours)
    print(f"\n{2 * args.repeat} profiled runs, median of {args.rounds} rounds")
    print(f"py-spy alone (reference): {ref:.2f} s")
    print(f"workbench capture:        {cap:.2f} s")
    print(f"ratio: {cap / ref:.2f}x (target <= {TARGET}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

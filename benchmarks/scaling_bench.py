"""``scaling`` on three big profiles, against the time to read them.

Usage::

    python benchmarks/scaling_bench.py [--stacks 100000] [--rounds 5]

Generates three deterministic collapsed profiles (the base side of
``collapsed_pair.py`` with three seeds, weights multiplied by the size so
the fit has growth to find) in a temporary folder, then prints medians over
the rounds of:

* **read** — ``read_profile`` on the three files (what any answer must pay);
* **fit** — ``scaling_report`` on the three profiles already read;
* **read + fit** — what ``workbench scaling --size N FILE ...`` does;

and the ratio of read + fit to read (target: ≤ 2×).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from collapsed_pair import write_pair

from workbench.analysis.scaling import scaling_report
from workbench.profiles.io import read_profile

SIZES = (1000, 2000, 4000)
RATE = 100.0


def write_profiles(folder: Path, stacks: int) -> list[tuple[int, Path]]:
    """Three profiles, one per size: the pair generator's base with its own seed."""
    runs = []
    for index, size in enumerate(SIZES):
        base, branch = write_pair(folder / f"n{size}", stacks, seed=20251123 + index)
        branch.unlink()
        grown = folder / f"n{size}.txt"
        with base.open() as source, grown.open("w") as out:
            for line in source:
                stack, _, weight = line.rpartition(" ")
                out.write(f"{stack} {int(weight) * size // SIZES[0]}\n")
        base.unlink()
        runs.append((size, grown))
    return runs


def timed(job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stacks", type=int, default=100_000, help="unique stacks per file")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="scaling-bench-") as name:
        folder = Path(name)
        for size in SIZES:
            (folder / f"n{size}").mkdir()
        paths = write_profiles(folder, args.stacks)
        megabytes = sum(path.stat().st_size for _, path in paths) / 1e6
        print(f"3 x {args.stacks:,} stacks, {megabytes:,.0f} MB; {args.rounds} rounds, medians")
        times: dict[str, list[float]] = {"read": [], "fit": [], "read + fit": []}
        functions = 0
        for _ in range(args.rounds):

            def read() -> list[tuple[int, object]]:
                return [(size, read_profile(path)) for size, path in paths]

            times["read"].append(timed(read))
            runs = read()
            times["fit"].append(timed(lambda runs=runs: scaling_report(runs, rate=RATE)))
            del runs

            def both() -> None:
                nonlocal functions
                functions = len(scaling_report(read(), rate=RATE).functions)

            times["read + fit"].append(timed(both))
        reading = statistics.median(times["read"])
        print(f"{'step':<11} {'median s':>9} {'x read':>7}")
        for step, values in times.items():
            median = statistics.median(values)
            print(f"{step:<11} {median:>9.3f} {median / reading:>6.2f}x")
        ratio = statistics.median(times["read + fit"]) / reading
        verdict = "met" if ratio <= 2 else "NOT met"
        print(f"{functions} functions fitted")
        print(f"target read + fit <= 2x read: {verdict} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

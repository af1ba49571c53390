"""Parse + function-level diff of a collapsed pair, against the floor of reading it.

Usage::

    python benchmarks/profile_diff_bench.py [--stacks 100000 | --big] [--rounds 3]

Generates a deterministic pair (see ``collapsed_pair.py``) in a temporary
folder, then prints medians over the rounds of:

* **floor** — read both files as text and split their lines, nothing else;
* **parse** — ``read_profile`` on both;
* **parse + diff** — the above plus ``diff_profiles(by="function")``;
* **diff** — the diff alone, on profiles already read;
* **diff tree** — the differential tree behind the icicle (pruned at 0.01%), for information;

each as a ratio to the floor (target: parse + diff ≤ 3×), and the peak RSS
of a fresh process doing parse + diff against the pair's combined size
(target: below it). Timings are taken in this process, memory in a child so
that one measurement does not inherit the other's heap.
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from collapsed_pair import write_pair

from workbench.profiles.diff import diff_profiles
from workbench.profiles.difftree import diff_tree
from workbench.profiles.io import read_profile

BIG = 1_000_000
#: The icicle's pruning (nodes under 0.01% of both profiles are not drawn).
TREE_MIN_PCT = 0.01


def read_and_split(paths: tuple[Path, Path]) -> None:
    """The floor: what any reader must at least do."""
    for path in paths:
        with path.open(encoding="utf-8") as stream:
            stream.read().splitlines()


def parse(paths: tuple[Path, Path]) -> None:
    """Both profiles, held together as the diff needs them."""
    profiles = [read_profile(path) for path in paths]
    del profiles


def parse_and_diff(paths: tuple[Path, Path]) -> None:
    diff_profiles(read_profile(paths[0]), read_profile(paths[1]))


def timed(job: Callable[[], object]) -> float:
    start = time.perf_counter()
    job()
    return time.perf_counter() - start


def own_peak_rss() -> int:
    """This process's peak RSS in bytes.

    ``VmHWM`` rather than ``ru_maxrss``: on Linux a child's ``ru_maxrss``
    starts at its parent's high-water mark (exec keeps it), so a child of this
    benchmark would report the parent's heap of parsed profiles.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def peak_rss(step: str, paths: tuple[Path, Path]) -> int:
    """Peak RSS in bytes of a fresh interpreter running ``step`` on ``paths``."""
    result = subprocess.run(
        [sys.executable, __file__, "--peak-of", step, str(paths[0]), str(paths[1])],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(result.stdout.strip())


STEPS: dict[str, Callable[[tuple[Path, Path]], None]] = {
    "floor": read_and_split,
    "parse": parse,
    "parse+diff": parse_and_diff,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--stacks", type=int, default=100_000, help="unique stacks per file")
    size.add_argument("--big", action="store_true", help=f"{BIG:,} stacks per file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--peak-of", nargs=3, metavar=("STEP", "BASE", "BRANCH"), help="internal")
    args = parser.parse_args()
    if args.peak_of:
        step, base, branch = args.peak_of
        STEPS[step]((Path(base), Path(branch)))
        print(own_peak_rss())
        return 0

    stacks = BIG if args.big else args.stacks
    with tempfile.TemporaryDirectory(prefix="profile-diff-bench-") as folder:
        start = time.perf_counter()
        paths = write_pair(Path(folder), stacks)
        combined = sum(path.stat().st_size for path in paths)
        print(
            f"pair: 2 x {stacks:,} stacks, {combined / 1e6:,.0f} MB combined "
            f"(generated in {time.perf_counter() - start:.1f} s); {args.rounds} rounds, medians"
        )
        times: dict[str, list[float]] = {
            "floor": [],
            "parse": [],
            "parse+diff": [],
            "diff": [],
            "diff tree": [],
        }
        for _ in range(args.rounds):
            for step, job in STEPS.items():
                times[step].append(timed(lambda job=job: job(paths)))
            pair = (read_profile(paths[0]), read_profile(paths[1]))
            times["diff"].append(timed(lambda pair=pair: diff_profiles(*pair)))
            times["diff tree"].append(
                timed(lambda pair=pair: diff_tree(*pair, min_pct=TREE_MIN_PCT))
            )
            del pair
        floor = statistics.median(times["floor"])
        print(f"{'step':<12} {'median s':>9} {'x floor':>8}")
        for step, values in times.items():
            median = statistics.median(values)
            print(f"{step:<12} {median:>9.2f} {median / floor:>7.2f}x")
        print(f"{'peak RSS':<12} {'MB':>9} {'x size':>8}   (fresh process each)")
        for step in ("floor", "parse", "parse+diff"):
            peak = peak_rss(step, paths)
            print(f"{step:<12} {peak / 1e6:>9,.0f} {peak / combined:>7.2f}x")
        ratio = statistics.median(times["parse+diff"]) / floor
        print(f"target parse+diff <= 3x floor: {'met' if ratio <= 3 else 'NOT met'} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

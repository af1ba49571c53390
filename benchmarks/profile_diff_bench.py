"""Parse + function-level diff of a collapsed pair, against the floor and difffolded.pl.

Usage::

    python benchmarks/profile_diff_bench.py [--stacks 100000 | --big] [--rounds 3]
        [--difffolded PATH/TO/FlameGraph/difffolded.pl]

Generates a deterministic pair (see ``collapsed_pair.py``) in a temporary
folder, then prints medians over interleaved rounds, in CPU seconds (this
machine is shared: wall time swings with its load, CPU time much less), of:

* **floor** — the bare loop "iterate lines, split frames on ``;``" over both
  files (text, as a Python reader would), the target's yardstick;
* **read+lines** — read both files and split their lines, nothing else;
* **floor+lookup** — the floor plus one dict lookup per frame (in C, through
  ``map``): the least a reader that keeps Python strings must add to identify
  every frame occurrence, which a function-level diff needs;
* **difffolded.pl** — FlameGraph's Perl stack-level diff (when its path is
  given; fetch the FlameGraph repository for it, never commit it);
* **parse** — ``read_profile`` on both;
* **parse+diff** — the above plus ``diff_profiles(by="function")``;
* **parse+diff+json** — the above plus the JSON text ``diff --format json``
  writes (one C-encoder call);
* **workbench diff** — the CLI end to end in a child (start-up, read,
  diff, JSON to /dev/null);
* **diff** and **diff tree** (the icicle's differential tree), for information;

each as a ratio to the floor (target: parse + diff ≤ 1.3×) and to
difffolded.pl, and the peak RSS of a fresh process doing parse + diff
against the pair's combined size (target: below it).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from itertools import count
from pathlib import Path

from collapsed_pair import write_pair

from workbench.output import json_text
from workbench.profiles.diff import diff_profiles
from workbench.profiles.difftree import diff_tree
from workbench.profiles.io import read_profile
from workbench.profiles.readers.collapsed import forget_parsed_frames

BIG = 1_000_000
#: The icicle's pruning (nodes under 0.01% of both profiles are not drawn).
TREE_MIN_PCT = 0.01


def split_frames(paths: tuple[Path, Path]) -> None:
    """The floor: iterate lines, split frames on ``;``."""
    for path in paths:
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                line.split(";")


def split_and_look_up(paths: tuple[Path, Path]) -> None:
    """The floor plus an id for every frame occurrence, every per-frame step in C."""
    ids: defaultdict[str, int] = defaultdict(count().__next__)
    look_up = ids.__getitem__
    for path in paths:
        with path.open(encoding="utf-8") as stream:
            for line in stream:
                list(map(look_up, line.split(";")))


def read_and_split(paths: tuple[Path, Path]) -> None:
    """Read the files and split their lines: less than any reader must do."""
    for path in paths:
        with path.open(encoding="utf-8") as stream:
            stream.read().splitlines()


def parse(paths: tuple[Path, Path]) -> None:
    """Both profiles, held together as the diff needs them."""
    profiles = [read_profile(path) for path in paths]
    del profiles


def parse_and_diff(paths: tuple[Path, Path]) -> None:
    diff_profiles(read_profile(paths[0]), read_profile(paths[1]))


def parse_diff_json(paths: tuple[Path, Path]) -> None:
    json_text(diff_profiles(read_profile(paths[0]), read_profile(paths[1])).to_json())


def timed(job: Callable[[], object]) -> float:
    """CPU seconds of ``job`` in this process, from cold (no frame remembered by a
    previous round, as in a fresh ``workbench diff``)."""
    forget_parsed_frames()
    start = time.process_time()
    job()
    return time.process_time() - start


def child_cpu(command: list[str]) -> float:
    """CPU seconds of a child process (user + system), its output discarded."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, stdout=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


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
    "floor": split_frames,
    "read+lines": read_and_split,
    "floor+lookup": split_and_look_up,
    "parse": parse,
    "parse+diff": parse_and_diff,
    "parse+diff+json": parse_diff_json,
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--stacks", type=int, default=100_000, help="unique stacks per file")
    size.add_argument("--big", action="store_true", help=f"{BIG:,} stacks per file")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--difffolded", type=Path, metavar="PATH", help="FlameGraph's difffolded.pl, to compare"
    )
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
        times: dict[str, list[float]] = {step: [] for step in STEPS}
        perl = ["perl", str(args.difffolded), *map(str, paths)] if args.difffolded else None
        if perl:
            times["difffolded.pl"] = []
        cli = [sys.executable, "-m", "workbench", "diff", *map(str, paths), "--format", "json"]
        times["workbench diff"] = []
        times["diff"] = []
        times["diff tree"] = []
        for _ in range(args.rounds):
            for step, job in STEPS.items():
                times[step].append(timed(lambda job=job: job(paths)))
            if perl:
                times["difffolded.pl"].append(child_cpu(perl))
            times["workbench diff"].append(child_cpu(cli))
            pair = (read_profile(paths[0]), read_profile(paths[1]))
            times["diff"].append(timed(lambda pair=pair: diff_profiles(*pair)))
            times["diff tree"].append(
                timed(lambda pair=pair: diff_tree(*pair, min_pct=TREE_MIN_PCT))
            )
            del pair
        floor = statistics.median(times["floor"])
        perl_median = statistics.median(times["difffolded.pl"]) if perl else None
        print(f"{'step':<16} {'median CPU s':>12} {'x floor':>8} {'x difffolded.pl':>16}")
        for step, values in times.items():
            median = statistics.median(values)
            versus = f"{median / perl_median:>15.2f}x" if perl_median else f"{'-':>16}"
            print(f"{step:<16} {median:>12.2f} {median / floor:>7.2f}x {versus}")
        print(f"{'peak RSS':<16} {'MB':>12} {'x size':>8}   (fresh process each)")
        for step in ("floor", "parse", "parse+diff"):
            peak = peak_rss(step, paths)
            print(f"{step:<16} {peak / 1e6:>12,.0f} {peak / combined:>7.2f}x")
        ratio = statistics.median(times["parse+diff"]) / floor
        verdict = "met" if ratio <= 1.3 else "NOT met"
        print(f"target parse+diff <= 1.3x floor: {verdict} ({ratio:.2f}x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

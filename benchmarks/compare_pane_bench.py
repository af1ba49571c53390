"""What the Compare pane's worker and its icicle cost on a large pair.

Usage::

    python benchmarks/compare_pane_bench.py [--stacks 100000] [--rounds 3]

On the deterministic pair of ``collapsed_pair.py`` it prints medians of:

* **read** — ``read_profile`` on both files (the worker's first step);
* **compare** — diff + gates (``screens.compare_work.compare``): after it
  the tables and the verdict are on screen;
* **icicle** — differential tree + icicle nodes (``build_icicle``), the
  rest of the worker;
* **layout** — laying out the icicle for a 160-column terminal (done on
  the UI thread at each zoom or resize; it depends on what is visible, not
  on the profile's size, and must stay in milliseconds).
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

from screens.compare_work import build_icicle, compare
from screens.widgets.icicle import layout_rows
from workbench.profiles.io import read_profile

WIDTH = 160


def _median(rounds: int, step: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        step()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stacks", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        base_path, branch_path = write_pair(Path(folder), args.stacks)
        read = _median(args.rounds, lambda: (read_profile(base_path), read_profile(branch_path)))
        base, branch = read_profile(base_path), read_profile(branch_path)
    diffed = _median(args.rounds, lambda: compare(base, branch))
    built = _median(args.rounds, lambda: build_icicle(base, branch))
    tree = build_icicle(base, branch).root
    rows = layout_rows(tree, WIDTH)
    layout = _median(args.rounds * 10, lambda: layout_rows(tree, WIDTH))
    print(f"pair: {args.stacks:,} stacks per profile, {len(rows)} icicle rows at {WIDTH} columns")
    print(f"read both         {read:8.3f} s")
    print(f"diff + gates      {diffed:8.3f} s   (tables and verdict shown after read + this)")
    print(f"icicle tree       {built:8.3f} s")
    print(f"worker total      {read + diffed + built:8.3f} s")
    print(f"icicle layout     {layout * 1000:8.2f} ms  ({sum(map(len, rows)):,} cells laid out)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).parent))
    sys.exit(main())

"""The statistics of ``bench compare`` on 1,000 benchmark pairs, against references.

Usage::

    python benchmarks/stats_bench.py [--pairs 1000] [--runs 10] [--rounds 5]

Builds a deterministic suite of ``--pairs`` benchmarks with ``--runs`` runs a
side (log-normal timings; a third of them rounded to whole microseconds, so
that ties take the exact tied path), then prints medians over the rounds of:

* **medians (numpy)** — the floor: ``np.median`` of every side, nothing else;
* **scipy loop** — ``scipy.stats.mannwhitneyu`` called once per pair (its
  ``auto`` method: exact without ties, normal with them), the p-values alone;
* **compare_many** — ours: medians with order-statistic intervals, the exact
  tied Mann-Whitney test, the interval of the change, Holm over all pairs;

with ratios to the floor and to SciPy. Target: ``compare_many`` on 1,000
pairs in at most 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

import numpy as np
from scipy.stats import mannwhitneyu

from workbench.stats import compare_many

TARGET_SECONDS = 1.0

Pairs = dict[str, tuple[list[float], list[float]]]


def make_pairs(count: int, runs: int) -> Pairs:
    """``count`` benchmarks around 1 ms; a tenth 5% slower on the branch; every third tied."""
    rng = np.random.default_rng(20240601)
    pairs: Pairs = {}
    for index in range(count):
        center = rng.uniform(1e-4, 1e-2)
        shift = 1.05 if index % 10 == 0 else 1.0
        base = center * rng.lognormal(0.0, 0.03, runs)
        branch = center * shift * rng.lognormal(0.0, 0.03, runs)
        if index % 3 == 0:
            base, branch = np.round(base, 6), np.round(branch, 6)
        pairs[f"bench_{index}"] = (base.tolist(), branch.tolist())
    return pairs


def medians_only(pairs: Pairs) -> None:
    for base, branch in pairs.values():
        np.median(base)
        np.median(branch)


def scipy_loop(pairs: Pairs) -> None:
    for base, branch in pairs.values():
        mannwhitneyu(base, branch)


def ours(pairs: Pairs) -> None:
    compare_many(pairs)


def median_seconds(job: Callable[[Pairs], None], pairs: Pairs, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        job(pairs)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pairs", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    pairs = make_pairs(args.pairs, args.runs)
    ours(pairs)  # warm the import and caches once, like any later call would find them
    results = {
        "medians (numpy)": median_seconds(medians_only, pairs, args.rounds),
        "scipy loop": median_seconds(scipy_loop, pairs, args.rounds),
        "compare_many": median_seconds(ours, pairs, args.rounds),
    }
    floor, scipy = results["medians (numpy)"], results["scipy loop"]
    print(f"{args.pairs} pairs × {args.runs} runs a side, median of {args.rounds} rounds")
    print(f"{'job':<16} {'seconds':>8} {'× floor':>8} {'× scipy':>8}")
    for name, seconds in results.items():
        print(f"{name:<16} {seconds:8.3f} {seconds / floor:8.2f} {seconds / scipy:8.2f}")
    spent = results["compare_many"]
    verdict = "within" if spent <= TARGET_SECONDS else "OVER"
    print(f"compare_many: {spent:.3f} s, {verdict} the {TARGET_SECONDS:g} s target")


if __name__ == "__main__":
    main()

"""A tiny report builder in two versions, profiled to make the Compare demo pair.

``--variant base`` is the baseline: ``parse_records`` is the hot path.
``--variant branch`` is the change under review: ``render_report`` builds its
output by repeated string concatenation (slower), and a new ``validate_rows``
step appears — a new hotspot. A background thread ``bg-indexer`` does a
little work and sleeps, so the profile has two threads.

    python data/compare_demo/workload.py --variant base --seconds 4
"""

from __future__ import annotations

import argparse
import threading
import time

ROWS = 400


def parse_records(rows: int) -> list[tuple[str, int, float]]:
    """Split and convert CSV-like rows: the baseline's hot path."""
    records = []
    for index in range(rows):
        line = f"user{index % 37},{index * 7 % 1000},{index * 0.25:.2f}"
        name, count, amount = line.split(",")
        records.append((name, int(count), float(amount)))
    return records


def aggregate(records: list[tuple[str, int, float]]) -> dict[str, float]:
    """Total amount per user."""
    totals: dict[str, float] = {}
    for name, count, amount in records:
        totals[name] = totals.get(name, 0.0) + count * amount
    return totals


def validate_rows(records: list[tuple[str, int, float]]) -> int:
    """The branch's new check: every row against every rule (a new hotspot)."""
    valid = 0
    for _name, count, amount in records:
        for rule in range(8):
            if count >= 0 and amount >= rule * 0.0 and str(count).isdigit():
                valid += 1
    return valid


def render_report(totals: dict[str, float], *, concatenate: bool) -> str:
    """Format the totals; the branch concatenates strings one piece at a time."""
    if not concatenate:
        return "\n".join(f"{name}: {value:.2f}" for name, value in sorted(totals.items()))
    text = ""
    for _ in range(3):
        for name, value in sorted(totals.items()):
            text = text + f"{name}: {value:.2f}\n"
    return text


def index_terms(stop: threading.Event) -> None:
    """Background thread: a little CPU, mostly sleeping."""
    while not stop.is_set():
        sum(hash(f"term{i}") for i in range(3000))
        time.sleep(0.005)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--variant", choices=("base", "branch"), default="base")
    parser.add_argument("--seconds", type=float, default=4.0)
    args = parser.parse_args()
    branch = args.variant == "branch"
    stop = threading.Event()
    indexer = threading.Thread(target=index_terms, args=(stop,), name="bg-indexer")
    indexer.start()
    deadline = time.monotonic() + args.seconds
    while time.monotonic() < deadline:
        records = parse_records(ROWS)
        totals = aggregate(records)
        if branch:
            validate_rows(records)
        render_report(totals, concatenate=branch)
    stop.set()
    indexer.join()


if __name__ == "__main__":
    main()

"""The Backlog pane end to end with 100,000 items: keys in, rows on screen.

Run: ``.venv/bin/python benchmarks/backlog_pane_bench.py [--items 100000] [--rounds 5]``

Drives the real app headless (``run_test``, 160×50) over a generated backlog
(``backlog_bench.generate``) and prints medians of what a person waits for:

* **open** — app start until all four quadrants show their first rows, and
  **open empty**, the same over an empty backlog: what starting Textual and
  the app costs whatever the data;
* **no-op key** — a key nothing is bound to: the floor of this harness (a
  key event, then waiting until the app is idle), inside every row below;
* **move** — ``+`` on an item until the view has reloaded with it selected;
* **filter text** / **filter quadrant** — ``enter`` in the filter line (opened
  with ``/`` and typed beforehand, untimed: typing is per key) until the
  matrix shows the result;
* **list bottom** — ``l`` then ``G``: the last of 100,000 rows selected.

Next to each, the reference: the store calls that action makes (counts by
quadrant plus one page per visible list), timed directly — so the ratio is
the cost of the pane (workers, messages, drawing) over the data it needs.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

from backlog_bench import generate

from screens.app import WorkbenchApp
from screens.backlog import BacklogScreen
from workbench.context import LaunchContext
from workbench.triage.model import ItemFilter, Quadrant
from workbench.triage.store import BacklogStore

SIZE = (160, 50)
PAGE = 100


async def settle(app: WorkbenchApp, pilot) -> None:  # noqa: ANN001 - textual Pilot
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            return


async def timed(
    action: Callable[[], Awaitable[object]],
    app: WorkbenchApp,
    pilot,  # noqa: ANN001 - textual Pilot
) -> tuple[float, float]:
    """Wall and CPU milliseconds (all threads) from ``action`` until the pane is idle.

    CPU time is printed too because other work on a shared machine inflates
    wall time; the process's CPU time is what the pane itself costs.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    await action()
    await settle(app, pilot)
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


def reference(store: BacklogStore, item_filter: ItemFilter) -> float:
    """What one view needs from the store: the counts and a page per quadrant."""
    start = time.perf_counter()
    store.counts_by_quadrant(item_filter)
    for quadrant in Quadrant:
        store.items(replace(item_filter, quadrant=quadrant), limit=PAGE)
    return (time.perf_counter() - start) * 1000


async def open_empty(db: Path) -> tuple[float, float]:
    """App start over an empty backlog: the fixed cost inside every "open"."""
    wall, cpu = time.perf_counter(), time.process_time()
    app = WorkbenchApp(LaunchContext(mode="backlog", db=db))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


async def one_round(db: Path) -> dict[str, tuple[float, float]]:
    times: dict[str, tuple[float, float]] = {}
    wall, cpu = time.perf_counter(), time.process_time()
    app = WorkbenchApp(LaunchContext(mode="backlog", db=db))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, BacklogScreen)
        assert all(panel.visible_items for panel in screen.matrix.panels)
        times["open"] = (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000
        await pilot.press("3")
        await settle(app, pilot)
        times["no-op key"] = await timed(lambda: pilot.press("f12"), app, pilot)
        times["move"] = await timed(lambda: pilot.press("plus"), app, pilot)
        await pilot.press("u")
        await settle(app, pilot)

        async def typed(query: str) -> None:
            await pilot.press("slash")
            screen.query_one("#backlog-filter").value = query
            await settle(app, pilot)

        await typed("cache join")
        times["filter text"] = await timed(lambda: pilot.press("enter"), app, pilot)
        await typed("q:defer")
        times["filter quadrant"] = await timed(lambda: pilot.press("enter"), app, pilot)
        await typed("")
        await pilot.press("enter")
        await settle(app, pilot)
        times["list bottom"] = await timed(lambda: pilot.press("l", "G"), app, pilot)
        assert screen.active_list.cursor == screen.active_list.total - 1
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--db", type=Path, help="reuse this generated backlog (made on the first run)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or Path(tmp) / "triage.db"
        if not db.exists():
            generate(db, args.items)
        rounds = [asyncio.run(one_round(db)) for _ in range(args.rounds)]
        empty = [asyncio.run(open_empty(Path(tmp) / "empty.db")) for _ in range(args.rounds)]
        with BacklogStore.open(db) as store:
            refs = {
                "open": ItemFilter(),
                "no-op key": ItemFilter(),
                "move": ItemFilter(),
                "filter text": ItemFilter(text="cache join"),
                "filter quadrant": ItemFilter(quadrant=Quadrant.DEFER),
                "list bottom": ItemFilter(),
            }
            ref_ms = {
                name: statistics.median(reference(store, f) for _ in range(args.rounds))
                for name, f in refs.items()
            }
    print(f"Backlog pane, {args.items:,} items, {args.rounds} rounds (medians, ms)")
    print(f"{'action':<16}{'pane wall':>10}{'pane cpu':>10}{'store ref':>11}{'cpu ratio':>10}")
    for name in refs:
        pane = statistics.median(r[name][0] for r in rounds)
        cpu = statistics.median(r[name][1] for r in rounds)
        ref = ref_ms[name]
        print(f"{name:<16}{pane:>10.1f}{cpu:>10.1f}{ref:>11.1f}{cpu / ref:>10.1f}")
    wall = statistics.median(w for w, _ in empty)
    cpu = statistics.median(c for _, c in empty)
    print(f"{'open empty':<16}{wall:>10.1f}{cpu:>10.1f}")


if __name__ == "__main__":
    main()

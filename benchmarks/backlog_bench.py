"""Backlog speed with 100,000 items: the store against the same query in plain sqlite3.

Run: ``.venv/bin/python benchmarks/backlog_bench.py [--items 100000] [--rounds 15]``

Generates a backlog in a temporary database (schema made by the store, rows
inserted in bulk so the FTS triggers index them), then times, as medians over
rounds, each operation the Backlog pane and the CLI do, next to a reference:
the same SQL through a bare ``sqlite3`` connection with no objects built.
Targets: interactive operations ≤ 50 ms; exporting 10,000 items ≤ 1 s.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from workbench.markdown import md_table
from workbench.reports.triage_markdown import render_triage
from workbench.triage.kpis import compute_kpis
from workbench.triage.model import (
    ItemFilter,
    Pattern,
    Quadrant,
    Signal,
    Source,
    Status,
    Taxonomy,
    quadrant_of,
)
from workbench.triage.store import BacklogStore, now

PAGE = 50
EXPORT_ITEMS = 10_000
WORDS = (
    "cache join merge parse render serialize query lock pool index scan sort hash "
    "compress encode decode fetch retry batch queue flush socket template session"
).split()


def generate(path: Path, count: int, seed: int = 7) -> None:
    """``count`` random items, in one transaction, through the store's schema."""
    BacklogStore.open(path).close()
    rng = random.Random(seed)
    stamp = now()
    statuses = [Status.NEW, Status.TRIAGED, Status.IN_PROGRESS, Status.DONE, Status.DEFERRED]

    def row(index: int) -> tuple:
        impact, effort = rng.randint(1, 5), rng.randint(1, 5)
        quadrant = quadrant_of(impact, effort)
        status = rng.choice(statuses)
        words = " ".join(rng.sample(WORDS, 3))
        return (
            f"{words} #{index}",
            f"suspect {rng.choice(WORDS)} in module_{index % 500}",
            rng.choice(list(Source)).value,
            rng.choice(list(Signal)).value,
            rng.choice(list(Pattern)).value,
            impact,
            effort,
            quadrant.value,
            quadrant.rank,
            rng.choice(list(Taxonomy)).value,
            status.value,
            int(not status.is_open),
            rng.choice(["alice", "bob", "carol", ""]),
            stamp,
            stamp,
        )

    conn = sqlite3.connect(path)
    with conn:
        conn.executemany(
            "INSERT INTO items(title, hypothesis, source, signal, pattern, impact, effort,"
            " quadrant, qrank, taxonomy, status, closed, owner, created_at, updated_at,"
            " kpi, justification, critical, version)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,'','',0,1)",
            (row(index) for index in range(count)),
        )
        conn.executemany(
            "INSERT INTO evidence(item_id, kind, ref, note, added_at) VALUES (?, ?, ?, '', ?)",
            (
                (item_id, "function", f"app/m{item_id % 300}.py:f{item_id % 7}", stamp)
                for item_id in range(1, count + 1, 3)
            ),
        )
    conn.close()


def median_ms(run: Callable[[], object], rounds: int) -> float:
    run()  # warm the page cache and statement cache
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=15)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bench.db"
        start = time.perf_counter()
        generate(path, args.items)
        print(f"generated {args.items:,} items in {time.perf_counter() - start:.1f} s")
        start = time.perf_counter()
        store = BacklogStore.open(path)
        elapsed = (time.perf_counter() - start) * 1000
        print(f"opened the store for writing (its integrity checks included) in {elapsed:.0f} ms")
        raw = sqlite3.connect(path)
        raw.execute("PRAGMA synchronous = NORMAL")  # as the store commits (WAL)
        rows = list(run_all(store, raw, args.rounds, moved=args.items // 2))
        store.close()
        raw.close()
    print(md_table(("operation", "store ms", "sqlite3 ms", "ratio", "target", "ok"), rows))


def run_all(store: BacklogStore, raw: sqlite3.Connection, rounds: int, moved: int):
    order = "ORDER BY qrank, impact DESC, effort, id"
    page = f"SELECT * FROM items WHERE closed = 0 AND qrank = ? {order} LIMIT {PAGE}"

    def matrix() -> None:
        store.counts_by_quadrant()
        for quadrant in Quadrant:
            store.items(ItemFilter(quadrant=quadrant), limit=PAGE)

    def matrix_raw() -> None:
        raw.execute(
            "SELECT qrank, sum(n) FROM quadrant_counts WHERE closed IN (0) GROUP BY qrank"
        ).fetchall()
        for quadrant in Quadrant:
            raw.execute(page, [quadrant.rank]).fetchall()

    def counted() -> None:
        store.counts_by_quadrant(ItemFilter(owner="bob"))

    def counted_raw() -> None:
        raw.execute(
            "SELECT qrank, count(*) FROM items WHERE closed = 0 AND owner = 'bob' GROUP BY qrank"
        ).fetchall()

    def counted_text() -> None:
        store.counts_by_quadrant(ItemFilter(text="socket"))

    def counted_text_raw() -> None:
        raw.execute(
            "SELECT qrank, count(*) FROM items WHERE +closed = 0 AND id IN (SELECT rowid FROM"
            " items_fts WHERE items_fts MATCH '\"socket\"*') GROUP BY qrank"
        ).fetchall()

    def text() -> None:
        store.items(ItemFilter(text="socket"), limit=PAGE)

    def text_raw() -> None:
        raw.execute(
            "SELECT * FROM items WHERE closed = 0 AND id IN (SELECT rowid FROM items_fts"
            f" WHERE items_fts MATCH '\"socket\"*') {order} LIMIT {PAGE}"
        ).fetchall()

    def by_quadrant() -> None:
        store.items(ItemFilter(quadrant=Quadrant.DEFER), limit=PAGE)

    def by_quadrant_raw() -> None:
        raw.execute(page, [Quadrant.DEFER.rank]).fetchall()

    flip = [1]

    def move() -> None:
        flip[0] = -flip[0]
        store.move(moved, impact_delta=flip[0])

    def move_raw() -> None:
        flip[0] = -flip[0]
        with raw:
            raw.execute(
                "UPDATE items SET impact = impact + ?, version = version + 1 WHERE id = ?",
                [flip[0], moved + 1],
            )

    def export() -> None:
        items = store.iter_all(order="matrix", limit=EXPORT_ITEMS)
        "".join(render_triage(items, compute_kpis(store)))

    def export_raw() -> None:
        cursor = raw.execute(
            f"SELECT id, title, impact, effort, status, owner FROM items WHERE closed = 0"
            f" ORDER BY qrank, taxonomy, impact DESC, effort, id LIMIT {EXPORT_ITEMS}"
        )
        md_table(("#", "Title", "Impact", "Effort", "Status", "Owner"), cursor.fetchall())

    cases = [
        ("open the matrix (counts + 4 pages)", matrix, matrix_raw, 50),
        ("matrix counts under a filter (owner)", counted, counted_raw, 50),
        ("matrix counts under a text filter", counted_text, counted_text_raw, 50),
        ("filter by text (FTS, first page)", text, text_raw, 50),
        ("filter by quadrant (first page)", by_quadrant, by_quadrant_raw, 50),
        ("move one item (a transaction)", move, move_raw, 50),
        (f"export {EXPORT_ITEMS:,} items to Markdown", export, export_raw, 1000),
    ]
    for name, ours, reference, target in cases:
        n = max(3, rounds // 3) if target >= 1000 else rounds
        mine, theirs = median_ms(ours, n), median_ms(reference, n)
        yield (name, f"{mine:.2f}", f"{theirs:.2f}", f"{mine / theirs:.1f}×", f"≤ {target} ms",
               "yes" if mine <= target else "NO")  # fmt: skip


if __name__ == "__main__":
    main()

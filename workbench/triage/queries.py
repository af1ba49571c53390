"""Reading the backlog: pages, counts, positions and the event log.

The read half of :class:`~workbench.triage.store.BacklogStore`, kept apart from
opening (:mod:`.opening`) and writing (:mod:`.journal`, :mod:`.store`) so each
seam can be read on its own. Every query goes through ``self.conn``; nothing here
writes.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workbench.errors import StoreError
from workbench.triage.dbfile import default_actor, store_errors
from workbench.triage.model import Batch, Event, Evidence, Item, ItemFilter, Quadrant, Status

ITEM_COLUMNS = (
    "id, title, hypothesis, notes, source, signal, pattern, impact, effort, quadrant,"
    " taxonomy, kpi, kpi_baseline, kpi_target, kpi_latest, status, owner, justification,"
    " critical, created_at, updated_at, version"
)
ORDERS = {
    "quadrant": "qrank, impact DESC, effort, id",
    "id": "id",
    "updated": "updated_at DESC, id DESC",
    "matrix": "qrank, taxonomy, impact DESC, effort, id",
}
_WORD = re.compile(r"\w+", re.UNICODE)


class ItemNotFoundError(StoreError):
    """No item with that id (or it was removed by undoing its creation)."""


def _reversed(ordering: str) -> str:
    """An ``ORDER BY`` list with every direction flipped."""
    terms = []
    for term in ordering.split(","):
        column, _, direction = term.strip().partition(" ")
        terms.append(column if direction == "DESC" else f"{column} DESC")
    return ", ".join(terms)


def fts_query(text: str) -> str | None:
    """User words → an FTS5 query (every word, as a prefix), immune to FTS syntax."""
    words = _WORD.findall(text)
    return " ".join(f'"{word}"*' for word in words) or None


@dataclass
class _Where:
    sql: str
    params: list[Any]


class ItemQueries:
    """Read methods of the store (a mixin of :class:`~workbench.triage.store.BacklogStore`)."""

    path: Path
    conn: sqlite3.Connection

    def get(self, item_id: int) -> Item:
        """The item with its evidence; ItemNotFoundError if absent."""
        row = self._row(item_id)
        return self._hydrate([row])[0]

    def items(
        self,
        item_filter: ItemFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = 100,
        order: str = "quadrant",
        total: int | None = None,
    ) -> list[Item]:
        """One page of items, evidence included. ``order``: quadrant (matrix order, then
        impact desc, effort asc, id), id, updated (most recent first). ``limit=None``: all.

        SQLite walks ``OFFSET`` rows one by one; given the ``total`` the filter selects,
        a page in the second half is read from the end (the index backwards) and turned
        around, so the last page of 100,000 costs what the first does.
        """
        where = self._where(item_filter)
        backwards = total is not None and limit is not None and offset > total // 2
        ordering = ORDERS[order]
        if backwards:
            offset, limit = max(0, total - offset - limit), max(0, min(limit, total - offset))
            ordering = _reversed(ordering)
        sql = f"SELECT {ITEM_COLUMNS} FROM items WHERE {where.sql} ORDER BY {ordering}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with store_errors(self.path):
            rows = self.conn.execute(sql, where.params).fetchall()
        return self._hydrate(rows[::-1] if backwards else rows)

    def iter_all(
        self,
        item_filter: ItemFilter | None = None,
        *,
        order: str = "quadrant",
        limit: int | None = None,
        chunk: int = 2000,
    ) -> Iterator[Item]:
        """Every matching item (or the first ``limit``), fetched ``chunk`` at a time, so an
        export of 100k items never holds them all. ``order="matrix"`` groups by quadrant,
        then taxonomy."""
        where = self._where(item_filter)
        sql = f"SELECT {ITEM_COLUMNS} FROM items WHERE {where.sql} ORDER BY {ORDERS[order]}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cursor = self.conn.execute(sql, where.params)
        while rows := cursor.fetchmany(chunk):
            yield from self._hydrate(rows)

    def count(self, item_filter: ItemFilter | None = None) -> int:
        where = self._where(item_filter, counting=True)
        return self.conn.execute(
            f"SELECT count(*) FROM items WHERE {where.sql}", where.params
        ).fetchone()[0]

    def position(self, item_filter: ItemFilter | None, item: Item) -> int | None:
        """Index of ``item`` in ``items(item_filter)`` (quadrant order), None if the filter
        does not select it: how many selected items sort before it.

        Counted as four index ranges of the matrix order (earlier quadrant; same
        quadrant, higher impact; same impact, lower effort; same effort, lower id),
        so finding where a moved item landed among 100,000 costs one small query,
        not a walk over every row before it.
        """
        where = self._where(item_filter)
        rank, impact, effort = item.quadrant.rank, item.impact, item.effort
        found = self.conn.execute(
            f"SELECT 1 FROM items WHERE id = ? AND {where.sql}", [item.id, *where.params]
        ).fetchone()
        if found is None:
            return None
        ranges = [
            ("qrank < ?", [rank]),
            ("qrank = ? AND impact > ?", [rank, impact]),
            ("qrank = ? AND impact = ? AND effort < ?", [rank, impact, effort]),
            ("qrank = ? AND impact = ? AND effort = ? AND id < ?", [rank, impact, effort, item.id]),
        ]
        sql = " + ".join(
            f"(SELECT count(*) FROM items WHERE {where.sql} AND {r})" for r, _ in ranges
        )
        params = [value for _, bound in ranges for value in (*where.params, *bound)]
        with store_errors(self.path):
            return int(self.conn.execute(f"SELECT {sql}", params).fetchone()[0])

    def counts_by_quadrant(self, item_filter: ItemFilter | None = None) -> dict[Quadrant, int]:
        """Every quadrant present as a key (0 when empty), for the matrix headers."""
        f = item_filter or ItemFilter()
        if f == ItemFilter(include_closed=f.include_closed):  # no filter: kept by triggers
            closed = "0, 1" if f.include_closed else "0"
            sql = f"SELECT qrank, sum(n) FROM quadrant_counts WHERE closed IN ({closed})"
            params: list[Any] = []
        else:
            where = self._where(f, counting=True)
            sql, params = f"SELECT qrank, count(*) FROM items WHERE {where.sql}", where.params
        counts = dict.fromkeys(Quadrant, 0)
        for rank, number in self.conn.execute(sql + " GROUP BY qrank", params):
            counts[list(Quadrant)[rank]] = number
        return counts

    def history(self, item_id: int) -> list[Event]:
        """Every event about the item, oldest first."""
        return self._events("item_id", item_id)

    def _events(self, column: str, value: int) -> list[Event]:
        rows = self.conn.execute(
            "SELECT id, batch_id, item_id, at, actor, action, field, old, new FROM events"
            f" WHERE {column} = ? ORDER BY id",
            [value],
        )
        return [Event(*row) for row in rows]

    def can_undo(self, *, actor: str | None = None) -> Batch | None:
        """The batch :meth:`undo` would revert (events not loaded), or None."""
        row = self.conn.execute(
            "SELECT id, at, actor, label, kind FROM batches WHERE actor = ? AND state = 'applied'"
            " ORDER BY id DESC LIMIT 1",
            [actor or default_actor()],
        ).fetchone()
        return Batch(*row) if row else None

    def can_redo(self, *, actor: str | None = None) -> Batch | None:
        """The batch :meth:`redo` would re-apply (events not loaded), or None."""
        row = self.conn.execute(
            "SELECT t.id, t.at, t.actor, t.label, t.kind FROM batches u"
            " JOIN batches t ON t.id = u.ref"
            " WHERE u.actor = ? AND u.kind = 'undo' AND t.state = 'undone'"
            " ORDER BY u.id DESC LIMIT 1",
            [actor or default_actor()],
        ).fetchone()
        return Batch(*row) if row else None

    def _row(self, item_id: int) -> sqlite3.Row | tuple:
        row = self.conn.execute(
            f"SELECT {ITEM_COLUMNS} FROM items WHERE id = ?", [item_id]
        ).fetchone()
        if row is None:
            raise ItemNotFoundError(
                f"no backlog item #{item_id}; `workbench backlog list` shows ids",
                in_app=f"no backlog item #{item_id}; the Backlog pane shows ids",
            )
        return row

    def _hydrate(self, rows: Sequence[tuple]) -> list[Item]:
        names = [c.strip() for c in ITEM_COLUMNS.split(",")]
        items = [Item(**dict(zip(names, row, strict=True))) for row in rows]
        if items:
            by_id = {item.id: item for item in items}
            marks = ",".join("?" * len(by_id))
            for row in self.conn.execute(
                "SELECT item_id, kind, ref, note, id, added_at FROM evidence"
                f" WHERE item_id IN ({marks}) ORDER BY id",
                list(by_id),
            ):
                by_id[row[0]].evidence.append(Evidence(*row[1:]))
        return items

    def _where(self, item_filter: ItemFilter | None, *, counting: bool = False) -> _Where:
        """SQL conditions for a filter. ``counting``: when text is searched, look the
        matches up by id (``+closed`` keeps SQLite off the open-items index): counting
        12,000 matches that way beats scanning 60,000 open items; a page, which stops
        after 50 rows in matrix order, is faster on the index."""
        f = item_filter or ItemFilter()
        clauses: list[str] = []
        params: list[Any] = []
        if f.status:
            clauses.append(f"status IN ({','.join('?' * len(f.status))})")
            params.extend(Status.parse(s).value for s in f.status)
        elif not f.include_closed:
            clauses.append("+closed = 0" if counting and f.text else "closed = 0")
        if f.quadrant is not None:
            clauses.append("qrank = ?")
            params.append(Quadrant.parse(f.quadrant).rank)
        for column in ("taxonomy", "owner"):
            value = getattr(f, column)
            if value is not None:
                clauses.append(f"{column} = ?")
                params.append(str(value))
        for kind, ref in (("function", f.function), ("commit", f.commit)):
            if ref:
                clauses.append(
                    f"id IN (SELECT item_id FROM evidence WHERE kind = '{kind}' AND ref = ?)"
                )
                params.append(ref)
        if f.text and (query := fts_query(f.text)):
            clauses.append("id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(query)
        return _Where(" AND ".join(clauses) or "1", params)

"""The backlog store: one SQLite file, safe for two processes grooming it at once.

- WAL and a busy timeout, so a reader never blocks a writer and a writer waits
  a little for another instead of failing at once.
- Every write is one ``BEGIN IMMEDIATE`` transaction: a process killed
  mid-write loses only the write in flight, never a committed item.
- Optimistic concurrency: each item has a ``version``; an edit made from a
  stale read is refused (:class:`StaleEditError`) instead of overwriting.
- An append-only event log (who, when, field, old → new), grouped in batches
  (one user action), powers history, undo/redo and the KPIs.
- Bad files (locked, corrupt, from a newer workbench) are refused with one
  line before anything is written. A read-only file (or folder) opens for
  reading only: every write is refused with one line and nothing changes.
"""

from __future__ import annotations

import builtins
import json
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlite_utils

from workbench.errors import StaleEditError, StoreError
from workbench.triage import schema
from workbench.triage.dbfile import (
    DEFAULT_BUSY_TIMEOUT,
    check_file,
    default_actor,
    default_db_path,
    ignore_in_git,
    now,
    store_errors,
)
from workbench.triage.model import (
    DEFAULT_SPLIT,
    EDITABLE_FIELDS,
    IMPACT_EFFORT_RANGE,
    OPEN_STATUSES,
    Batch,
    Event,
    Evidence,
    Item,
    ItemFilter,
    Quadrant,
    Status,
    quadrant_of,
)
from workbench.triage.values import (
    ValidationError,
    normalise_changes,
    stale,
    validate_item,
)

__all__ = [
    "BacklogStore",
    "ItemNotFoundError",
    "ValidationError",
    "default_actor",
    "default_db_path",
    "now",
]

_ITEM_COLUMNS = (
    "id, title, hypothesis, notes, source, signal, pattern, impact, effort, quadrant,"
    " taxonomy, kpi, kpi_baseline, kpi_target, kpi_latest, status, owner, justification,"
    " critical, created_at, updated_at, version"
)
_ORDERS = {
    "quadrant": "qrank, impact DESC, effort, id",
    "id": "id",
    "updated": "updated_at DESC, id DESC",
    "matrix": "qrank, taxonomy, impact DESC, effort, id",
}
_WORD = re.compile(r"\w+", re.UNICODE)


class ItemNotFoundError(StoreError):
    """No item with that id (or it was removed by undoing its creation)."""


def _encode(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def _decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


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


def _connect_read_only(path: Path, busy_timeout: float) -> sqlite3.Connection:
    """A connection that cannot write ``path``, even as root.

    ``mode=ro`` still needs the WAL index beside the file; in a read-only
    folder whose last writer removed it, the file is read as ``immutable``
    (no locks: nobody can write there either).
    """
    uri = path.resolve().as_uri()

    def connect(query: str) -> sqlite3.Connection:
        return sqlite3.connect(
            f"{uri}?{query}",
            uri=True,
            timeout=busy_timeout,
            isolation_level=None,
            check_same_thread=False,
        )

    conn = connect("mode=ro")
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlite3.OperationalError:
        conn.close()
        return connect("immutable=1")
    return conn


@dataclass
class _Where:
    sql: str
    params: list[Any]


class BacklogStore:
    """Items, their evidence, the event log and profile snapshots in one SQLite file."""

    def __init__(self, path: Path, conn: sqlite3.Connection, read_only: str | None = None) -> None:
        """Use :meth:`open`; this only wraps an already checked connection."""
        self.path = path
        self.conn = conn
        self.read_only = read_only
        """Why this backlog cannot be written (the line a write is refused with), or None."""
        self.db = sqlite_utils.Database(conn)
        self._split = DEFAULT_SPLIT
        self._actor = default_actor()
        self._lock = threading.RLock()
        """Actor of the batch being written (the event log records it per event)."""

    # -- opening --------------------------------------------------------
    @classmethod
    def open(
        cls, path: Path | str | None = None, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
    ) -> BacklogStore:
        """Open (creating or migrating) the store at ``path``; None → :func:`default_db_path`.

        Raises StoreError (one line, file unchanged) for a locked, corrupt or
        newer-schema database. A read-only file or folder opens for reading
        (:attr:`read_only` says why; every write raises StoreError with it).
        Before migrating an older schema the file is copied to
        ``<name>.bak-v<old version>`` with SQLite's backup API.
        """
        if path is None:
            path = default_db_path()
            ignore_in_git(path.parent)
        path = Path(path)
        read_only = check_file(path)
        try:
            if read_only:
                conn = _connect_read_only(path, busy_timeout)
            else:
                path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    path, timeout=busy_timeout, isolation_level=None, check_same_thread=False
                )
        except (OSError, sqlite3.Error) as error:
            raise StoreError(f"cannot open the backlog {path}: {error}") from None
        store = cls(path, conn, read_only)
        try:
            with store_errors(path):
                store._prepare(busy_timeout)
        except BaseException:
            conn.close()
            raise
        return store

    def _prepare(self, busy_timeout: float) -> None:
        conn = self.conn
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        version = schema.user_version(conn)  # reads the header: a non-database fails here
        self._refuse_newer(version)
        if version:
            row = conn.execute("PRAGMA quick_check").fetchone()
            if row[0] != "ok":
                raise StoreError(
                    f"the backlog {self.path} is corrupt (integrity check: {row[0]}); "
                    "restore it from a backup or move it away"
                )
        if self.read_only:
            if version < schema.SCHEMA_VERSION:
                raise StoreError(
                    f"the backlog {self.path} is read-only and has schema {version}, older "
                    f"than this workbench's ({schema.SCHEMA_VERSION}); make it writable once "
                    "so it is upgraded, or pass --db to a writable copy"
                )
            self._split = self._load_split()
            return
        if conn.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
        if version < schema.SCHEMA_VERSION or schema.missing_derived_parts(self.db):
            self._upgrade()
        self._split = self._load_split()

    def _refuse_newer(self, version: int) -> None:
        if version > schema.SCHEMA_VERSION:
            raise StoreError(
                f"the backlog {self.path} has schema {version}, newer than this workbench "
                f"knows ({schema.SCHEMA_VERSION}); upgrade triage-workbench to open it"
            )

    def _upgrade(self) -> None:
        """Migrate (after a backup) or repair the search index, in one transaction."""
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            version = schema.user_version(conn)  # another process may have migrated
            self._refuse_newer(version)
            if version and version < schema.SCHEMA_VERSION:
                self._backup(self.path.with_name(f"{self.path.name}.bak-v{version}"))
            if version < schema.SCHEMA_VERSION:
                schema.migrate(self.db, version)
            else:
                schema.ensure_derived(self.db)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    def _backup(self, target_path: Path) -> None:
        """Copy the committed database to ``target_path`` with SQLite's backup API.

        Read through a second connection: ours holds the write lock for the
        migration, and SQLite refuses to back up from a connection mid-write;
        another reader still sees the last committed (pre-migration) state.
        """
        source = sqlite3.connect(self.path, timeout=self.conn.execute("PRAGMA busy_timeout")
                                 .fetchone()[0] / 1000)  # fmt: skip
        target = sqlite3.connect(target_path)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()

    def _load_split(self) -> int:
        row = self.conn.execute("SELECT value FROM settings WHERE key = 'split'").fetchone()
        return int(row[0]) if row else DEFAULT_SPLIT

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> BacklogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading --------------------------------------------------------
    @property
    def split(self) -> int:
        """The impact/effort score at or above which a score is "high" (default 3)."""
        return self._split

    def get(self, item_id: int) -> Item:
        """The item with its evidence; ItemNotFoundError if absent."""
        row = self._row(item_id)
        return self._items([row])[0]

    def list(
        self,
        item_filter: ItemFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = 100,
        order: str = "quadrant",
        total: int | None = None,
    ) -> builtins.list[Item]:
        """One page of items, evidence included. ``order``: quadrant (matrix order, then
        impact desc, effort asc, id), id, updated (most recent first). ``limit=None``: all.

        SQLite walks ``OFFSET`` rows one by one; given the ``total`` the filter selects,
        a page in the second half is read from the end (the index backwards) and turned
        around, so the last page of 100,000 costs what the first does.
        """
        where = self._where(item_filter)
        backwards = total is not None and limit is not None and offset > total // 2
        ordering = _ORDERS[order]
        if backwards:
            offset, limit = max(0, total - offset - limit), max(0, min(limit, total - offset))
            ordering = _reversed(ordering)
        sql = f"SELECT {_ITEM_COLUMNS} FROM items WHERE {where.sql} ORDER BY {ordering}"
        if limit is not None:
            sql += f" LIMIT {int(limit)} OFFSET {int(offset)}"
        with store_errors(self.path):
            rows = self.conn.execute(sql, where.params).fetchall()
        return self._items(rows[::-1] if backwards else rows)

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
        sql = f"SELECT {_ITEM_COLUMNS} FROM items WHERE {where.sql} ORDER BY {_ORDERS[order]}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        cursor = self.conn.execute(sql, where.params)
        while rows := cursor.fetchmany(chunk):
            yield from self._items(rows)

    def count(self, item_filter: ItemFilter | None = None) -> int:
        where = self._where(item_filter, counting=True)
        return self.conn.execute(
            f"SELECT count(*) FROM items WHERE {where.sql}", where.params
        ).fetchone()[0]

    def position(self, item_filter: ItemFilter | None, item: Item) -> int | None:
        """Index of ``item`` in ``list(item_filter)`` (quadrant order), None if the filter
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
            params: builtins.list[Any] = []
        else:
            where = self._where(f, counting=True)
            sql, params = f"SELECT qrank, count(*) FROM items WHERE {where.sql}", where.params
        counts = dict.fromkeys(Quadrant, 0)
        for rank, number in self.conn.execute(sql + " GROUP BY qrank", params):
            counts[list(Quadrant)[rank]] = number
        return counts

    def history(self, item_id: int) -> builtins.list[Event]:
        """Every event about the item, oldest first."""
        return self._events("item_id", item_id)

    def _events(self, column: str, value: int) -> builtins.list[Event]:
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
            f"SELECT {_ITEM_COLUMNS} FROM items WHERE id = ?", [item_id]
        ).fetchone()
        if row is None:
            raise ItemNotFoundError(
                f"no backlog item #{item_id}; `workbench backlog list` shows ids"
            )
        return row

    def _items(self, rows: Sequence[tuple]) -> builtins.list[Item]:
        names = [c.strip() for c in _ITEM_COLUMNS.split(",")]
        items = [Item(**dict(zip(names, row, strict=True))) for row in rows]
        if items:
            by_id = {item.id: item for item in items}
            marks = ",".join("?" * len(by_id))
            for row in self.conn.execute(
                "SELECT item_id, kind, ref, note, id, added_at FROM evidence"
                f" WHERE item_id IN ({marks}) ORDER BY id",
                builtins.list(by_id),
            ):
                by_id[row[0]].evidence.append(Evidence(*row[1:]))
        return items

    def _where(self, item_filter: ItemFilter | None, *, counting: bool = False) -> _Where:
        """SQL conditions for a filter. ``counting``: when text is searched, look the
        matches up by id (``+closed`` keeps SQLite off the open-items index): counting
        12,000 matches that way beats scanning 60,000 open items; a page, which stops
        after 50 rows in matrix order, is faster on the index."""
        f = item_filter or ItemFilter()
        clauses: builtins.list[str] = []
        params: builtins.list[Any] = []
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
        if f.function:
            clauses.append(
                "id IN (SELECT item_id FROM evidence WHERE kind = 'function' AND ref = ?)"
            )
            params.append(f.function)
        if f.text and (query := fts_query(f.text)):
            clauses.append("id IN (SELECT rowid FROM items_fts WHERE items_fts MATCH ?)")
            params.append(query)
        return _Where(" AND ".join(clauses) or "1", params)

    # -- writing: each call is one transaction and one undoable batch ---
    def add(self, item: Item, *, actor: str | None = None) -> Item:
        """Insert ``item`` (and its evidence); returns it as stored, with id and version 1."""
        return self.add_many([item], actor=actor, label=f"add “{item.title}”")[0]

    def add_many(
        self, items: Sequence[Item], *, actor: str | None = None, label: str = "import"
    ) -> builtins.list[Item]:
        """Insert all or none, as one batch (one undo removes them all)."""
        for item in items:
            validate_item(item)
        with self._batch(label, actor) as batch:
            ids = [self._insert(batch, item) for item in items]
        return [self.get(item_id) for item_id in ids]

    def update(
        self,
        item_id: int,
        changes: dict[str, Any],
        *,
        expected_version: int | None = None,
        actor: str | None = None,
    ) -> Item:
        """Change fields (see ``model.EDITABLE_FIELDS``). StaleEditError when the item's
        version is no longer ``expected_version``; nothing is written then."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ValidationError(
                f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE_FIELDS)}"
            )
        with self._batch(f"edit #{item_id}", actor) as batch:
            self._change(batch, item_id, changes, expected_version)
        return self.get(item_id)

    def move(
        self,
        item_id: int,
        *,
        impact_delta: int = 0,
        effort_delta: int = 0,
        expected_version: int | None = None,
        actor: str | None = None,
    ) -> Item:
        """Raise/lower impact and effort (clamped to 1..5); the quadrant follows."""
        expected = None if expected_version is None else {item_id: expected_version}
        return self.move_many(
            [item_id],
            impact_delta=impact_delta,
            effort_delta=effort_delta,
            expected_versions=expected,
            actor=actor,
        )[0]

    def move_many(
        self,
        item_ids: Iterable[int],
        *,
        impact_delta: int = 0,
        effort_delta: int = 0,
        impact: int | None = None,
        effort: int | None = None,
        expected_versions: dict[int, int] | None = None,
        actor: str | None = None,
    ) -> builtins.list[Item]:
        """Move several items as one batch: one undo puts them all back, and one stale or
        missing item refuses the whole move (nothing is written). ``impact``/``effort`` set
        a score outright; otherwise the deltas apply (clamped to 1..5)."""
        ids = builtins.list(dict.fromkeys(item_ids))
        low, high = IMPACT_EFFORT_RANGE.start, IMPACT_EFFORT_RANGE.stop - 1
        label = "move " + (f"#{ids[0]}" if len(ids) == 1 else f"×{len(ids)}")
        with self._batch(label, actor) as batch:
            for item_id in ids:
                current = self._current(item_id)
                self._change(
                    batch,
                    item_id,
                    {
                        "impact": impact
                        if impact is not None
                        else min(high, max(low, current["impact"] + impact_delta)),
                        "effort": effort
                        if effort is not None
                        else min(high, max(low, current["effort"] + effort_delta)),
                    },
                    (expected_versions or {}).get(item_id),
                )
        return [self.get(item_id) for item_id in ids]

    def set_status(
        self,
        item_ids: Iterable[int],
        status: Status,
        *,
        justification: str | None = None,
        expected_versions: dict[int, int] | None = None,
        actor: str | None = None,
    ) -> builtins.list[Item]:
        """Set the status of many items as one batch. ``waived`` needs a justification
        (given here or already on the item): ValidationError otherwise."""
        status = Status.parse(status)
        ids = builtins.list(dict.fromkeys(item_ids))
        changes: dict[str, Any] = {"status": status}
        if justification:
            changes["justification"] = justification
        label = f"status {status.value} " + (f"#{ids[0]}" if len(ids) == 1 else f"×{len(ids)}")
        with self._batch(label, actor) as batch:
            for item_id in ids:
                expected = (expected_versions or {}).get(item_id)
                self._change(batch, item_id, changes, expected)
        return [self.get(item_id) for item_id in ids]

    def link(self, item_id: int, evidence: Evidence, *, actor: str | None = None) -> Item:
        """Attach evidence (idempotent for the same kind+ref)."""
        return self.link_many(item_id, [evidence], actor=actor)

    def link_many(
        self, item_id: int, evidence: Sequence[Evidence], *, actor: str | None = None
    ) -> Item:
        """Attach several pieces of evidence as one batch (one undo detaches them all)."""
        cleaned = [Evidence(e.kind, e.ref.strip(), e.note) for e in evidence]
        if not cleaned or not all(e.ref for e in cleaned):
            raise ValidationError("evidence needs a reference (a path, function key, sha or URL)")
        with self._batch(f"link #{item_id}", actor) as batch:
            self._current(item_id)
            added = False
            for one in cleaned:
                exists = self.conn.execute(
                    "SELECT 1 FROM evidence WHERE item_id = ? AND kind = ? AND ref = ?",
                    [item_id, one.kind.value, one.ref],
                ).fetchone()
                if not exists:
                    self._insert_evidence(batch, item_id, one)
                    added = True
            if added:
                self._bump(item_id)
        return self.get(item_id)

    def unlink(self, item_id: int, evidence_id: int, *, actor: str | None = None) -> Item:
        """Detach one evidence row."""
        with self._batch(f"unlink #{item_id}", actor) as batch:
            row = self._evidence_row(item_id, evidence_id)
            self.conn.execute("DELETE FROM evidence WHERE id = ?", [evidence_id])
            self._log(batch, item_id, "unlink", "evidence", row, None)
            self._bump(item_id)
        return self.get(item_id)

    def set_split(self, split: int, *, actor: str | None = None) -> None:
        """Change the high/low split point and re-place every item (not undoable)."""
        if split not in IMPACT_EFFORT_RANGE or split == IMPACT_EFFORT_RANGE.start:
            raise ValidationError(f"the split must be 2..5 (got {split})")
        with self._transaction():
            self.conn.execute(
                "INSERT INTO settings(key, value) VALUES ('split', ?)"
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                [str(split)],
            )
            schema.place_all(self.db, split)
        self._split = split

    def add_profile_snapshot(
        self, target: str, path: str, top: Sequence[str], recorded_at: str | None = None
    ) -> int:
        """Remember the top-N functions of a profile of ``target`` (for hotspot churn)."""
        with self._transaction():
            cursor = self.conn.execute(
                "INSERT INTO profiles(target, path, recorded_at, top) VALUES (?, ?, ?, ?)",
                [target, path, recorded_at or now(), json.dumps(builtins.list(top))],
            )
        return int(cursor.lastrowid)

    def profile_snapshots(self) -> builtins.list[tuple[str, str, str, builtins.list[str]]]:
        """Every snapshot as (target, path, recorded_at, top), by target then time."""
        rows = self.conn.execute(
            "SELECT target, path, recorded_at, top FROM profiles ORDER BY target, recorded_at, id"
        )
        return [(t, p, at, json.loads(top)) for t, p, at, top in rows]

    # -- undo / redo ----------------------------------------------------
    def undo(self, *, actor: str | None = None) -> Batch | None:
        """Revert the last batch (itself logged as an ``undo`` batch); None if nothing.

        Refused (StaleEditError) if a field it would revert was changed since.
        """
        return self._step(actor, forward=False)

    def redo(self, *, actor: str | None = None) -> Batch | None:
        """Re-apply the last undone batch; None if nothing to redo."""
        return self._step(actor, forward=True)

    def _step(self, actor: str | None, *, forward: bool) -> Batch | None:
        """One undo (``forward=False``) or redo, as its own logged batch."""
        actor = actor or default_actor()
        kind = "redo" if forward else "undo"
        with self._transaction():
            target = (self.can_redo if forward else self.can_undo)(actor=actor)
            if target is None:
                return None
            origin = self._origin(target.id)
            label = f"{kind} {target.label.removeprefix('redo ')}"
            batch = self._new_batch(label, actor, kind, origin, target.id)
            events = self._batch_events(origin)
            for event in events if forward else reversed(events):
                self._replay(batch, event, forward=forward)
            done = "redone" if forward else "undone"
            self.conn.execute("UPDATE batches SET state = ? WHERE id = ?", [done, target.id])
            if forward:  # a redo can itself be undone
                self.conn.execute("UPDATE batches SET state = 'applied' WHERE id = ?", [batch])
            return self._load_batch(batch)

    def _origin(self, batch: int) -> int:
        """The ``do`` batch whose events a batch (or a redo of it) consists of."""
        return self.conn.execute(
            "SELECT coalesce(origin, id) FROM batches WHERE id = ?", [batch]
        ).fetchone()[0]

    def _replay(self, batch: int, event: Event, *, forward: bool) -> None:
        """Apply ``event`` again (redo) or its inverse (undo), refusing on conflicts."""
        action = "redo" if forward else "undo"
        item_id = event.item_id
        if event.action == "create":
            if forward:
                row = _decode(event.new)
                self._insert_row(row, version=self._next_version_after_delete(row))
                self._log(batch, item_id, action, "item", None, row)
            else:
                row = self._current(item_id)
                self.conn.execute("DELETE FROM evidence WHERE item_id = ?", [item_id])
                self.conn.execute("DELETE FROM items WHERE id = ?", [item_id])
                self._log(batch, item_id, action, "item", row, None)
        elif event.action in ("link", "unlink"):
            adding = (event.action == "link") == forward
            row = _decode(event.new if event.action == "link" else event.old)
            self._current(item_id)
            if adding:
                self.conn.execute(
                    "INSERT INTO evidence(id, item_id, kind, ref, note, added_at)"
                    " VALUES (:id, :item_id, :kind, :ref, :note, :added_at)",
                    row,
                )
                self._log(batch, item_id, action, "evidence", None, row)
            else:
                self.conn.execute("DELETE FROM evidence WHERE id = ?", [row["id"]])
                self._log(batch, item_id, action, "evidence", row, None)
            self._bump(item_id)
        elif event.action == "update":
            before, after = _decode(event.old), _decode(event.new)
            expect, value = (before, after) if forward else (after, before)
            current = self._current(item_id)
            if current[event.field] != expect:
                raise StaleEditError(
                    f"cannot {action} on item {item_id}: its {event.field} was changed since "
                    f"(now {current[event.field]!r}); edit it directly instead"
                )
            self._write_fields(batch, item_id, current, {event.field: value}, action)

    # -- write primitives (inside a transaction) -----------------------
    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT``; the lock keeps two threads of one process
        (the pane's workers) from nesting transactions on the shared connection.
        A read-only backlog refuses here, before SQLite is asked, for every write."""
        if self.read_only:
            raise StoreError(self.read_only)
        with self._lock, store_errors(self.path):
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    @contextmanager
    def _batch(self, label: str, actor: str | None) -> Iterator[int]:
        """One user action: a transaction, a ``do`` batch, and the redo stack dropped."""
        actor = actor or default_actor()
        with self._transaction():
            self.conn.execute(
                "UPDATE batches SET state = 'dropped' WHERE actor = ? AND state = 'undone'",
                [actor],
            )
            yield self._new_batch(label, actor, "do", None, None)

    def _new_batch(
        self, label: str, actor: str, kind: str, origin: int | None, ref: int | None
    ) -> int:
        state = "applied" if kind == "do" else "inert"
        self._actor = actor
        cursor = self.conn.execute(
            "INSERT INTO batches(at, actor, label, kind, origin, ref, state)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)",
            [now(), actor, label, kind, origin, ref, state],
        )
        return int(cursor.lastrowid)

    def _batch_events(self, batch: int) -> builtins.list[Event]:
        return self._events("batch_id", batch)

    def _load_batch(self, batch: int) -> Batch:
        row = self.conn.execute(
            "SELECT id, at, actor, label, kind FROM batches WHERE id = ?", [batch]
        ).fetchone()
        return Batch(*row, events=self._batch_events(batch))

    def _log(
        self, batch: int, item_id: int, action: str, field: str | None, old: Any, new: Any
    ) -> None:
        self.conn.execute(
            "INSERT INTO events(batch_id, item_id, at, actor, action, field, old, new)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [batch, item_id, now(), self._actor, action, field, _encode(old), _encode(new)],
        )

    def _current(self, item_id: int) -> dict[str, Any]:
        cursor = self.conn.execute("SELECT * FROM items WHERE id = ?", [item_id])
        row = cursor.fetchone()
        if row is None:
            self._row(item_id)  # raises ItemNotFoundError
        return dict(zip((d[0] for d in cursor.description), row, strict=True))

    def _insert(self, batch: int, item: Item) -> int:
        stamp = now()
        row = {
            "title": item.title.strip(),
            "hypothesis": item.hypothesis,
            "notes": item.notes,
            "source": item.source.value,
            "signal": item.signal.value,
            "pattern": item.pattern.value,
            "impact": item.impact,
            "effort": item.effort,
            "taxonomy": item.taxonomy.value,
            "kpi": item.kpi,
            "kpi_baseline": item.kpi_baseline,
            "kpi_target": item.kpi_target,
            "kpi_latest": item.kpi_latest,
            "status": item.status.value,
            "owner": item.owner,
            "justification": item.justification,
            "critical": int(item.critical),
            "created_at": item.created_at or stamp,
            "updated_at": stamp,
        }
        item_id = self._insert_row(row, version=1)
        self._log(batch, item_id, "create", None, None, self._current(item_id))
        for evidence in item.evidence:
            self._insert_evidence(batch, item_id, evidence)
        return item_id

    def _insert_row(self, row: dict[str, Any], *, version: int) -> int:
        quadrant = quadrant_of(row["impact"], row["effort"], self._split)
        row = {
            **row,
            "version": version,
            "quadrant": quadrant.value,
            "qrank": quadrant.rank,
            "closed": int(Status(row["status"]) not in OPEN_STATUSES),
        }
        columns = ", ".join(row)
        marks = ", ".join(f":{name}" for name in row)
        cursor = self.conn.execute(f"INSERT INTO items({columns}) VALUES ({marks})", row)
        return int(cursor.lastrowid)

    def _next_version_after_delete(self, row: dict[str, Any]) -> int:
        """A re-created item gets a version above any it had, so old reads stay stale."""
        last = self.conn.execute(
            "SELECT count(*) FROM events WHERE item_id = ?", [row["id"]]
        ).fetchone()[0]
        return int(row["version"]) + last

    def _insert_evidence(self, batch: int, item_id: int, evidence: Evidence) -> None:
        cursor = self.conn.execute(
            "INSERT INTO evidence(item_id, kind, ref, note, added_at) VALUES (?, ?, ?, ?, ?)",
            [item_id, evidence.kind.value, evidence.ref, evidence.note, now()],
        )
        self._log(
            batch, item_id, "link", "evidence", None, self._evidence_row(item_id, cursor.lastrowid)
        )

    def _evidence_row(self, item_id: int, evidence_id: int) -> dict[str, Any]:
        row = self.conn.execute(
            "SELECT id, item_id, kind, ref, note, added_at FROM evidence"
            " WHERE id = ? AND item_id = ?",
            [evidence_id, item_id],
        ).fetchone()
        if row is None:
            raise ValidationError(f"item #{item_id} has no evidence #{evidence_id}")
        return dict(zip(("id", "item_id", "kind", "ref", "note", "added_at"), row, strict=True))

    def _bump(self, item_id: int) -> None:
        self.conn.execute(
            "UPDATE items SET version = version + 1, updated_at = ? WHERE id = ?",
            [now(), item_id],
        )

    def _change(
        self, batch: int, item_id: int, changes: dict[str, Any], expected_version: int | None
    ) -> None:
        current = self._current(item_id)
        if expected_version is not None and current["version"] != expected_version:
            raise stale(item_id, expected_version, current["version"])
        values = normalise_changes(changes)
        merged = {**current, **values}
        if merged["status"] == Status.WAIVED.value and not (merged["justification"] or "").strip():
            raise ValidationError(
                f"item #{item_id}: waiving needs a justification (--justification TEXT)"
            )
        if not str(merged["title"]).strip():
            raise ValidationError(f"item #{item_id}: the title cannot be empty")
        self._write_fields(batch, item_id, current, values, "update")

    def _write_fields(
        self,
        batch: int,
        item_id: int,
        current: dict[str, Any],
        values: dict[str, Any],
        action: str,
    ) -> None:
        changed = {k: v for k, v in values.items() if current[k] != v}
        if not changed:
            return
        derived = dict(changed)
        if "impact" in changed or "effort" in changed:
            quadrant = quadrant_of(
                changed.get("impact", current["impact"]),
                changed.get("effort", current["effort"]),
                self._split,
            )
            derived.update(quadrant=quadrant.value, qrank=quadrant.rank)
        if "status" in changed:
            derived["closed"] = int(Status(changed["status"]) not in OPEN_STATUSES)
        derived["updated_at"] = now()
        sets = ", ".join(f"{name} = :{name}" for name in derived)
        cursor = self.conn.execute(
            f"UPDATE items SET {sets}, version = version + 1 WHERE id = :id AND version = :v",
            {**derived, "id": item_id, "v": current["version"]},
        )
        if cursor.rowcount == 0:
            latest = self._current(item_id)["version"]
            raise stale(item_id, current["version"], latest)
        for name, value in changed.items():
            self._log(batch, item_id, action, name, current[name], value)

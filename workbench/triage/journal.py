"""The event log: every write is a batch of events, which undo and redo replay.

An append-only log (who, when, field, old → new), grouped in batches (one user
action), powers item history, undo/redo and the KPIs. This is the write half's
machinery; :class:`~workbench.triage.store.BacklogStore` builds its verbs on it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from workbench.errors import StaleEditError, StoreError
from workbench.output import json_text
from workbench.triage.dbfile import default_actor, now, store_errors
from workbench.triage.model import Batch, Event
from workbench.triage.opening import Access


def _encode(value: Any) -> str | None:
    return None if value is None else json_text(value)


def _decode(text: str | None) -> Any:
    return None if text is None else json.loads(text)


class Journal:
    """Batches, transactions, undo and redo (a mixin of ``BacklogStore``).

    Replaying an event uses the store's row primitives (``_current``,
    ``_insert_row``, ``_write_fields``, ``_bump``), which live with the verbs.
    """

    path: Path
    conn: sqlite3.Connection
    read_only: str | None
    access: Access
    _actor: str
    _lock: threading.RLock

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

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        """One ``BEGIN IMMEDIATE`` … ``COMMIT``; the lock keeps two threads of one process
        (the pane's workers) from nesting transactions on the shared connection.
        A read-only backlog refuses here, before SQLite is asked, for every write."""
        if self.read_only:
            raise StoreError(self.read_only)
        if self.access is Access.READ:
            raise StoreError(f"the backlog {self.path} was opened for reading; nothing was changed")
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

    def _batch_events(self, batch: int) -> list[Event]:
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

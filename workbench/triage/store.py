"""The backlog store: one SQLite file, safe for two processes grooming it at once.

- WAL and a busy timeout, so a reader never blocks a writer and a writer waits
  a little for another instead of failing at once.
- Every write is one ``BEGIN IMMEDIATE`` transaction: a process killed
  mid-write loses only the write in flight, never a committed item.
- Optimistic concurrency: each item has a ``version``; an edit made from a
  stale read is refused (:class:`StaleEditError`) instead of overwriting.

The class is assembled from its seams: :mod:`.opening` (checks, read-only
fallbacks, migrations), :mod:`.queries` (pages, counts, positions),
:mod:`.journal` (batches, undo/redo); this module holds the verbs that write.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workbench.output import json_text
from workbench.triage import opening, schema
from workbench.triage.dbfile import (
    DEFAULT_BUSY_TIMEOUT,
    default_actor,
    default_db_path,
    now,
)
from workbench.triage.journal import Journal
from workbench.triage.model import (
    EDITABLE_FIELDS,
    IMPACT_EFFORT_RANGE,
    OPEN_STATUSES,
    Evidence,
    Item,
    Status,
    quadrant_of,
)
from workbench.triage.opening import Access, BacklogDamagedError, BacklogMissingError
from workbench.triage.queries import ItemNotFoundError, ItemQueries
from workbench.triage.values import (
    ValidationError,
    normalise_changes,
    stale,
    validate_item,
)

__all__ = [
    "Access",
    "BacklogDamagedError",
    "BacklogMissingError",
    "BacklogStore",
    "ItemNotFoundError",
    "ValidationError",
    "default_actor",
    "default_db_path",
    "now",
]


class BacklogStore(ItemQueries, Journal):
    """Items, their evidence, the event log and profile snapshots in one SQLite file."""

    def __init__(self, path: Path, opened: opening.Opened) -> None:
        """Use :meth:`open`; this only wraps an already checked connection."""
        self.path = path
        self.conn = opened.conn
        self.access = opened.access
        """READ when this store only reads (asked for, or an older or read-only file)."""
        self.read_only = opened.read_only
        """Why this backlog cannot be written (the line a write is refused with), or None."""
        self.opened = opened
        """What opening did: created, upgraded (and the backup), pending upgrade."""
        self._split = opening.load_split(self.conn)
        self._actor = default_actor()
        """Actor of the batch being written (the event log records it per event)."""
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        path: Path | str | None = None,
        *,
        access: Access = Access.WRITE,
        add_to_existing: bool = False,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    ) -> BacklogStore:
        """Open the store at ``path`` (None → :func:`default_db_path`) for ``access``.

        READ never creates, migrates or leaves a file beside the database
        (BacklogMissingError when there is none); WRITE creates a new backlog or
        upgrades an older one, after copying it to ``<name>.bak-v<old version>``
        (:attr:`opened` says which); EDIT writes only an existing, current one.
        Raises StoreError (one line, file unchanged) for a locked, damaged,
        foreign or newer-schema database. A read-only file or folder opens for
        reading (:attr:`read_only` says why; every write raises StoreError with it).
        """
        path = default_db_path() if path is None else Path(path)
        opened = opening.open_backlog(
            path, access, add_to_existing=add_to_existing, busy_timeout=busy_timeout
        )
        return cls(path, opened)

    def changed_while_read(self) -> bool:
        """Whether another process wrote the file while this store read it without
        locks (a READ of a file with no ``-wal``): what was read may mix both states."""
        return opening.changed_since(self.path, self.opened.immutable_stamp)

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> BacklogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def split(self) -> int:
        """The impact/effort score at or above which a score is "high" (default 3)."""
        return self._split

    # -- writing: each call is one transaction and one undoable batch ---
    def add(self, item: Item, *, actor: str | None = None) -> Item:
        """Insert ``item`` (and its evidence); returns it as stored, with id and version 1."""
        return self.add_many([item], actor=actor, label=f"add “{item.title}”")[0]

    def add_many(
        self, items: Sequence[Item], *, actor: str | None = None, label: str = "import"
    ) -> list[Item]:
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
    ) -> list[Item]:
        """Move several items as one batch: one undo puts them all back, and one stale or
        missing item refuses the whole move (nothing is written). ``impact``/``effort`` set
        a score outright; otherwise the deltas apply (clamped to 1..5)."""
        ids = list(dict.fromkeys(item_ids))
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
    ) -> list[Item]:
        """Set the status of many items as one batch. ``waived`` needs a justification
        (given here or already on the item): ValidationError otherwise."""
        status = Status.parse(status)
        ids = list(dict.fromkeys(item_ids))
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
            schema.place_all(self.conn, split)
        self._split = split

    def add_profile_snapshot(
        self, target: str, path: str, top: Sequence[str], recorded_at: str | None = None
    ) -> int:
        """Remember the top-N functions of a profile of ``target`` (for hotspot churn)."""
        with self._transaction():
            cursor = self.conn.execute(
                "INSERT INTO profiles(target, path, recorded_at, top) VALUES (?, ?, ?, ?)",
                [target, path, recorded_at or now(), json_text(list(top))],
            )
        return int(cursor.lastrowid)

    def profile_snapshots(self) -> list[tuple[str, str, str, list[str]]]:
        """Every snapshot as (target, path, recorded_at, top), by target then time."""
        rows = self.conn.execute(
            "SELECT target, path, recorded_at, top FROM profiles ORDER BY target, recorded_at, id"
        )
        return [(t, p, at, json.loads(top)) for t, p, at, top in rows]

    # -- row primitives (inside a transaction; the journal replays with them) --
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

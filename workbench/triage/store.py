"""The backlog store: one SQLite file, safe for two processes grooming it at once.

API skeleton (bodies being filled in); signatures are stable.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from workbench.errors import StoreError
from workbench.triage.model import (
    Batch,
    Event,
    Evidence,
    Item,
    ItemFilter,
    Quadrant,
    Status,
)


class ItemNotFoundError(StoreError):
    """No item with that id (or it was removed by undoing its creation)."""


class ValidationError(StoreError):
    """A value is out of range or missing (impact 7, waiver without justification)."""


def default_db_path(cwd: Path | None = None) -> Path:
    """``.workbench/triage.db`` at the root of the git repository of ``cwd``, else the
    user data dir."""
    raise NotImplementedError


class BacklogStore:
    """Items, their evidence, the event log and profile snapshots in one SQLite file."""

    path: Path

    @classmethod
    def open(cls, path: Path | None = None) -> BacklogStore:
        """Open (creating or migrating) the store at ``path``; None → :func:`default_db_path`.

        Raises StoreError (one line, file unchanged) for a locked, read-only,
        corrupt or newer-schema database.
        """
        raise NotImplementedError

    # -- reading --------------------------------------------------------
    @property
    def split(self) -> int:
        """The impact/effort score at or above which a score is "high" (default 3)."""
        raise NotImplementedError

    def get(self, item_id: int) -> Item:
        """The item with its evidence; ItemNotFoundError if absent."""
        raise NotImplementedError

    def list(
        self,
        item_filter: ItemFilter | None = None,
        *,
        offset: int = 0,
        limit: int | None = 100,
        order: str = "quadrant",
    ) -> list[Item]:
        """One page of items, evidence included. ``order``: quadrant (matrix order, then
        impact desc, effort asc, id), id, updated (most recent first). ``limit=None``: all."""
        raise NotImplementedError

    def count(self, item_filter: ItemFilter | None = None) -> int:
        raise NotImplementedError

    def counts_by_quadrant(self, item_filter: ItemFilter | None = None) -> dict[Quadrant, int]:
        """Every quadrant present as a key (0 when empty), for the matrix headers."""
        raise NotImplementedError

    def history(self, item_id: int) -> list[Event]:
        """Every event about the item, oldest first."""
        raise NotImplementedError

    def can_undo(self) -> Batch | None:
        """The batch :meth:`undo` would revert (events not loaded), or None."""
        raise NotImplementedError

    def can_redo(self) -> Batch | None:
        """The batch :meth:`redo` would re-apply (events not loaded), or None."""
        raise NotImplementedError

    # -- writing: each call is one transaction and one undoable batch ---
    def add(self, item: Item, *, actor: str | None = None) -> Item:
        """Insert ``item`` (and its evidence); returns it as stored, with id and version 1."""
        raise NotImplementedError

    def add_many(
        self, items: Sequence[Item], *, actor: str | None = None, label: str = "import"
    ) -> list[Item]:
        """Insert all or none, as one batch (one undo removes them all)."""
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

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
        raise NotImplementedError

    def link(self, item_id: int, evidence: Evidence, *, actor: str | None = None) -> Item:
        """Attach evidence (idempotent for the same kind+ref)."""
        raise NotImplementedError

    def unlink(self, item_id: int, evidence_id: int, *, actor: str | None = None) -> Item:
        """Detach one evidence row."""
        raise NotImplementedError

    def undo(self, *, actor: str | None = None) -> Batch | None:
        """Revert the last batch (itself logged as an ``undo`` batch); None if nothing.

        Refused (StaleEditError) if a field it would revert was changed since.
        """
        raise NotImplementedError

    def redo(self, *, actor: str | None = None) -> Batch | None:
        """Re-apply the last undone batch; None if nothing to redo."""
        raise NotImplementedError

    def set_split(self, split: int, *, actor: str | None = None) -> None:
        """Change the high/low split point and re-place every item."""
        raise NotImplementedError

    def close(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> BacklogStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

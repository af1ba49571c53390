"""What the Backlog pane's workers do and the messages they post.

Plain functions over a :class:`BacklogStore` (no widget is touched here) and
the typed messages that carry their results to the UI thread. Kept apart from
the screen so the screen reads as keys → actions → handlers.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from textual.message import Message

from screens.messages import BacklogItemRequested
from screens.widgets.backlog_list import BacklogList
from workbench.errors import StaleEditError, StoreError
from workbench.files import output_file
from workbench.reports.triage_markdown import triage_document
from workbench.triage.kpis import KpiReport
from workbench.triage.model import (
    EDITABLE_FIELDS,
    Batch,
    Evidence,
    EvidenceKind,
    Item,
    ItemFilter,
    Quadrant,
)
from workbench.triage.store import BacklogStore

Write = Callable[[BacklogStore], tuple[list[Item], str]]
"""One user action against the store: the items it left behind and a one-line summary."""


@dataclass
class Follow:
    """After a write, the item to select: in ``target`` at ``index`` (None: not listed)."""

    target: BacklogList
    item: Item
    index: int | None


# -- messages from workers -------------------------------------------------
@dataclass
class ProposalChecked(Message):
    """A hotspot another pane sent, with the open items that already track its function."""

    request: BacklogItemRequested
    tracked: list[Item]


def tracking(request: BacklogItemRequested) -> tuple[ItemFilter, str] | None:
    """The open items that may already track what ``request`` proposes — holding its
    draft's commit (a bisect's culprit), else its function — and how to name that;
    None when there is nothing to look up."""
    if request.draft is not None:
        commits = [e.ref for e in request.draft.evidence if e.kind == EvidenceKind.COMMIT]
        if commits:
            return ItemFilter(commit=commits[0]), f"commit {commits[0][:12]}"
    if request.function:
        return ItemFilter(function=request.function), request.function
    return None


def linked(item: Item, evidence: Evidence) -> tuple[list[Item], str]:
    return [item], f"#{item.id} ← {evidence}"


@dataclass
class CountsLoaded(Message):
    """How many items the filter selects, in all and per quadrant."""

    generation: int
    total: int
    by_quadrant: dict[Quadrant, int]
    read_only: str | None = None
    """Why the backlog cannot be written (the pane then refuses its editing keys)."""
    pages: list[tuple[BacklogList, int, list[Item]]] = field(default_factory=list)
    """(list, offset, rows) for each list on screen, read with the counts."""
    follow: Follow | None = None
    """The item a write left behind, to select once its page is shown."""
    missing: bool = False
    """No backlog file exists yet: an empty one is shown until the first write."""


@dataclass
class PageLoaded(Message):
    """Rows ``offset``.. of ``backlog_list``'s filter."""

    backlog_list: BacklogList
    generation: int
    offset: int
    items: list[Item]


@dataclass
class ItemsChanged(Message):
    """A write committed: say ``summary``; the cursor follows ``follow`` (at ``index``)."""

    summary: str
    follow: Item | None = None
    index: int | None = None
    clear_marks: bool = False
    notices: list[str] = field(default_factory=list)
    """What opening the backlog for this write did (created it, upgraded it)."""


@dataclass
class StoreFailed(Message):
    """A store call was refused; ``reason`` is its one-line message."""

    reason: str
    write: bool = False
    """A refused write reloads the view (it may be stale); a failed read does not retry."""


@dataclass
class DetailLoaded(Message):
    """The selected item, fresh from the store, with its history."""

    item: Item
    events: list[Any]


@dataclass
class KpisComputed(Message):
    report: KpiReport


@dataclass
class Exported(Message):
    """``count`` items were written as Markdown to ``path``."""

    path: Path
    count: int


def export_markdown(
    store: BacklogStore, item_filter: ItemFilter, path: Path, scope: str, repo: Path | None
) -> int:
    """Write the triage of ``item_filter`` to ``path`` as ``workbench export markdown`` does
    (through the safe writer: never half-written, a device or symlink never replaced);
    returns the item count."""
    with output_file(path) as out:
        out.writelines(triage_document(store, item_filter, scope=scope, repo=repo))
    return store.count(item_filter)


def ids(items: list[Item]) -> str:
    return ", ".join(f"#{item.id}" for item in items[:5]) + (" …" if len(items) > 5 else "")


def moved_summary(items: list[Item]) -> str:
    if len(items) == 1:
        item = items[0]
        return f"#{item.id} impact {item.impact} · effort {item.effort} → {item.action}"
    return f"moved {ids(items)}"


def added(item: Item) -> tuple[list[Item], str]:
    return [item], f"added #{item.id} → {item.action}"


def replayed(store: BacklogStore, batch: Batch | None, verb: str) -> tuple[list[Item], str]:
    """The items an undo/redo batch touched, as stored now (an undone add is gone)."""
    if batch is None:
        return [], f"nothing to {verb}"
    items = []
    for item_id in sorted({event.item_id for event in batch.events}):
        try:
            items.append(store.get(item_id))
        except StoreError:
            continue
    return items, batch.label


def saved_edit(
    original: Item, values: dict[str, Any], expected_version: Callable[[Item], int]
) -> Write:
    """The store calls for a saved edit form: changed fields, then evidence added/removed.

    ``expected_version(original)`` is the version the pane last saw of the item
    the form was opened on, asked when the write runs; when only evidence
    changed, the version is checked here so a stale form is refused all the same.
    """
    item_id = original.id or 0
    changes = {
        name: values[name]
        for name in EDITABLE_FIELDS
        if name in values and values[name] != getattr(original, name)
    }
    old = {(e.kind, e.ref): e for e in original.evidence}
    new = {(e.kind, e.ref): e for e in values["evidence"]}

    def call(store: BacklogStore) -> tuple[list[Item], str]:
        expected = expected_version(original)
        if changes:
            item = store.update(item_id, changes, expected_version=expected)
        else:
            item = store.get(item_id)
            if item.version != expected:
                raise StaleEditError(
                    f"#{item_id} was changed elsewhere since you opened it; "
                    "your edit was not saved (reloaded: check it and edit again)"
                )
        for key in new.keys() - old.keys():
            item = store.link(item_id, new[key])
        for key in old.keys() - new.keys():
            if old[key].id is not None:
                item = store.unlink(item_id, old[key].id)
        return [item], f"saved #{item_id}"

    return call

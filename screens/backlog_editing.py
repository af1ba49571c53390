"""The Backlog pane's editing: keys that change items, the order their writes run in,
and where the cursor goes after.

The base class of :class:`~screens.backlog.BacklogScreen` (which holds the
bindings, the state and the reading side), kept apart so each half reads on
its own.
Every write is queued (:class:`~screens.backlog_session.WriteQueue`) and runs
in one worker, one after the other in the order the keys were pressed; what a
write needs to know about its items (their versions above all) is read when
it runs, so quick presses never take the pane's own writes for someone else's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from rich.text import Text
from textual import work
from textual.widgets import Static

from screens.backlog_session import BacklogSession, WriteQueue
from screens.backlog_work import (
    Follow,
    ItemsChanged,
    ProposalChecked,
    StoreFailed,
    Write,
    added,
    ids,
    linked,
    moved_summary,
    replayed,
    saved_edit,
    tracking,
)
from screens.item_dialog import ItemDialog
from screens.messages import BacklogItemRequested
from screens.pane import PaneScreen
from screens.status_dialog import StatusDialog
from screens.widgets.backlog_list import BacklogList
from screens.widgets.matrix import QuadrantMatrix
from workbench.errors import StoreError
from workbench.output import counted
from workbench.triage.model import (
    Evidence,
    EvidenceKind,
    Item,
    ItemFilter,
    Quadrant,
    Source,
    Status,
)
from workbench.triage.store import BacklogStore


@dataclass
class WriteJob:
    """One user action waiting its turn, with the view it was pressed in."""

    call: Write
    item_filter: ItemFilter
    per_quadrant: bool
    """The cursor follows the item in its quadrant's panel (else in the long list)."""
    follow: bool
    clear_marks: bool


class BacklogEditing(PaneScreen):
    """Editing keys and the write queue; ``BacklogScreen`` provides what is declared here."""

    _session: BacklogSession
    _writes: WriteQueue[WriteJob]
    _read_only: str | None
    _last_action: str
    _marked_items: dict[int, Item]
    marked: frozenset[int]
    side: str
    item_filter: ItemFilter
    view: str
    quadrant: Quadrant
    matrix: QuadrantMatrix
    active_list: BacklogList
    reload: Callable[[Follow | None], None]
    _post_read: Callable[..., None]

    def _refused(self) -> bool:
        """On a read-only backlog an editing key says why, in one line, and does nothing
        (before any form opens: typing a whole item only to lose it would be worse)."""
        if self._read_only:
            self.notify(self._read_only, title="Read-only", severity="error", markup=False)
        return bool(self._read_only)

    def _targets(self) -> list[Item]:
        """The marked items (as they were seen when marked), else the selected one."""
        if self.marked:
            return [self._marked_items[item_id] for item_id in sorted(self._marked_items)]
        selected = self.active_list.selected
        return [selected] if selected else []

    def _write(self, call: Write, *, follow: bool = True, clear_marks: bool = False) -> None:
        """Queue one user action; the cursor then follows its last item.

        The filter the cursor's index is computed in is captured here, on the UI
        thread: the new quadrant's panel in the matrix, the whole list otherwise.
        Everything about the items themselves (their versions above all) is read
        by ``call`` when its turn comes.
        """
        if self._refused():
            return
        job = WriteJob(call, self.item_filter, self.view == "matrix", follow, clear_marks)
        if self._writes.put(job):
            self._drain_writes()

    @work(thread=True, group="backlog-writes", exit_on_error=False, description="Saving…")
    def _drain_writes(self) -> None:
        """Writes run one after the other in key order, never cancelled: each one counts."""
        self._writes.drain(self._run_write)

    def _run_write(self, job: WriteJob, queued: int) -> bool:
        """One queued write; False (and StoreFailed) when it was refused."""

        def run(store: BacklogStore) -> ItemsChanged:
            items, summary = job.call(store)
            self._session.remember(items)
            last = items[-1] if items and job.follow else None
            index = None
            if last is not None and last.status.is_open:
                where = job.item_filter
                if job.per_quadrant:
                    where = replace(job.item_filter, quadrant=last.quadrant)
                index = store.position(where, last)
            return ItemsChanged(summary, last, index, job.clear_marks)

        try:
            changed = self._session.write(run)
        except StoreError as error:
            later = counted(queued, "change")
            dropped = f" (and the {later} pressed after it were not made)" if queued else ""
            self.post_message(StoreFailed(f"{error.in_app()}{dropped}", write=True))
            return False
        changed.notices = self._session.take_notices()
        self.post_message(changed)
        return True

    def on_items_changed(self, message: ItemsChanged) -> None:
        for notice in message.notices:
            self.notify(notice, title="Backlog", markup=False)
        if message.clear_marks:
            self.marked = frozenset()
        self._last_action = message.summary
        item = message.follow
        if item is None:
            self.reload()
            return
        target = (
            self.matrix.panel(item.quadrant)
            if self.view == "matrix"
            else self.query_one("#backlog-list", BacklogList)
        )
        self.reload(Follow(target, item, message.index))

    def _follow(self, follow: Follow) -> None:
        """Select the written item where it now is (its page is loaded with the counts)."""
        follow.target.follow(follow.item.id or 0)
        if follow.index is not None:
            follow.target.cursor = follow.index
        if self.view == "matrix":
            self.quadrant = follow.item.quadrant

    def on_store_failed(self, message: StoreFailed) -> None:
        title = "Not saved" if message.write else "Backlog unavailable"
        self.notify(message.reason, title=title, severity="error", timeout=8, markup=False)
        if message.write:
            self.reload()
        else:
            status = self.query_one("#backlog-status", Static)
            status.update(Text(f"✗ {message.reason}"))
            status.add_class("-error")

    def _move(self, impact: int, effort: int) -> None:
        targets = self._targets()
        if not targets:
            self.notify("no item selected", severity="warning")
            return

        def call(store: BacklogStore) -> tuple[list[Item], str]:
            versions = {item.id or 0: self._session.expected(item) for item in targets}
            moved = store.move_many(
                list(versions),
                impact_delta=impact,
                effort_delta=effort,
                expected_versions=versions,
            )
            return moved, moved_summary(moved)

        self._write(call)

    def action_raise_impact(self) -> None:
        self._move(1, 0)

    def action_lower_impact(self) -> None:
        self._move(-1, 0)

    def action_raise_effort(self) -> None:
        self._move(0, 1)

    def action_lower_effort(self) -> None:
        self._move(0, -1)

    def action_mark(self) -> None:
        selected = self.active_list.selected
        if selected is None or selected.id is None:
            return
        if self._marked_items.pop(selected.id, None) is None:
            self._marked_items[selected.id] = selected
        self.marked = frozenset(self._marked_items)

    def action_clear_marks(self) -> None:
        self.marked = frozenset()

    def action_status(self) -> None:
        if self._refused():
            return
        targets = self._targets()
        if not targets:
            self.notify("no item selected", severity="warning")
            return

        def chosen(choice: tuple[Status, str] | None) -> None:
            if choice is not None:
                self._set_status(targets, *choice)

        self.app.push_screen(StatusDialog(len(targets)), chosen)

    def action_done(self) -> None:
        targets = self._targets()
        if targets:
            self._set_status(targets, Status.DONE, "")

    def _set_status(self, targets: list[Item], status: Status, why: str) -> None:
        def call(store: BacklogStore) -> tuple[list[Item], str]:
            versions = {item.id or 0: self._session.expected(item) for item in targets}
            items = store.set_status(
                list(versions), status, justification=why or None, expected_versions=versions
            )
            return items, f"{ids(items)} → {status.label}"

        self._write(call, follow=status.is_open, clear_marks=True)

    def action_add(self) -> None:
        if not self._refused():
            self._open_dialog(None, ItemDialog())

    def action_edit(self) -> None:
        if self._refused():
            return
        selected = self.active_list.selected
        if selected is None:
            self.notify("no item selected", severity="warning")
            return
        self._open_dialog(selected, ItemDialog(selected, heading=f"Edit #{selected.id}"))

    def propose_item(self, message: BacklogItemRequested) -> None:
        """Another pane sent a hotspot (or a whole proposed item): open the add form
        prefilled with its evidence, saying which open items already track its function
        or commit (a duplicate is a choice, not an accident)."""
        if not self._refused():
            self._check_proposal(message)

    @work(
        thread=True,
        group="backlog-propose",
        exit_on_error=False,
        description="Looking for items that track this function or commit…",
    )
    def _check_proposal(self, message: BacklogItemRequested) -> None:
        where = tracking(message)
        self._post_read(
            lambda store: ProposalChecked(message, store.items(where[0], limit=3) if where else [])
        )

    def on_proposal_checked(self, checked: ProposalChecked) -> None:
        message = checked.request
        draft, heading = message.draft, "Add proposed item"
        if draft is None:
            draft, heading = _hotspot_item(message), "Add item from hotspot"
        if checked.tracked:
            ids = ", ".join(f"#{item.id}" for item in checked.tracked)
            heading = f"{heading} — already tracked by {ids}: save only for another hypothesis"
            what = tracking(message)
            self.notify(
                f"{ids} already track {what[1] if what else 'this'}; escape and edit it instead",
                title="Possible duplicate",
                severity="warning",
                markup=False,
            )
        self._open_dialog(None, ItemDialog(draft, heading=heading))

    def link_evidence(self, item_id: int, evidence: Evidence) -> None:
        """Another pane attaches evidence to an item: written here, so the lists, the
        detail panel and undo all know it; the item is then shown with its detail."""
        self._write(lambda store: linked(store.link(item_id, evidence), evidence))
        self.side = "detail"

    def _open_dialog(self, original: Item | None, dialog: ItemDialog) -> None:
        def saved(values: dict[str, Any] | None) -> None:
            if values is None:
                return
            if original is None:
                self._write(lambda store: added(store.add(Item(**values))))
            else:
                self._save_edit(original, values)

        self.app.push_screen(dialog, saved)

    def _save_edit(self, original: Item, values: dict[str, Any]) -> None:
        self._write(saved_edit(original, values, self._session.expected))

    def action_undo(self) -> None:
        self._write(lambda store: replayed(store, store.undo(), "undo"))

    def action_redo(self) -> None:
        self._write(lambda store: replayed(store, store.redo(), "redo"))


def _hotspot_item(message: BacklogItemRequested) -> Item:
    """The draft of a hotspot another pane sent: its function and profile as evidence."""
    evidence = []
    if message.function:
        evidence.append(Evidence(EvidenceKind.FUNCTION, message.function))
    if message.profile:
        evidence.append(Evidence(EvidenceKind.PROFILE, str(message.profile)))
    return Item(
        title=message.title,
        hypothesis=message.hypothesis,
        source=Source.PROFILE_DRIFT,
        kpi=message.kpi,
        kpi_baseline=message.kpi_baseline,
        kpi_latest=message.kpi_latest,
        evidence=evidence,
    )

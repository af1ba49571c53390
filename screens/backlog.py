"""The Backlog pane: the impact/effort matrix and a list, groomed with the keyboard.

The screen owns the backlog session (:mod:`screens.backlog_session`, opened
from ``context.db``) and is the only code that calls it. Every store call runs
in a thread worker, then posts a typed message; the handler updates widgets on
the UI thread. Reads go through :meth:`BacklogScreen._post_read`; writes queue
in a :class:`~screens.backlog_session.WriteQueue` and run one at a time in the
order the keys were pressed, each expecting the version the pane's own last
write left. Widgets get plain items: the lists page them (only the visible rows
plus a margin are ever loaded), the detail panel draws one item and its history.

A refused write (someone else changed the item: StaleEditError; a locked,
damaged or read-only database: StoreError) becomes a one-line notification
and a reload, never a crash, and nothing already stored is overwritten.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import Reactive, var
from textual.widget import Widget
from textual.widgets import ContentSwitcher, Input, Static
from textual.worker import Worker, WorkerState, get_current_worker

from screens.backlog_editing import BacklogEditing, WriteJob
from screens.backlog_query import FILTER_HELP, parse_filter
from screens.backlog_session import BacklogSession, WriteQueue
from screens.backlog_work import (
    CountsLoaded,
    DetailLoaded,
    Exported,
    Follow,
    KpisComputed,
    PageLoaded,
    StoreFailed,
    export_markdown,
)
from screens.keys import bind, motions
from screens.next_step import StepChosen, run_next_step
from screens.session import Session
from screens.widgets.backlog_footer import BacklogFooter
from screens.widgets.backlog_list import BacklogList, header_text
from screens.widgets.item_detail import ItemDetail
from screens.widgets.kpi_panel import KpiPanel
from screens.widgets.matrix import GRID_ORDER, QuadrantMatrix, QuadrantPanel
from screens.widgets.pane_bar import PaneBar
from workbench.errors import WorkbenchError
from workbench.paths import styles_dir
from workbench.triage.kpis import compute_kpis
from workbench.triage.model import (
    Item,
    ItemFilter,
    Quadrant,
)
from workbench.triage.next_step import next_step
from workbench.triage.store import BacklogStore


class BacklogScreen(BacklogEditing):
    """The triage matrix and list over one backlog database."""

    CSS_PATH = styles_dir() / "backlog.tcss"
    AUTO_FOCUS = ""
    """Nothing takes focus: the screen owns every key (the filter line takes it while open)."""

    BINDINGS = [
        *motions(
            "backlog",
            down="cursor(1)",
            up="cursor(-1)",
            top="top",
            bottom="bottom",
            page_down="page(1)",
            page_up="page(-1)",
            thing="item",
        ),
        bind("backlog", "next_part", "next_quadrant(1)", "Next quadrant", "Next cell", show=False),
        bind(
            "backlog",
            "previous_part",
            "next_quadrant(-1)",
            "Previous quadrant",
            "Previous cell",
            show=False,
        ),
        bind("backlog", "new", "add", "New", "Add an item (form)"),
        bind("backlog", "edit", "edit", "Edit", "Edit the selected item (form)"),
        bind("backlog", "status", "status", "Status", "Set status of the selected or marked items"),
        bind("backlog", "filter", "filter", "Filter", f"Narrow the items: {FILTER_HELP}"),
        bind(
            "backlog", "view", "toggle_view", "View", "Switch between the 2×2 matrix and one list"
        ),
        bind(
            "backlog", "mark", "mark", "Mark", "Mark or unmark the selected item for a bulk action"
        ),
        bind("backlog", "undo", "undo", "Undo", "Undo the last change"),
        bind("backlog", "redo", "redo", "Redo", "Redo the last undone change"),
        bind("backlog", "raise_impact", "raise_impact", "Impact+", "Raise impact by one"),
        bind("backlog", "raise_effort", "raise_effort", "Effort+", "Raise effort by one"),
        bind(
            "backlog", "select", "toggle_detail", "Detail", "Show evidence and history of the item"
        ),
        bind("backlog", "kpis", "toggle_kpis", "KPIs", "Show the team KPIs and escalations"),
        bind("backlog", "save", "export", "Save", "Write the triage as Markdown to a file"),
        bind(
            "backlog", "lower_impact", "lower_impact", "Impact-", "Lower impact by one", show=False
        ),
        bind(
            "backlog", "lower_effort", "lower_effort", "Effort-", "Lower effort by one", show=False
        ),
        bind(
            "backlog", "done", "done", "Done", "Mark the selected or marked items done", show=False
        ),
        bind("backlog", "unmark_all", "clear_marks", "Unmark all", "Clear every mark", show=False),
        bind("backlog", "reload", "reload", "Reload", "Re-read the database", show=False),
        bind(
            "backlog",
            "back",
            "close",
            "Close",
            "Close the side panel, then clear the filter",
            show=False,
        ),
        bind(
            "backlog",
            "next_step",
            "next_step",
            "Next step",
            "Run the diagnostic step the item's signal calls for (History, capture, Live…)",
        ),
        *(
            bind(
                "backlog",
                f"quadrant_{n}",
                f"quadrant({n - 1})",
                q.action,
                f"Go to {q.action}",
                show=False,
            )
            for n, q in enumerate(GRID_ORDER, start=1)
        ),
    ]

    # Screen state is ``var``, not ``reactive``: a reactive repaints its widget, and the
    # widget here is the whole screen (a full redraw per key); the watchers redraw
    # only the lists that changed.
    quadrant: var[Quadrant] = var(Quadrant.IMMEDIATE_PR)
    """The matrix cell the keys act on (its panel has class ``-current``)."""
    item_filter: var[ItemFilter] = var(ItemFilter, always_update=True)
    """What the lists show; set by the filter line, each change reloads."""
    view: var[str] = var("matrix")
    """``matrix`` (four quadrant panels) or ``list`` (one list of every quadrant)."""
    side: var[str] = var("")
    """The side panel shown: ``detail``, ``kpis`` or nothing."""
    marked: var[frozenset[int]] = var(frozenset)
    """Ids the next status or move applies to, instead of the selected item."""
    focused: Reactive[Widget | None] = Reactive(None, repaint=False)
    """Textual's, without the repaint of the whole screen on every focus change: only
    the filter line takes focus, and its own ``:focus`` style redraws it."""

    store_type: ClassVar[type[BacklogStore]] = BacklogStore
    """What opens the backlog (a subclass can instrument it: a test slows its writes)."""

    def __init__(self, db: Path | None = None, repo: Path | None = None) -> None:
        super().__init__()
        self.repo = repo
        """Repository of the profiled code: the time-to-detect KPI reads commit times there."""
        self._session = BacklogSession(db, self.store_type)
        self._writes: WriteQueue[WriteJob] = WriteQueue()
        self._generation = 0
        self._marked_items: dict[int, Item] = {}
        self._total = 0
        self._last_action = ""
        """The summary of the last write, shown in the status line (a toast per key is noise)."""
        self._read_only: str | None = None
        """Why the backlog cannot be written, once the store has said so; None: writable."""
        self._missing = False
        """No backlog file yet (an empty one is shown; the first change creates it)."""

    @property
    def db(self) -> Path | None:
        """The backlog's path (None until the default location is first resolved)."""
        return self._session.db

    # -- layout ----------------------------------------------------------
    def compose(self) -> ComposeResult:
        yield PaneBar("backlog")
        with Horizontal(id="backlog-body"):
            with Vertical(id="backlog-main"):
                yield Input(placeholder=FILTER_HELP, id="backlog-filter")
                with ContentSwitcher(initial="matrix", id="backlog-views"):
                    yield QuadrantMatrix(id="matrix")
                    with Vertical(id="list"):
                        yield Static(header_text(), id="backlog-list-header")
                        yield BacklogList(id="backlog-list")
            yield ItemDetail(id="backlog-detail")
            yield KpiPanel(id="backlog-kpis")
        yield Static("", id="backlog-status", markup=False)
        yield BacklogFooter()

    def on_mount(self) -> None:
        self.sub_title = "Backlog"
        self.reload()

    @property
    def matrix(self) -> QuadrantMatrix:
        return self.query_one(QuadrantMatrix)

    @property
    def lists(self) -> list[BacklogList]:
        """Every list widget: the four quadrant panels and the long list."""
        return [*self.matrix.panels, self.query_one("#backlog-list", BacklogList)]

    @property
    def active_list(self) -> BacklogList:
        """The list the keys act on: the long list, or the current quadrant's panel."""
        if self.view == "list":
            return self.query_one("#backlog-list", BacklogList)
        return self.matrix.panel(self.quadrant)

    def _list_filter(self, backlog_list: BacklogList) -> ItemFilter:
        if isinstance(backlog_list, QuadrantPanel):
            return replace(self.item_filter, quadrant=backlog_list.quadrant)
        return self.item_filter

    # -- the store, from workers only --------------------------------------
    def _post_read(self, call: Callable[[BacklogStore], Message], *, write: bool = False) -> None:
        """In a worker: run ``call`` on the store and post the message it returns, unless
        this worker was cancelled meanwhile (a newer one will post); a refusal posts
        :class:`StoreFailed` with its one line instead."""
        try:
            message = self._session.read(call)
        except WorkbenchError as error:
            self.post_message(StoreFailed(error.in_app(), write=write))
            return
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_unmount(self) -> None:
        self._session.close()

    # -- loading -----------------------------------------------------------
    def reload(self, follow: Follow | None = None) -> None:
        """Count again and re-page the lists on screen (after a write or a filter change).

        One worker reads the counts and the page each visible list shows, and one
        message applies them (with the item a write wants followed): the view
        changes in a single paint instead of one per list and another per count.
        """
        self._generation += 1
        lists = self.matrix.panels if self.view == "matrix" else [self.active_list]
        windows = []
        for backlog_list in lists:
            around = follow.index if follow and follow.target is backlog_list else None
            offset, limit = backlog_list.window(around)
            windows.append((backlog_list, self._list_filter(backlog_list), offset, limit))
        self._load(self._generation, self.item_filter, windows, follow)
        if self.side == "detail":
            self._load_detail()
        elif self.side == "kpis":
            self._load_kpis()

    @work(
        thread=True,
        exclusive=True,
        group="backlog-count",
        exit_on_error=False,
        description="Reading the backlog…",
    )
    def _load(
        self,
        generation: int,
        item_filter: ItemFilter,
        windows: list[tuple[BacklogList, ItemFilter, int, int]],
        follow: Follow | None,
    ) -> None:
        def load(store: BacklogStore) -> CountsLoaded:
            by_quadrant = store.counts_by_quadrant(item_filter)
            pages = [
                (backlog_list, offset, store.items(where, offset=offset, limit=limit))
                for backlog_list, where, offset, limit in windows
            ]
            total = sum(by_quadrant.values())
            return CountsLoaded(
                generation,
                total,
                by_quadrant,
                store.read_only,
                pages,
                follow,
                missing=self._session.missing,
            )

        self._post_read(load)

    def on_counts_loaded(self, message: CountsLoaded) -> None:
        if message.generation != self._generation:
            return
        self.query_one("#backlog-status").remove_class("-error")
        self._read_only = message.read_only
        self._missing = message.missing
        empty = "no items match the filter" if self._filtering else "no open items — a to add"
        for panel in self.matrix.panels:
            count = message.by_quadrant.get(panel.quadrant, 0)
            panel.set_count(count)
            panel.reset(count, empty_message=empty, fetch=False)
        self.query_one("#backlog-list", BacklogList).reset(
            message.total, empty_message=empty, fetch=False
        )
        for backlog_list, offset, items in message.pages:
            backlog_list.set_page(offset, items)
        if message.follow is not None:
            self._follow(message.follow)
        self._update_status(message.total)
        if not message.by_quadrant.get(self.quadrant):
            # An empty current quadrant (after a filter or the last item left it):
            # the keys go to the first quadrant that has items.
            filled = [q for q in GRID_ORDER if message.by_quadrant.get(q)]
            if filled:
                self.quadrant = filled[0]

    @on(BacklogList.PageWanted)
    def _page_wanted(self, message: BacklogList.PageWanted) -> None:
        backlog_list = message.backlog_list
        item_filter = self._list_filter(backlog_list)
        generation = self._generation

        total = backlog_list.total

        offset, limit = message.offset, message.limit

        def fetch(store: BacklogStore) -> PageLoaded:
            items = store.items(item_filter, offset=offset, limit=limit, total=total)
            return PageLoaded(backlog_list, generation, offset, items)

        self.run_worker(
            lambda: self._post_read(fetch),
            thread=True,
            exclusive=True,
            group=f"backlog-page-{backlog_list.id}",
            exit_on_error=False,
        )

    def on_page_loaded(self, message: PageLoaded) -> None:
        if message.generation == self._generation:
            message.backlog_list.set_page(message.offset, message.items)

    # -- selection ---------------------------------------------------------
    @on(BacklogList.Highlighted)
    def _highlighted(self, message: BacklogList.Highlighted) -> None:
        if message.backlog_list is not self.active_list:
            return
        if self.side == "detail":
            self._load_detail()

    @on(BacklogList.Clicked)
    def _clicked(self, message: BacklogList.Clicked) -> None:
        if isinstance(message.backlog_list, QuadrantPanel):
            self.quadrant = message.backlog_list.quadrant

    def action_quadrant(self, index: int) -> None:
        """Make one quadrant of the matrix current (1–4 in reading order)."""
        self.view = "matrix"
        self.quadrant = GRID_ORDER[index]

    def action_next_quadrant(self, step: int) -> None:
        """Tab / shift+tab: the next or previous quadrant in reading order."""
        self.action_quadrant((GRID_ORDER.index(self.quadrant) + step) % len(GRID_ORDER))

    def action_toggle_view(self) -> None:
        self.view = "list" if self.view == "matrix" else "matrix"

    def watch_view(self, view: str) -> None:
        self.query_one(ContentSwitcher).current = view
        shown = self.matrix.panels if view == "matrix" else [self.active_list]
        for backlog_list in shown:
            backlog_list.refetch()
        self._show_current()

    def watch_quadrant(self) -> None:
        self._show_current()

    def _show_current(self) -> None:
        """Highlight the cursor of the list the keys now act on, and follow it."""
        active = self.active_list
        for backlog_list in self.lists:
            backlog_list.set_current(backlog_list is active)
        if self.side == "detail":
            self._load_detail()

    def action_cursor(self, rows: int) -> None:
        """j/k and friends: move the cursor of the current list."""
        self.active_list.move_cursor(rows)

    def action_page(self, pages: int) -> None:
        self.active_list.move_page(pages)

    def action_top(self) -> None:
        self.active_list.move_cursor(-self.active_list.total)

    def action_bottom(self) -> None:
        self.active_list.move_cursor(self.active_list.total)

    # -- filter ------------------------------------------------------------
    @property
    def _filtering(self) -> bool:
        return self.item_filter != ItemFilter()

    def action_filter(self) -> None:
        line = self.query_one("#backlog-filter", Input)
        line.add_class("-open")
        line.focus()

    @on(Input.Submitted, "#backlog-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        try:
            self.item_filter = parse_filter(event.value)
        except ValueError as error:
            self.notify(str(error), title="Filter", severity="warning", markup=False)
            return
        event.input.set_class(bool(event.value.strip()), "-open")
        self.set_focus(None)

    def watch_item_filter(self) -> None:
        if self.is_mounted:
            for backlog_list in self.lists:
                if backlog_list.cursor:  # setting it, even to 0, redraws the list
                    backlog_list.cursor = 0
            self.reload()

    def action_close(self) -> None:
        """Escape: close the side panel first, then clear the filter."""
        line = self.query_one("#backlog-filter", Input)
        if line.has_focus:
            line.set_class(self._filtering, "-open")
            self.set_focus(None)
        elif self.side:
            self.side = ""
        elif self._filtering:
            line.value = ""
            line.remove_class("-open")
            self.item_filter = ItemFilter()

    def watch_marked(self, marked: frozenset[int]) -> None:
        if not marked:
            self._marked_items.clear()
        for backlog_list in self.lists:
            backlog_list.set_marked(marked)
        self._update_status()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A bug in a worker is shown, not swallowed, and does not kill the pane."""
        if event.state is WorkerState.ERROR:
            self.notify(
                repr(event.worker.error), title="Backlog error", severity="error", markup=False
            )

    def action_reload(self) -> None:
        self.reload()

    # -- export --------------------------------------------------------------
    def action_export(self) -> None:
        typed = self.query_one("#backlog-filter", Input).value.strip()
        scope = f"open items matching “{typed}”" if self._filtering and typed else ""
        path = Path.cwd() / f"triage-{datetime.now():%Y%m%d-%H%M%S}.md"
        self._export(path, self.item_filter, scope)

    @work(
        thread=True,
        group="backlog-export",
        exit_on_error=False,
        description="Writing the Markdown export…",
    )
    def _export(self, path: Path, item_filter: ItemFilter, scope: str) -> None:
        """The items the pane shows (its filter), in matrix order, streamed to ``path``:
        the same document as ``workbench export markdown``."""

        def export(store: BacklogStore) -> Exported:
            try:
                return Exported(path, export_markdown(store, item_filter, path, scope, self.repo))
            except OSError as error:
                raise WorkbenchError(f"export failed: {error}") from None

        self._post_read(export, write=True)

    def on_exported(self, message: Exported) -> None:
        self.last_export = message.path
        """Where the last export went (tests read it)."""
        self.notify(str(message.path), title=f"Exported {message.count} items", markup=False)

    # -- side panels ---------------------------------------------------------
    def action_toggle_detail(self) -> None:
        self.side = "" if self.side == "detail" else "detail"

    def action_toggle_kpis(self) -> None:
        self.side = "" if self.side == "kpis" else "kpis"

    def watch_side(self, side: str) -> None:
        self.query_one("#backlog-detail").set_class(side == "detail", "-open")
        self.query_one("#backlog-kpis").set_class(side == "kpis", "-open")
        if side == "detail":
            self._load_detail()
        elif side == "kpis":
            self._load_kpis()

    def _load_detail(self) -> None:
        selected = self.active_list.selected
        if selected is None or selected.id is None:
            self.query_one(ItemDetail).show(None, [])
            return
        self._fetch_detail(selected.id)

    @work(thread=True, exclusive=True, group="backlog-detail", exit_on_error=False)
    def _fetch_detail(self, item_id: int) -> None:
        self._post_read(lambda store: DetailLoaded(store.get(item_id), store.history(item_id)))

    def on_detail_loaded(self, message: DetailLoaded) -> None:
        self.query_one(ItemDetail).show(message.item, message.events)

    # -- the next diagnostic step ----------------------------------------------
    def action_next_step(self) -> None:
        selected = self.active_list.selected
        if selected is None or selected.id is None:
            self.notify("no item selected", severity="warning")
            return
        self._fetch_step(selected.id)

    @work(
        thread=True,
        exclusive=True,
        group="backlog-step",
        exit_on_error=False,
        description="Reading the item…",
    )
    def _fetch_step(self, item_id: int) -> None:
        """The whole item (its evidence picks the step), then the step runs on the UI."""
        self._post_read(lambda store: StepChosen(next_step(store.get(item_id))))

    async def on_step_chosen(self, message: StepChosen) -> None:
        self.app.notify(await run_next_step(self, message.step), markup=False, timeout=8)

    @work(
        thread=True,
        exclusive=True,
        group="backlog-kpis",
        exit_on_error=False,
        description="Computing the KPIs…",
    )
    def _load_kpis(self) -> None:
        self._post_read(lambda store: KpisComputed(compute_kpis(store, repo=self.repo)))

    def on_kpis_computed(self, message: KpisComputed) -> None:
        self.query_one(KpiPanel).show(message.report)

    # -- status line -----------------------------------------------------------
    def _update_status(self, total: int | None = None) -> None:
        if total is not None:
            self._total = total
        parts = [f"{self._total} items"]
        if self._filtering:
            parts.append(f"filter: {self.query_one('#backlog-filter', Input).value}")
        if self.marked:
            parts.append(f"{len(self.marked)} marked")
        if self._last_action:
            parts.append(f"✓ {self._last_action}")
        if self._read_only:
            parts.append("read-only: view only, editing keys are refused")
        if self._missing:
            parts.append("no backlog file yet: the first change creates it")
        parts.append(f"db: {self.db}" if self.db else "db: default")
        # One line of fixed height: no layout of the screen for a new status text.
        self.query_one("#backlog-status", Static).update(Text("  ·  ".join(parts)), layout=False)


def make_screen(session: Session) -> BacklogScreen:
    """Mode factory for ``WorkbenchApp``: the pane over the session's backlog."""
    return BacklogScreen(session.db, session.repo)

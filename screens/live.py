"""The Live pane: attach to a Python process (or launch one) and watch it.

Layout: a status line (state, view, target, achieved/requested rate, blocking
mode, elapsed, lost time), the top functions of the rolling window (or of
the whole session) above a live icicle, and beside them the thread list,
the evidence sparklines (CPU, RSS, threads, I/O, context switches, FDs) and
a one-line diagnosis.

Views (``v``): *CPU* (default; each thread's samples weighed to its measured
CPU time), *samples* (py-spy's samples as recorded) and *wall* (every thread,
waiting included). The title of the table and the status line say which.

Data flow: one long-running thread worker (:class:`~screens.live_feed.Feed`)
does every blocking call, fills a thread-safe ``LiveSession`` and, after
each window, posts a finished :class:`~screens.live_view.LiveView`; the UI
thread only draws it (changed cells only). The feed builds no view while
the pane is hidden or paused — sampling goes on underneath — and rebuilds
at once when a view setting changes. A 1 Hz timer keeps the status line's
clock current.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.reactive import reactive
from textual.widgets import Footer, Input
from textual.worker import Worker, WorkerState, get_current_worker

from screens.choice_dialog import ROLE_CHOICES, ChoiceDialog
from screens.keys import bind
from screens.live_feed import (
    Attached,
    Feed,
    FeedConfig,
    SamplingStopped,
    TargetExited,
    ViewReady,
)
from screens.live_stats import SORT_ORDER, FunctionRow, SortKey, hot_lines, top_rows
from screens.live_view import VIEW_UNITS, LiveView, ViewSettings, next_view
from screens.messages import BacklogItemRequested, CompareProfileChosen, HistoryRequested
from screens.pane import PaneScreen
from screens.session import Session, code_files, process_folder
from screens.widgets.live_diagnosis import DiagnosisLine
from screens.widgets.live_icicle import LiveIcicle
from screens.widgets.live_status import StatusLine
from screens.widgets.live_top import TopTable
from screens.widgets.pane_bar import PaneBar
from screens.widgets.sparklines import MetricsSparklines
from screens.widgets.thread_table import ThreadTable, thread_name
from workbench.demo import bundled_workload
from workbench.errors import WorkbenchError
from workbench.paths import styles_dir
from workbench.profiles.model import View
from workbench.profiles.views import VIEW_NAMES
from workbench.sampling.diagnosis import Diagnosis

if TYPE_CHECKING:  # psutil and the profile writers load with the feed's thread
    from workbench.sampling.session import LiveSession

#: Seconds between two redraws of the status line (its clock and rate).
STATUS_SECONDS = 1.0
#: Rows of the top table; the rest is summarised in its title.
TOP_N = 40
#: Where snapshots handed to another pane are written, under the current directory.
HANDOFF_DIR = Path(".workbench") / "snapshots"


@dataclass
class SnapshotSaved(Message):
    """A snapshot file was written; ``purpose`` says what to do with it."""

    path: Path
    purpose: str
    """'save', 'base', 'branch', 'backlog' or 'diagnosis'."""
    row: FunctionRow | None
    """The selected function, for a backlog item."""
    diagnosis: Diagnosis | None = None
    """The diagnosis, for an item filed from it."""


class LiveScreen(PaneScreen):
    """Live sampling of one process; ``config`` None starts with the process picker."""

    CSS_PATH = [styles_dir() / "live.tcss"]

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("live", "pause", "toggle_pause", "Pause", "Freeze the view; sampling goes on"),
        bind(
            "live",
            "view",
            "cycle_view",
            "View",
            "CPU (samples weighed to measured CPU) → samples → wall (waiting included)",
        ),
        bind("live", "filter", "filter", "Filter", "Show functions whose name or module matches"),
        bind("live", "sort", "cycle_sort", "Sort", "Sort by self %, total % or name"),
        bind("live", "history", "history", "History", "Git history of the selected function"),
        bind(
            "live",
            "backlog",
            "backlog",
            "File item",
            "File a backlog item for the function (or the diagnosis, when it has focus)",
        ),
        bind("live", "compare", "compare", "Compare", "Snapshot to Compare, as base or branch"),
        bind("live", "save", "snapshot", "Save", "Save the view as a speedscope file here"),
        bind("live", "window", "toggle_window", "Window/all", "The rolling window or everything"),
        bind("live", "thread", "cycle_thread", "Thread", "Show one thread at a time, then all"),
        bind("live", "attach", "pick", "Attach", "Pick another Python process to sample"),
        bind("live", "back", "clear_filter", "Clear filter", "Clear the filter", show=False),
    ]

    paused: reactive[bool] = reactive(False)
    """The view is frozen (samples still accumulate)."""
    view: reactive[View] = reactive("cpu")
    """What the function table and icicle measure: cpu, samples or wall."""
    cumulative: reactive[bool] = reactive(False)
    """Show everything since attaching instead of the rolling window."""
    sort: reactive[SortKey] = reactive("self")
    """Top table order."""
    filter_text: reactive[str] = reactive("")
    """Only functions whose name or module path contains this (case-insensitive)."""
    focused_thread: reactive[int | None] = reactive(None)
    """Show only this thread's stacks (its OS thread id); None shows all threads."""

    def __init__(self, config: FeedConfig | None) -> None:
        super().__init__()
        self.config = config
        self.session: LiveSession | None = None
        """Everything sampled from the current target; None until attached."""
        self.shown: LiveView | None = None
        """The view on screen (the table's rows, the selected function's data)."""
        self._feed: Feed | None = None
        self._mode_text = ""
        self._problem: str | None = None
        self._drawn_at = 0.0
        """When the status line was last drawn (the clock skips a tick after a view)."""
        if config is not None:
            self.set_reactive(LiveScreen.view, config.view)

    def compose(self) -> ComposeResult:
        yield PaneBar("live")
        yield StatusLine(id="live-status")

    def compose_rest(self) -> ComposeResult:
        """The tables, the icicle, the sparklines and the footer, after the first frame."""
        with Horizontal(id="live-body"):
            with Vertical(id="live-main"):
                yield Input(placeholder="filter: function or module", id="live-filter")
                yield TopTable(id="live-top")
                yield LiveIcicle(id="live-icicle")
            with Vertical(id="live-side"):
                yield ThreadTable(id="live-threads")
                yield MetricsSparklines(id="live-metrics")
                yield DiagnosisLine(id="live-diagnosis")
        yield Footer(compact=True)

    def rest_mounted(self) -> None:
        self.query_one(ThreadTable).border_title = "threads · CPU from /proc · ! misread idle"
        self.query_one(DiagnosisLine).show(None)
        self.query_one(TopTable).focus()
        self.set_interval(STATUS_SECONDS, self._tick)
        if self.config is None:
            self.action_pick()
        else:
            self.start(self.config)

    def on_unmount(self) -> None:
        self._stop_feed()

    # -- the feed ----------------------------------------------------------
    def start(self, config: FeedConfig) -> None:
        """Stop any current target and start sampling the one ``config`` names."""
        self._stop_feed()
        self.config = config
        self.session = None
        self.shown = None
        self._problem = None
        self.remove_class("-exited")
        self.focused_thread = None  # the old target's threads mean nothing here
        self.query_one(TopTable).show([])
        self.query_one(ThreadTable).show([])
        self._feed = Feed(config)
        self._feed.show(self._settings())
        self.run_feed(self._feed)
        self._draw_status()

    def _stop_feed(self) -> None:
        if self._feed is not None:
            self._feed.stop()
            self._feed = None
        self.workers.cancel_group(self, "sampler")

    @work(thread=True, exclusive=True, group="sampler", exit_on_error=False)
    def run_feed(self, feed: Feed) -> None:
        """Attach and sample until the target exits or the screen goes away.

        A cancelled worker (the user attached elsewhere) posts nothing more,
        so an old target's news never lands on the new one's view.
        """
        worker = get_current_worker()

        def post(message: Message) -> None:
            if not worker.is_cancelled:
                self.post_message(message)

        feed.run(post, lambda: worker.is_cancelled)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failed attach stops the view with its reason; a failed snapshot only says so."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        reason = error.in_app() if isinstance(error, WorkbenchError) else repr(error)
        if event.worker.group == "snapshot":
            self.notify(reason, title="Snapshot not saved", severity="error", markup=False)
            return
        self._problem = reason
        self.add_class("-exited")
        self.notify(reason, title="Cannot sample", severity="error", timeout=10, markup=False)
        self._draw_status()

    def on_attached(self, message: Attached) -> None:
        self.session = message.session
        self._mode_text = message.reason or ("nonblocking" if message.nonblocking else "blocking")
        self._draw_status()

    def on_view_ready(self, message: ViewReady) -> None:
        """Draw the finished view, unless it was built for settings since changed."""
        self._mode_text = message.reason or self._mode_text
        if message.view.settings != self._settings():
            return  # a rebuild with the current settings is on its way
        self.shown = message.view
        if self.is_current and not self.paused:
            self._draw()

    def on_target_exited(self, message: TargetExited) -> None:
        self.add_class("-exited")
        self.cumulative = True
        ticks = self.session.total_samples if self.session else 0
        self.notify(
            f"The target exited; everything sampled ({ticks} ticks) is kept. "
            "Press ctrl+s to save it.",
            title="Target exited",
            timeout=10,
        )
        self._draw_status()

    def on_sampling_stopped(self, message: SamplingStopped) -> None:
        self._problem = message.reason
        self.add_class("-exited")
        self.notify(message.reason, title="Sampling stopped", severity="error", markup=False)
        self._draw_status()

    # -- drawing -------------------------------------------------------------
    def _settings(self) -> ViewSettings:
        return ViewSettings(self.view, self.cumulative, self.focused_thread)

    def _settings_changed(self) -> None:
        """A view setting changed: the feed builds the new view now (also when paused)."""
        if self._feed is not None:
            self._feed.show(self._settings())
        if self.is_mounted:
            self._draw_status()

    def on_screen_suspend(self) -> None:
        """Another pane or a dialog is in front: the feed stops building views."""
        if self._feed is not None:
            self._feed.hide()

    def on_screen_resume(self) -> None:
        """Back on screen: a fresh view is built and drawn."""
        if self._feed is not None and not self.paused:
            self._feed.show(self._settings())

    def _draw(self) -> None:
        """Everything from :attr:`shown`, in one repaint; only changed cells are updated."""
        view = self.shown
        if view is None:
            return
        with self.app.batch_update():
            self._draw_status()
            self._draw_table()
            self.query_one(LiveIcicle).replace_tree(view.tree)
            self.query_one(ThreadTable).show_threads(view.threads, self.focused_thread)
            self.query_one(MetricsSparklines).show(view.metrics)
            self.query_one(DiagnosisLine).show(view.diagnosis)

    def _tick(self) -> None:
        """The clock: the status line, unless a view drew it within the last second."""
        if time.monotonic() - self._drawn_at >= STATUS_SECONDS * 0.9:
            self._draw_status()

    def _draw_status(self) -> None:
        self._drawn_at = time.monotonic()
        self.query_one(StatusLine).show(
            self.session,
            self.config.label if self.config else "no target: press a to pick a process",
            self._mode_text,
            self.paused,
            self._problem,
            VIEW_NAMES[self.view],
        )

    def _draw_table(self) -> None:
        """The top table from the shown view: sort and filter need no recomputing."""
        view = self.shown
        if view is None:
            return
        rows = top_rows(view.stats, self.sort, self.filter_text, TOP_N)
        table = self.query_one(TopTable)
        table.show_rows(rows, view.marks, unit=VIEW_UNITS[view.settings.view])
        # Text, not str: a str title is parsed as markup and thread names are untrusted.
        table.show_title(Text(self._view_title(view, len(rows))))

    def _view_title(self, view: LiveView, shown: int) -> str:
        settings = view.settings
        span = "all since attaching" if settings.cumulative else f"last {self._window():.0f} s"
        parts = [f"{VIEW_NAMES[settings.view]} view", span]
        if settings.thread is not None:
            label = next((t.name for t in view.threads if t.key == settings.thread), None)
            parts.append(f"thread {thread_name(label or str(settings.thread))}")
        if not view.available:
            parts.append("no window yet: the next one fills this view")
        elif view.stats.rows:
            total = view.stats.total
            amount = f"{total:.2f} CPU s" if settings.view == "cpu" else f"{total:.0f} samples"
            parts.append(f"{amount} in {view.seconds:.1f} s, {shown} of {len(view.stats.rows)}")
        if self.filter_text:
            parts.append(f"filter “{self.filter_text}”")
        parts.append(f"by {self.sort}")
        return " · ".join(parts)

    def _window(self) -> float:
        return self.config.window_seconds if self.config else 0.0

    def _reorder(self) -> None:
        """Only the table's order or filter changed: redraw it from what is shown."""
        if self.is_mounted:
            self._draw_table()

    watch_view = watch_cumulative = watch_focused_thread = _settings_changed
    watch_sort = watch_filter_text = _reorder

    def watch_paused(self, paused: bool) -> None:
        self.set_class(paused, "-paused")
        if self._feed is not None:
            if paused:
                self._feed.hide()
            else:
                self._feed.show(self._settings())
        self._draw_status()

    # -- keys ----------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_cycle_view(self) -> None:
        """CPU → samples → wall → CPU; the wall view starts with the next window."""
        self.view = next_view(self.view)

    def action_toggle_window(self) -> None:
        self.cumulative = not self.cumulative

    def action_cycle_sort(self) -> None:
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]

    def action_cycle_thread(self) -> None:
        """All threads → each thread by name → all threads.

        By name, not in the list's order: that order follows activity and
        changes while the user presses the key.
        """
        threads = self.shown.threads if self.shown else []
        named = {share.key: thread_name(share.name) for share in threads if share.cpu_seconds}
        if self.view != "cpu":  # threads the other views show: the ones py-spy sampled
            named |= {s.key: thread_name(s.name) for s in threads if s.samples_percent}
        if not named:
            self.notify("No thread has run yet; try again in a second.", severity="warning")
            return
        order: list[int | None] = [None, *sorted(named, key=lambda key: (named[key], key))]
        current = order.index(self.focused_thread) if self.focused_thread in order else 0
        self.focused_thread = order[(current + 1) % len(order)]

    @on(ThreadTable.RowSelected, "#live-threads")
    def _thread_picked(self, event: ThreadTable.RowSelected) -> None:
        """Enter on a thread focuses it; enter on the focused one shows all again."""
        key = int(event.row_key)
        self.focused_thread = None if key == self.focused_thread else key

    def action_filter(self) -> None:
        box = self.query_one("#live-filter", Input)
        box.add_class("-visible")
        box.focus()

    @on(Input.Changed, "#live-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        self.filter_text = event.value.strip()

    @on(Input.Submitted, "#live-filter")
    def _filter_done(self, _event: Input.Submitted) -> None:
        self.query_one(TopTable).focus()

    def action_clear_filter(self) -> None:
        box = self.query_one("#live-filter", Input)
        box.value = ""
        box.remove_class("-visible")
        self.query_one(TopTable).focus()

    def action_pick(self) -> None:
        """Choose a process in the picker, then sample it instead of the current one."""

        def chosen(pid: int | None) -> None:
            if pid is not None:
                base = self.config or FeedConfig()
                self.start(
                    FeedConfig(
                        pid=pid,
                        rate=base.rate,
                        nonblocking=base.nonblocking,
                        batch_seconds=base.batch_seconds,
                        sampler=base.sampler,
                        view=self.view,
                    )
                )

        from screens.process_picker import ProcessPickerDialog  # psutil, a table: on use

        self.app.push_screen(ProcessPickerDialog(), chosen)

    # -- snapshots and hand-offs -------------------------------------------
    def action_snapshot(self) -> None:
        self._snapshot("save")

    def action_compare(self) -> None:
        """Ask which side of the comparison a snapshot of the view becomes, then send it."""

        def chosen(role: str | None) -> None:
            if role is not None:
                self._snapshot(role)

        self.app.push_screen(ChoiceDialog("Send a snapshot to Compare", ROLE_CHOICES), chosen)

    def action_backlog(self) -> None:
        """File the selected function, or the diagnosis when its line has focus."""
        diagnosis = self.query_one(DiagnosisLine)
        if diagnosis.has_focus:
            if diagnosis.diagnosis is None or diagnosis.diagnosis.pattern == "unknown":
                self.notify("No pattern diagnosed yet: nothing to file.", severity="warning")
                return
            self._snapshot("diagnosis", diagnosis=diagnosis.diagnosis)
            return
        row = self._selected_row()
        if row is not None:
            self._snapshot("backlog", row)

    def action_history(self) -> None:
        row = self._selected_row()
        if row is not None and self.shown is not None:
            profile = self.shown.profile
            where = code_files(profile).get(row.key)
            pid = self.session.pid if self.session is not None else None
            lines = hot_lines(profile, row.key)
            self.post_message(HistoryRequested(row.key, lines, where or process_folder(pid)))

    def _selected_row(self) -> FunctionRow | None:
        """The function under the cursor: the icicle's when it has focus, else the table's."""
        icicle = self.query_one(LiveIcicle)
        node = icicle.selected if icicle.has_focus else None
        if node is not None and node.parent is not None:
            key: str | None = str(node.data.key)
        else:
            key = self.query_one(TopTable).selected_key
        row = self.shown.stats.rows.get(key) if key and self.shown else None
        if row is None:
            self.notify("Select a function first.", severity="warning")
        return row

    def _snapshot(
        self, purpose: str, row: FunctionRow | None = None, diagnosis: Diagnosis | None = None
    ) -> None:
        session = self.session
        if session is None or session.total_samples == 0:
            self.notify("Nothing sampled yet.", severity="warning")
            return
        from workbench.sampling.session import default_snapshot_name

        name = default_snapshot_name(session.pid)
        path = Path.cwd() / name if purpose == "save" else Path.cwd() / HANDOFF_DIR / name
        which = "total" if self.cumulative or session.target_exited else "window"
        self.write_snapshot(session, path, which, purpose, row, diagnosis)

    @work(thread=True, group="snapshot", exit_on_error=False, description="Writing a snapshot…")
    def write_snapshot(
        self,
        session: LiveSession,
        path: Path,
        which: str,
        purpose: str,
        row: FunctionRow | None,
        diagnosis: Diagnosis | None,
    ) -> None:
        """Write the file off the UI thread (it asks git for the revision)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = session.snapshot(path, which, view=self.view)  # type: ignore[arg-type]
        self.post_message(SnapshotSaved(saved, purpose, row, diagnosis))

    def on_snapshot_saved(self, message: SnapshotSaved) -> None:
        view = VIEW_NAMES[self.view]
        if message.purpose == "save":
            self.notify(str(message.path), title=f"Snapshot saved ({view} view)", markup=False)
        elif message.purpose == "diagnosis" and message.diagnosis is not None:
            found = message.diagnosis
            self.post_message(
                BacklogItemRequested(
                    title=found.line[:1].upper() + found.line[1:],
                    profile=message.path,
                    hypothesis="; ".join(
                        [f"{found.pattern}, {found.confidence:.0%} sure", *found.evidence]
                    ),
                )
            )
        elif message.purpose == "backlog" and message.row is not None:
            row = message.row
            self.post_message(
                BacklogItemRequested(
                    title=f"Hotspot {row.function}: {row.self_pct:.1f}% self ({view} view)",
                    function=row.key,
                    profile=message.path,
                    hypothesis=f"{row.function} takes {row.self_pct:.1f}% self, "
                    f"{row.total_pct:.1f}% total of the {view} view",
                    kpi=f"self % of {row.function} ({view} view)",
                    kpi_baseline=round(row.self_pct, 2),
                    kpi_latest=round(row.self_pct, 2),
                )
            )
        else:
            self.post_message(CompareProfileChosen(message.path, message.purpose))


def demo_command() -> list[str]:
    """The bundled demo workload, run by the interpreter running the workbench."""
    return [sys.executable, str(bundled_workload())]


def make_screen(session: Session) -> LiveScreen:
    """The Live pane for how the app was opened: a command, a PID, the demo, or the picker."""
    context = session.launch
    command = context.command or (demo_command() if context.demo else [])
    if not command and context.pid is None:
        return LiveScreen(None)
    return LiveScreen(
        FeedConfig(
            pid=context.pid,
            command=command,
            rate=context.rate,
            nonblocking=context.nonblocking,
            subprocesses=context.subprocesses,
            view=context.view,
            batch_seconds=context.refresh,
            sampler=context.sampler,  # type: ignore[arg-type]
            preparation=context.preparation,
        )
    )

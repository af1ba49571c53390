"""The Live pane: attach to a Python process (or launch one) and watch it.

Layout: a status line (target, achieved/requested rate, blocking mode, elapsed,
lost time, state), the top functions of the rolling window (or of the whole
session) above a live icicle, and beside them the thread list and the CPU,
RSS and thread-count sparklines.

Data flow: one long-running thread worker (:class:`~screens.live_feed.Feed`)
does every blocking call and fills a thread-safe ``LiveSession``; its
messages only mark what changed. A 2 Hz timer redraws what changed since the
last draw (the session's version, thread dumps, metrics), and nothing while
the view is paused — sampling goes on underneath.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

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
    MetricsUpdated,
    SamplesArrived,
    SamplingStopped,
    TargetExited,
    ThreadsUpdated,
)
from screens.live_stats import (
    SORT_ORDER,
    FunctionRow,
    FunctionStats,
    SortKey,
    function_stats,
    hot_lines,
    thread_view,
    top_rows,
    trend_marks,
)
from screens.messages import BacklogItemRequested, CompareProfileChosen, HistoryRequested
from screens.pane import PaneScreen
from screens.process_picker import ProcessPickerDialog
from screens.session import Session, code_files, process_folder
from screens.widgets.live_icicle import LiveIcicle, live_tree
from screens.widgets.live_status import StatusLine
from screens.widgets.live_top import TopTable
from screens.widgets.pane_bar import PaneBar
from screens.widgets.sparklines import MetricsSparklines
from screens.widgets.thread_table import ThreadTable, thread_name
from workbench.demo import bundled_workload
from workbench.errors import WorkbenchError
from workbench.paths import styles_dir
from workbench.profiles.model import Profile
from workbench.sampling.session import LiveSession, default_snapshot_name

#: Seconds between two redraws (2 Hz): fast enough to feel live, cheap enough
#: to keep the whole pane within a few percent of a core.
REFRESH_SECONDS = 0.5
#: Without a batch for this long, thread and metric updates are drawn on the tick
#: (batches come every 2 s, see ``FeedConfig.batch_seconds``, plus py-spy's attach).
STALE_SECONDS = 3.0
#: Rows of the top table; the rest is summarised in its title.
TOP_N = 40
#: Where snapshots handed to another pane are written, under the current directory.
HANDOFF_DIR = Path(".workbench") / "snapshots"


@dataclass
class SnapshotSaved(Message):
    """A snapshot file was written; ``purpose`` says what to do with it."""

    path: Path
    purpose: str
    """'save', 'base', 'branch' or 'backlog'."""
    row: FunctionRow | None
    """The selected function, for a backlog item."""


class LiveScreen(PaneScreen):
    """Live sampling of one process; ``config`` None starts with the process picker."""

    CSS_PATH = [styles_dir() / "live.tcss"]

    BINDINGS: ClassVar[list[BindingType]] = [
        bind("live", "pause", "toggle_pause", "Pause", "Freeze the view; sampling goes on"),
        bind("live", "filter", "filter", "Filter", "Show functions whose name or module matches"),
        bind("live", "sort", "cycle_sort", "Sort", "Sort by self %, total % or name"),
        bind("live", "history", "history", "History", "Git history of the selected function"),
        bind("live", "backlog", "backlog", "File item", "File a backlog item for the function"),
        bind("live", "compare", "compare", "Compare", "Snapshot to Compare, as base or branch"),
        bind("live", "save", "snapshot", "Save", "Save the view as a speedscope file here"),
        bind("live", "window", "toggle_window", "Window/all", "The rolling window or everything"),
        bind("live", "thread", "cycle_thread", "Thread", "Show one thread at a time, then all"),
        bind("live", "attach", "pick", "Attach", "Pick another Python process to sample"),
        bind("live", "back", "clear_filter", "Clear filter", "Clear the filter", show=False),
    ]

    paused: reactive[bool] = reactive(False)
    """The view is frozen (samples still accumulate)."""
    cumulative: reactive[bool] = reactive(False)
    """Show everything since attaching instead of the rolling window."""
    sort: reactive[SortKey] = reactive("self")
    """Top table order."""
    filter_text: reactive[str] = reactive("")
    """Only functions whose name or module path contains this (case-insensitive)."""
    focused_thread: reactive[str | None] = reactive(None)
    """Show only this thread's stacks; None shows all threads."""

    def __init__(self, config: FeedConfig | None) -> None:
        super().__init__()
        self.config = config
        self.session: LiveSession | None = None
        """Everything sampled from the current target; None until attached."""
        self._feed: Feed | None = None
        self._profile: Profile | None = None
        """The profile the table shows (for the hot lines of ``h``)."""
        self._drawn_version = -1
        self._threads_dirty = self._metrics_dirty = False
        self._last_batch = 0.0
        self._mode_text = ""
        self._problem: str | None = None
        self._stats = FunctionStats({}, 0.0)
        """Every function of the shown view (the table shows the top of it)."""
        self._marks: dict[str, str] = {}
        """Trend mark of every function of the shown view."""

    def compose(self) -> ComposeResult:
        yield PaneBar("live")
        yield StatusLine(id="live-status")
        with Horizontal(id="live-body"):
            with Vertical(id="live-main"):
                yield Input(placeholder="filter: function or module", id="live-filter")
                yield TopTable(id="live-top")
                yield LiveIcicle(id="live-icicle")
            with Vertical(id="live-side"):
                yield ThreadTable(id="live-threads")
                yield MetricsSparklines(id="live-metrics")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self.query_one(ThreadTable).border_title = "threads · share of py-spy dumps"
        self.query_one(TopTable).focus()
        self._handle_hangup(True)
        self.set_interval(REFRESH_SECONDS, self._tick)
        if self.config is None:
            self.action_pick()
        else:
            self.start(self.config)

    def on_unmount(self) -> None:
        self._stop_feed()
        self._handle_hangup(False)

    def _handle_hangup(self, install: bool) -> None:
        """Quit cleanly when the terminal goes away (SIGHUP) or on SIGTERM.

        Their default action kills the workbench on the spot, and the command
        it launched (in its own session, so the hangup does not reach it)
        would live on unsampled; quitting runs :meth:`on_unmount` instead.
        """
        try:
            loop = asyncio.get_running_loop()
            for sig in (signal.SIGHUP, signal.SIGTERM):
                if install:
                    loop.add_signal_handler(sig, self.app.exit)
                else:
                    loop.remove_signal_handler(sig)
        except (RuntimeError, ValueError, NotImplementedError):
            pass  # not the main thread, or no signals here: nothing to clean up after

    # -- the feed ----------------------------------------------------------
    def start(self, config: FeedConfig) -> None:
        """Stop any current target and start sampling the one ``config`` names."""
        self._stop_feed()
        self.config = config
        self.session = None
        self._problem = None
        self._drawn_version = -1
        self.remove_class("-exited")
        self.focused_thread = None  # the old target's threads mean nothing here
        self.query_one(TopTable).show([])
        self.query_one(ThreadTable).show([])
        self._feed = Feed(config)
        self.run_feed(self._feed)
        self.refresh_view()

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
        self.refresh_view()

    def on_attached(self, message: Attached) -> None:
        self.session = message.session
        self._mode_text = message.reason or ("nonblocking" if message.nonblocking else "blocking")
        self.refresh_view()

    def on_samples_arrived(self, message: SamplesArrived) -> None:
        """Draw at once rather than on the next tick: the first batch is the one users wait on."""
        self._last_batch = time.monotonic()
        self._mode_text = message.reason or self._mode_text
        self.refresh_view()

    def on_threads_updated(self, message: ThreadsUpdated) -> None:
        """Drawn with the next batch or tick, so the screen repaints once for both."""
        self._threads_dirty = True

    def on_metrics_updated(self, message: MetricsUpdated) -> None:
        self._metrics_dirty = True

    def on_target_exited(self, message: TargetExited) -> None:
        self.add_class("-exited")
        self.cumulative = True
        total = self.session.total_samples if self.session else 0
        self.notify(
            f"The target exited; all {total} samples are kept. Press ctrl+s to save them.",
            title="Target exited",
            timeout=10,
        )
        self.refresh_view(force=True)

    def on_sampling_stopped(self, message: SamplingStopped) -> None:
        self._problem = message.reason
        self.add_class("-exited")
        self.notify(message.reason, title="Sampling stopped", severity="error", markup=False)
        self.refresh_view(force=True)

    # -- drawing -------------------------------------------------------------
    def refresh_view(self, force: bool = False) -> None:
        """Redraw what changed since the last draw, in one repaint.

        Nothing but the status line while paused (unless ``force``: a view
        setting changed), and nothing at all while another pane or a dialog
        covers this one: what is dirty stays dirty and is drawn when the pane
        comes back (:meth:`on_screen_resume`). Called when a batch arrives —
        the data changes every two seconds, so that is when everything dirty
        is drawn together.
        """
        if not self.is_current:
            if force:  # a view setting changed: redraw it all on resume
                self._drawn_version = -1
                self._threads_dirty = self._metrics_dirty = True
            return
        with self.app.batch_update():
            self._draw_status()
            session = self.session
            if session is None or (self.paused and not force):
                return
            if force or session.version != self._drawn_version:
                self._drawn_version = session.version
                self._draw_profile(session)
            if force or self._threads_dirty:
                self._threads_dirty = False
                self.query_one(ThreadTable).show_threads(
                    session.thread_shares(), self.focused_thread
                )
            if force or self._metrics_dirty:
                self._metrics_dirty = False
                self.query_one(MetricsSparklines).show(
                    {
                        "cpu": list(session.cpu_history),
                        "rss": list(session.rss_history),
                        "threads": list(session.thread_history),
                    }
                )

    def on_screen_resume(self) -> None:
        """Back on screen: draw what changed while another pane or a dialog was shown."""
        self.refresh_view()

    def _tick(self) -> None:
        """The 2 Hz timer: the status line, and the rest only if batches stopped coming.

        While batches flow, thread and metric updates wait for the next batch
        so the screen repaints once a second, not once per message.
        """
        if time.monotonic() - self._last_batch > STALE_SECONDS:
            self.refresh_view()
        else:
            self._draw_status()

    def _draw_status(self) -> None:
        self.query_one(StatusLine).show(
            self.session,
            self.config.label if self.config else "no target: press a to pick a process",
            self._mode_text,
            self.paused,
            self._problem,
        )

    def _draw_profile(self, session: LiveSession) -> None:
        """Recompute the current view from the session; redraw the table and icicle.

        Trend marks and icicle colours compare the window with the previous
        window; in the cumulative view the marks say whether the last window
        runs hotter than the session's average.
        """
        window = thread_view(session.window_profile(), self.focused_thread)
        if self.cumulative:
            profile, base = thread_view(session.total_profile(), self.focused_thread), None
            stats = function_stats(profile)
            now, before = function_stats(window).shares(), stats.shares()
        else:
            profile = window
            base = thread_view(session.previous_window_profile(), self.focused_thread)
            stats = function_stats(profile)
            previous = function_stats(base)
            now, before = stats.shares(), previous.shares() if previous.total else {}
        self._profile, self._stats = profile, stats
        self._marks = trend_marks(now, before, stats.rows) if before else {}
        self._draw_table()
        self.query_one(LiveIcicle).replace_tree(live_tree(base, profile))

    def _draw_table(self) -> None:
        """The top table from the computed view: sort and filter need no recomputing."""
        stats = self._stats
        rows = top_rows(stats, self.sort, self.filter_text, TOP_N)
        table = self.query_one(TopTable)
        table.show_rows(rows, self._marks)
        # Text, not str: a str title is parsed as markup and thread names are untrusted.
        table.border_title = Text(self._view_title(len(stats.rows), len(rows), stats.total))

    def _view_title(self, functions: int = 0, shown: int = 0, total: float = 0) -> str:
        view = "all samples" if self.cumulative else f"last {self._window_seconds():.0f} s"
        parts = [view]
        if self.focused_thread is not None:
            parts.append(f"thread {thread_name(self.focused_thread)}")
        if functions:
            parts.append(f"{total:.0f} samples, {shown} of {functions} functions")
        if self.filter_text:
            parts.append(f"filter “{self.filter_text}”")
        parts.append(f"by {self.sort}")
        return " · ".join(parts)

    def _window_seconds(self) -> float:
        return self.config.window_seconds if self.config else 0.0

    def _recompute(self) -> None:
        """What is sampled into the view changed: recompute and redraw now, even when paused."""
        self.refresh_view(force=True)

    def _reorder(self) -> None:
        """Only the table's order or filter changed: redraw it from what is computed."""
        if self.is_mounted:
            self._draw_table()

    watch_cumulative = watch_focused_thread = _recompute
    watch_sort = watch_filter_text = _reorder

    def watch_paused(self, paused: bool) -> None:
        self.set_class(paused, "-paused")
        self.refresh_view()

    # -- keys ----------------------------------------------------------------
    def action_toggle_pause(self) -> None:
        self.paused = not self.paused

    def action_toggle_window(self) -> None:
        self.cumulative = not self.cumulative

    def action_cycle_sort(self) -> None:
        self.sort = SORT_ORDER[(SORT_ORDER.index(self.sort) + 1) % len(SORT_ORDER)]

    def action_cycle_thread(self) -> None:
        """All threads → each thread by name → all threads.

        By name, not in the list's order: that order follows activity and
        changes while the user presses the key.
        """
        names = sorted(self.query_one(ThreadTable).row_keys, key=thread_name)
        if not names:
            self.notify("No thread dump yet; try again in a second.", severity="warning")
            return
        order: list[str | None] = [None, *names]
        current = order.index(self.focused_thread) if self.focused_thread in order else 0
        self.focused_thread = order[(current + 1) % len(order)]

    @on(ThreadTable.RowSelected, "#live-threads")
    def _thread_picked(self, event: ThreadTable.RowSelected) -> None:
        """Enter on a thread focuses it; enter on the focused one shows all again."""
        name = event.row_key.value
        self.focused_thread = None if name == self.focused_thread else name

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
                self.start(FeedConfig(pid=pid, rate=base.rate, nonblocking=base.nonblocking))

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
        row = self._selected_row()
        if row is not None:
            self._snapshot("backlog", row)

    def action_history(self) -> None:
        row = self._selected_row()
        if row is not None:
            lines = hot_lines(self._profile, row.key) if self._profile is not None else []
            where = code_files(self._profile).get(row.key) if self._profile is not None else None
            pid = self.session.pid if self.session is not None else None
            self.post_message(HistoryRequested(row.key, lines, where or process_folder(pid)))

    def _selected_row(self) -> FunctionRow | None:
        """The function under the cursor: the icicle's when it has focus, else the table's."""
        icicle = self.query_one(LiveIcicle)
        node = icicle.selected if icicle.has_focus else None
        if node is not None and node.parent is not None:
            key: str | None = str(node.data.key)
        else:
            key = self.query_one(TopTable).selected_key
        row = self._stats.rows.get(key) if key else None
        if row is None:
            self.notify("Select a function first.", severity="warning")
        return row

    def _snapshot(self, purpose: str, row: FunctionRow | None = None) -> None:
        session = self.session
        if session is None or session.total_samples == 0:
            self.notify("Nothing sampled yet.", severity="warning")
            return
        name = default_snapshot_name(session.pid)
        path = Path.cwd() / name if purpose == "save" else Path.cwd() / HANDOFF_DIR / name
        which = "total" if self.cumulative or session.target_exited else "window"
        self.write_snapshot(session, path, which, purpose, row)

    @work(
        thread=True, group="snapshot", exit_on_error=False, description="Writing a snapshot…"
    )
    def write_snapshot(
        self,
        session: LiveSession,
        path: Path,
        which: str,
        purpose: str,
        row: FunctionRow | None,
    ) -> None:
        """Write the file off the UI thread (it asks git for the revision)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        saved = session.snapshot(path, which)  # type: ignore[arg-type]
        self.post_message(SnapshotSaved(saved, purpose, row))

    def on_snapshot_saved(self, message: SnapshotSaved) -> None:
        if message.purpose == "save":
            self.notify(str(message.path), title="Snapshot saved", markup=False)
        elif message.purpose == "backlog" and message.row is not None:
            row = message.row
            self.post_message(
                BacklogItemRequested(
                    title=f"Hotspot {row.function}: {row.self_pct:.1f}% self",
                    function=row.key,
                    profile=message.path,
                    hypothesis=f"{row.function} takes {row.self_pct:.1f}% self, "
                    f"{row.total_pct:.1f}% total of the sampled time",
                    kpi=f"self % of {row.function}",
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
        )
    )

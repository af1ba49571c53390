"""The Compare pane: baseline vs branch — summary, gate verdict, differential icicle, tables.

All blocking work (reading both files, the diff, the gates, the icicle tree)
runs in one exclusive thread worker that calls :mod:`screens.compare_work`
and posts a typed message; the handlers only hand ready data to widgets.
A bad file ends in a one-line error on the pane, never in a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, TypeVar, cast

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState, get_current_worker

from screens.dialogs import PathDialog
from screens.keys import bind
from screens.messages import BacklogItemRequested, HistoryRequested
from screens.pane import PaneScreen
from screens.session import Session
from screens.widgets.diff_summary import GateVerdictView, ProfileSummaryView
from screens.widgets.pane_bar import PaneBar
from workbench.output import plain
from workbench.paths import styles_dir

if TYPE_CHECKING:
    # The diff (and NumPy) load with the first comparison, the icicle, the tables
    # (Textual's DataTable) and the footer with ``compose_rest``: none of them is in
    # the first frame. Widgets are found by id, handlers by name (``on_icicle_zoomed``).
    from textual.widgets import Input

    from screens.compare_runs import BisectFinished, CaptureFinished
    from screens.compare_work import CompareRequest, Comparison, IcicleTree, Loaded, ProfileCache
    from screens.run_dialog import RunDialog
    from screens.widgets.bisect_view import BisectView
    from screens.widgets.delta_table import DeltaTable
    from screens.widgets.icicle import Icicle, IcicleNode
    from screens.widgets.job_line import Job, JobLine
    from workbench.capture.report import CaptureReport
    from workbench.profiles.diff import By, FunctionDelta, ProfileDiff
    from workbench.profiles.difftree import DiffNode
    from workbench.profiles.identity import FunctionKey

ROLES = ("base", "branch")
RequestT = TypeVar("RequestT")
#: What the verdict line says until both profiles are read and compared.
NO_VERDICT = "Gates: load both profiles to evaluate."
#: Ids of the two delta tables (the deltas, then the new hotspots).
TABLES = ("deltas", "hotspots")


@dataclass
class ProfilesLoaded(Message):
    """The worker read what was chosen (and compared it, when both sides were there)."""

    paths: dict[str, Path | None]
    loaded: Loaded


@dataclass
class IcicleBuilt(Message):
    """The differential icicle of the pair is ready."""

    tree: IcicleTree


@dataclass
class DiffFailed(Message):
    """The comparison failed in an unexpected way (a bug); ``error`` says how."""

    error: str


class CompareScreen(PaneScreen):
    """Baseline vs branch: what got slower, what got faster, and do the gates pass."""

    CSS_PATH = [styles_dir() / "compare.tcss"]
    HELP = """
### Compare
A baseline profile against a branch profile. The icicle's widths are the
branch's inclusive shares; **red grew**, **blue shrank**. The tables rank
functions by their change of *self* share in percentage points.

`tab` moves between the icicle and the tables; `h` and `b` act on the
function selected in whichever has focus.

A wall view (waiting time included) against a CPU or samples view is
refused — every waiting function would read as a change; `c` compares
them anyway.

`n` captures: a command run at two revisions, repeated and interleaved, in
worktrees beside your checkout; the pane then shows the average runs and,
above the icicle, the program's and each function's seconds with their
significance.

`B` bisects: the first commit between a good and a bad revision that made
the command slower, measured step by step like a capture; the pane then
names the commit (sha, author, date, subject) with the metric at every step,
and `P` files it as a backlog item with the commit linked. `escape` hides it.

`X` stops the capture or bisect under way (what was measured is kept).
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("compare", "filter", "filter", "Filter", "Show the rows whose function matches"),
        bind("compare", "history", "history", "History", "Git history of the selected function"),
        bind(
            "compare",
            "backlog",
            "backlog",
            "File item",
            "File a backlog item for the selected function, with the branch profile",
        ),
        bind("compare", "open_base", "choose('base')", "Open base", "Choose the baseline file"),
        bind("compare", "open_branch", "choose('branch')", "Open branch", "Choose the branch file"),
        bind("compare", "level", "toggle_level", "Level", "Compare by function or by line"),
        bind(
            "compare",
            "compare",
            "compare_anyway",
            "Compare anyway",
            "Compare a wall view with a CPU or samples view (refused by default)",
            show=False,
        ),
        bind("compare", "reload", "reload", "Reload", "Read both files again", show=False),
        bind("compare", "back", "close_filter", "Close filter", "Clear the filter", show=False),
        bind(
            "compare",
            "new",
            "new_capture",
            "Capture",
            "Run a command at two revisions, repeated, and compare them in seconds",
        ),
        bind(
            "compare",
            "bisect",
            "bisect",
            "Bisect",
            "Find the first commit between a good and a bad revision that made a command slower",
        ),
        bind(
            "compare",
            "propose",
            "propose",
            "File bisect",
            "File the bisect's first bad commit as a backlog item, with the evidence linked",
            show=False,
        ),
        bind(
            "compare",
            "stop",
            "stop",
            "Stop",
            "Stop the capture or bisect under way (what was measured is kept)",
            show=False,
        ),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        launch = session.launch
        self.paths: dict[str, Path | None] = {"base": launch.base, "branch": launch.branch}
        """The files chosen for each role (not necessarily read yet)."""
        self.by: By = "function"
        """Level of the tables: 'function' or 'line'."""
        self.comparison: Comparison | None = None
        """The last comparison shown."""
        self._loaded: dict[str, Path] = {}
        self._cache: ProfileCache | None = None
        """Profiles read (made with the first comparison)."""
        self.capture: Path | None = launch.capture
        """The capture folder shown (its average runs are the two sides), or None."""
        self._typed: dict[str, str] = {}
        """What was typed last in the capture or bisect dialog (the next one starts there)."""
        self.mixed_views = launch.mixed_views
        """Compare a wall view with another view (``c``; reset when a file is chosen)."""
        self._views_refused = False

    def compose(self) -> ComposeResult:
        """The first frame: the bar, what each side is and the gate verdict."""
        yield PaneBar("compare")
        with Horizontal(id="compare-header"):
            with Vertical(id="compare-profiles"):
                yield ProfileSummaryView("Base", id="summary-base")
                yield ProfileSummaryView("Branch", id="summary-branch")
                yield Static("", id="compare-error", markup=False)
            yield GateVerdictView(id="compare-verdict")

    def compose_rest(self) -> ComposeResult:
        """The icicle, the tables and the footer, once the first frame is painted."""
        from textual.widgets import Footer, Input

        from screens.widgets.bisect_view import BisectView
        from screens.widgets.delta_table import NARROW_COLUMNS, DeltaTable
        from screens.widgets.icicle import Icicle
        from screens.widgets.job_line import JobLine

        yield Static("", id="compare-time", markup=False)
        yield JobLine(id="capture-progress")
        yield BisectView(id="bisect-result")
        yield Icicle(id="compare-icicle")
        yield Static("", id="icicle-status", markup=False)
        yield Input(placeholder="filter: function or file (escape clears)", id="compare-filter")
        with Horizontal(id="compare-tables"):
            with Vertical(id="compare-deltas"):
                yield Static("", id="deltas-caption", markup=False)
                yield DeltaTable(id="deltas")
            with Vertical(id="compare-hotspots"):
                yield Static("New hotspots", id="hotspots-caption", markup=False)
                yield DeltaTable(columns=NARROW_COLUMNS, limit=20, id="hotspots")
        yield Footer()

    def on_mount(self) -> None:
        self._show_hints()
        self.query_one(GateVerdictView).show_message(NO_VERDICT)

    def rest_mounted(self) -> None:
        self._clear_comparison()
        self._start()

    # -- the widgets of compose_rest, by id ---------------------------------
    @property
    def _icicle(self) -> Icicle:
        return cast("Icicle", self.query_one("#compare-icicle"))

    def _table(self, table_id: str) -> DeltaTable:
        """The delta table ``table_id`` (one of :data:`TABLES`)."""
        return cast("DeltaTable", self.query_one(f"#{table_id}"))

    @property
    def _filter_line(self) -> Input:
        return cast("Input", self.query_one("#compare-filter"))

    @property
    def _job_line(self) -> JobLine:
        return cast("JobLine", self.query_one("#capture-progress"))

    @property
    def _bisect_view(self) -> BisectView:
        return cast("BisectView", self.query_one("#bisect-result"))

    # -- loading ----------------------------------------------------------
    def load_profile(self, role: str, path: Path) -> None:
        """Use ``path`` as the ``role`` ('base' or 'branch') profile and recompute."""
        if role not in ROLES:
            raise ValueError(f"role must be 'base' or 'branch', not {role!r}")
        self.paths[role] = Path(path)
        self.session.profiles[role] = Path(path)  # the History pane ranks commits between them
        self._loaded.pop(role, None)
        self.mixed_views = False
        self.capture = None
        if self.complete:  # else mounting reads it
            self._start()

    def load_capture(self, folder: Path) -> None:
        """Show the capture in ``folder``: its average runs, and its runs in seconds."""
        self.capture = Path(folder)
        self._loaded.clear()
        self._start(fresh=True)

    def _start(self, *, level_only: bool = False, fresh: bool = False) -> None:
        """Read what is chosen and, when both are there, compare them in a worker.

        ``level_only``: only the table level changed, so an icicle already
        shown is kept (it does not depend on the level). ``fresh``: read the
        files again even if they look unchanged.
        """
        self._show_hints()
        self._show_time(None)
        if any(self.paths.values()) or self.capture is not None:
            self._set_error("")
            self.query_one("#icicle-status", Static).update("Reading profiles…")
            from screens.compare_work import CompareRequest, ProfileCache

            if self._cache is None:
                self._cache = ProfileCache()
            with_tree = not (level_only and self._icicle.root is not None)
            request = CompareRequest(
                dict(self.paths),
                self.by,
                self.session.repo,
                fresh,
                capture=self.capture,
                mixed_views=self.mixed_views,
            )
            self._compare(request, with_tree)

    def _show_hints(self) -> None:
        for role, key in (("base", "o"), ("branch", "O")):
            path = self.paths[role]
            view = self.query_one(f"#summary-{role}", ProfileSummaryView)
            if self.capture is not None:
                view.show_hint(f"reading capture {self.capture} …")
            elif path is None:
                view.show_hint(f"no profile — press {key} to choose one")
            elif self._loaded.get(role) != path:
                view.show_hint(f"reading {path} …")

    @work(
        thread=True,
        exclusive=True,
        group="compare",
        exit_on_error=False,
        description="Reading and comparing the profiles…",
    )
    def _compare(self, request: CompareRequest, with_tree: bool) -> None:
        """Read and compare, post that, then build the tree and post it.

        The tables and the verdict show up while the (slower) icicle tree is
        still being built. A cancelled worker posts nothing more: an older
        worker's result must not overwrite a newer one's.
        """
        from screens.compare_work import build_icicle, load_and_compare

        worker = get_current_worker()
        assert self._cache is not None  # made by _start
        loaded = load_and_compare(request, self._cache)
        if worker.is_cancelled:
            return
        self.post_message(ProfilesLoaded(request.paths, loaded))
        sides = loaded.profiles
        if loaded.comparison is None or not with_tree or len(sides) != 2:
            return
        tree = build_icicle(sides["base"], sides["branch"])
        if not worker.is_cancelled:
            self.post_message(IcicleBuilt(tree))

    def on_profiles_loaded(self, message: ProfilesLoaded) -> None:
        if message.paths != self.paths:
            return  # an answer for files that are no longer chosen
        loaded = message.loaded
        self._show_time(loaded.time_report)
        for role, summary in loaded.summaries.items():
            self._loaded[role] = message.paths[role]  # type: ignore[assignment]
            self.query_one(f"#summary-{role}", ProfileSummaryView).show_summary(summary)
        for role, error in loaded.errors.items():
            self._loaded.pop(role, None)
            key = "o" if role == "base" else "O"
            view = self.query_one(f"#summary-{role}", ProfileSummaryView)
            view.show_hint(f"could not read — press {key} to choose another file")
            self.notify(error, title="Compare", severity="error", markup=False)
        self._views_refused = loaded.views_refused
        self._set_error("\n".join([*loaded.errors.values(), loaded.compare_error or ""]).strip())
        if loaded.comparison is not None:
            self._show_comparison(loaded.comparison)
        else:
            self._clear_comparison()

    def _clear_comparison(self) -> None:
        """Take down what a previous pair showed: it no longer matches the files chosen."""
        self.comparison = None
        self.query_one(GateVerdictView).show_message(NO_VERDICT)
        self._fill_tables(None)
        icicle = self._icicle
        icicle.root = None
        icicle.border_title = icicle.border_subtitle = ""
        self.query_one("#icicle-status", Static).update("")

    def _fill_tables(self, diff: ProfileDiff | None) -> None:
        """The tables of ``diff``, or empty ones."""
        self._table("deltas").set_categories(
            {
                "regressions": diff.regressions if diff else [],
                "improvements": diff.improvements if diff else [],
                "all": diff.functions if diff else [],
            }
        )
        hotspots = diff.new_hotspots if diff else []
        self._table("hotspots").set_categories({"new hotspots": hotspots})

    def _show_comparison(self, comparison: Comparison) -> None:
        self.comparison = comparison
        diff = comparison.diff
        self.query_one(GateVerdictView).show_verdict(comparison.verdict)
        if comparison.gate_error:
            self.notify(
                comparison.gate_error, title="Gate settings", severity="warning", markup=False
            )
        self._fill_tables(diff)
        icicle = self._icicle
        status = self.query_one("#icicle-status", Static)
        if icicle.selected is None:
            status.update("Building the icicle…")
        else:
            status.update(self._node_status(icicle.selected))

    def on_icicle_built(self, message: IcicleBuilt) -> None:
        icicle = self._icicle
        icicle.delta_scale = message.tree.delta_scale
        icicle.root = message.tree.root
        icicle.border_title = "Icicle · width: branch share · red grew, blue shrank"

    def on_diff_failed(self, message: DiffFailed) -> None:
        self._set_error(message.error)
        self.notify(message.error, title="Compare", severity="error", markup=False)
        self.query_one("#icicle-status", Static).update("")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """An unexpected failure in the worker is shown, not swallowed (it is a bug)."""
        if event.worker.group == "compare" and event.state == WorkerState.ERROR:
            self.post_message(DiffFailed(f"internal error: {event.worker.error!r}"))

    def _show_time(self, report: CaptureReport | None) -> None:
        """A capture's seconds (program and functions, with significance) and time gate."""
        view = self.query_one("#compare-time", Static)
        view.display = report is not None
        if report is None:
            view.update("")
            return
        from screens.compare_work import TIME_ROWS  # loaded with the report
        from workbench.capture.report import time_section_text

        # The verdict and the failures first: the block has a bounded height, and what
        # it cuts off at the bottom must be function rows, never the verdict.
        lines = []
        if report.gate is not None:
            lines.append(f"time gate: {report.gate.outcome.upper()}")
            lines += [f"  {plain(f.subject)}: {plain(f.message)}" for f in report.gate.findings]
        failed = report.manifest.failed_runs() if report.manifest is not None else []
        if failed:
            lines.append(f"{len(failed)} failed runs (see the manifest)")
        lines.append(time_section_text(report.time, TIME_ROWS).split("\n\nmethod:")[0])
        view.update(Text("\n".join(lines)))

    # -- capture and bisect from the pane ---------------------------------
    def action_new_capture(self) -> None:
        """Ask for revisions, command and repeats; run the capture in a worker."""
        self.new_capture()

    def new_capture(self, base: str = "", branch: str = "") -> None:
        """The capture dialog with ``base`` and ``branch`` filled in (another pane asks)."""
        from screens.capture_dialog import CaptureDialog  # loaded when first asked for
        from screens.compare_runs import capture_job

        prefill = {"capture-base": base, "capture-branch": branch}
        self._ask(CaptureDialog(self._typed_values(), prefill), capture_job)

    def action_bisect(self) -> None:
        """Ask for good and bad revisions, command and metric; bisect in a worker."""
        from screens.bisect_dialog import BisectDialog  # loaded when first asked for
        from screens.compare_runs import bisect_job

        self._ask(BisectDialog(self._typed_values()), bisect_job)

    def _typed_values(self) -> dict[str, str]:
        """What the run dialogs start from: as last typed, else the app's repository."""
        if not self._typed.get("repo") and self.session.repo is not None:
            self._typed["repo"] = str(self.session.repo)
        return self._typed

    def _ask(self, dialog: RunDialog[RequestT], job: Callable[[RequestT], Job]) -> None:
        """Push ``dialog``; the request it returns runs as ``job`` (escape: nothing runs)."""

        def chosen(request: RequestT | None) -> None:
            if request is not None:
                self._job_line.start(job(request))

        self.app.push_screen(dialog, chosen)

    def action_stop(self) -> None:
        if not self._job_line.stop():
            self.notify("Nothing is running: n starts a capture, B a bisect.", markup=False)

    def on_capture_finished(self, message: CaptureFinished) -> None:
        if message.error is not None:
            self.notify(message.error, title="Capture", severity="error", markup=False)
            return
        if not message.comparable:
            why = "stopped" if message.interrupted else "ended"
            self.notify(
                f"Capture {why} before both revisions had a successful run: nothing to compare; "
                f"the runs are in {message.folder}",
                title="Capture",
                severity="warning" if message.interrupted else "error",
                markup=False,
            )
            return
        if message.interrupted:
            self.notify(f"Capture stopped; what was measured is in {message.folder}", markup=False)
        if message.folder is not None:
            self.load_capture(message.folder)

    def on_bisect_finished(self, message: BisectFinished) -> None:
        """Show the steps and the first bad commit (or why there is none)."""
        if message.result is None:
            self.notify(message.error or "", title="Bisect", severity="error", markup=False)
            return
        result = message.result
        self._bisect_view.show(result)
        if result.interrupted:
            self.notify("Bisect stopped; the steps shown are what was measured.", markup=False)

    def action_propose(self) -> None:
        """File the bisect's first bad commit: the item ``bisect --propose`` files, opened
        in the Backlog pane's form (which names any open item already holding the commit)."""
        result = self._bisect_view.result
        if result is None:
            self.notify("No bisect to file yet: B runs one.", markup=False)
            return
        from workbench.triage.bisect_intake import item_for_bisect  # loaded with the result

        item = item_for_bisect(result)
        if item is None:
            found = f"a range of {len(result.range)} commits" if result.range else "no commit"
            self.notify(
                f"The bisect named {found}, not one commit: nothing to file. "
                "Bisect again with more runs a step.",
                markup=False,
            )
            return
        self.post_message(BacklogItemRequested(item.title, draft=item))

    def _set_error(self, error: str) -> None:
        label = self.query_one("#compare-error", Static)
        label.update(Text(error))
        label.display = bool(error)

    # -- reactions --------------------------------------------------------
    def on_icicle_node_selected(self, event: Icicle.NodeSelected) -> None:
        self.query_one("#icicle-status", Static).update(self._node_status(event.node))

    def on_icicle_zoomed(self, event: Icicle.Zoomed) -> None:
        # Content(...) is plain text: a function named "[/]" must not be read as markup.
        self._icicle.border_subtitle = (
            "" if event.node.parent is None else Content(f"zoomed: {plain(event.node.label)}")
        )

    def on_delta_table_changed(self, event: DeltaTable.Changed) -> None:
        if event.control.id == "deltas":
            caption = f"{event.summary} · {self.by} level"
            self.query_one("#deltas-caption", Static).update(caption)

    def action_filter(self) -> None:
        line = self._filter_line
        line.add_class("-open")
        line.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input.id == "compare-filter":
            for table_id in TABLES:
                self._table(table_id).filter_names(event.value)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "compare-filter":
            event.input.set_class(bool(event.value.strip()), "-open")
            self._table("deltas").focus()

    def action_close_filter(self) -> None:
        """Escape: clear the filter line and close it; with no filter open, hide a
        bisect's result (``P`` still files it)."""
        line = self._filter_line
        if not line.has_class("-open") and not line.value:
            self._bisect_view.display = False
        line.value = ""
        line.remove_class("-open")
        if line.has_focus:
            self._table("deltas").focus()

    def _node_status(self, node: IcicleNode) -> Text:
        """Full label and base% → branch% (Δ points) of an icicle node."""
        from workbench.profiles.identity import ROOT_KEY  # loaded with the icicle's tree

        diff_node: DiffNode = node.data
        path = " › ".join(step.label for step in node.path()[1:]) or diff_node.label
        text = Text(plain(path), style="bold")
        text.append(f"   {diff_node.base_pct:.2f}% → {diff_node.branch_pct:.2f}%  ")
        delta = round(diff_node.delta_pct, 2) + 0.0  # never "-0.00 pts"
        text.append(f"({delta:+.2f} pts)", style="bold" if abs(delta) >= 0.05 else "")
        if diff_node.key != ROOT_KEY:
            text.append(f"   {plain(str(diff_node.key))}", style="dim")
        return text

    # -- actions ----------------------------------------------------------
    def _selected_function(self) -> tuple[FunctionKey, FunctionDelta | None] | None:
        """The function the focused widget has selected, with its row in the diff if any."""
        focused = self.focused
        if focused is not None and focused.id in TABLES:
            delta = cast("DeltaTable", focused).delta_at_cursor()
            return (delta.key, delta) if delta is not None else None
        from workbench.profiles.identity import ROOT_KEY  # loaded with the icicle's tree

        node = self._icicle.selected
        if node is None or node.data.key == ROOT_KEY:
            return None
        key = node.data.key
        return key, self._function_delta(key)

    def _function_delta(self, key: FunctionKey) -> FunctionDelta | None:
        if self.comparison is None:
            return None
        return next((d for d in self.comparison.diff.functions if d.key == key), None)

    def _hot_lines(self, key: FunctionKey, delta: FunctionDelta | None) -> list[int]:
        """Lines of ``key`` the branch profile sampled (the row's own line in line mode)."""
        if delta is not None and delta.line is not None:
            return [delta.line]
        return self.comparison.hot_lines.get(key, []) if self.comparison is not None else []

    def _selection_or_hint(self) -> tuple[FunctionKey, FunctionDelta | None] | None:
        """The selected function, or None after telling the user how to select one."""
        selected = self._selected_function()
        if selected is None:
            self.notify("Select a function in the icicle or a table first.", markup=False)
        return selected

    def action_history(self) -> None:
        if (selected := self._selection_or_hint()) is None:
            return
        key, delta = selected
        where = self.comparison.code_files.get(str(key)) if self.comparison else None
        self.post_message(HistoryRequested(str(key), self._hot_lines(key, delta), where))

    def action_backlog(self) -> None:
        if (selected := self._selection_or_hint()) is None:
            return
        key, delta = selected
        self.post_message(
            BacklogItemRequested(
                title=f"Regression in {key.qualname}",
                function=str(key),
                profile=self.paths["branch"],
                hypothesis=self._hypothesis(key, delta),
                kpi=f"self % of {key.qualname}",
                kpi_baseline=round(delta.base_self_pct, 2) if delta else None,
                kpi_latest=round(delta.branch_self_pct, 2) if delta else None,
            )
        )

    def _hypothesis(self, key: FunctionKey, delta: FunctionDelta | None) -> str:
        if delta is None or self.comparison is None:
            return f"{key} changed between the baseline and the branch profile."
        diff = self.comparison.diff
        hotspot = " — a new hotspot" if delta in diff.new_hotspots else ""
        return (
            f"Self share of {key} went from {delta.base_self_pct:.2f}% to "
            f"{delta.branch_self_pct:.2f}% ({delta.delta_self_pct:+.2f} pts){hotspot} "
            f"between {diff.base.name} and {diff.branch.name}."
        )

    def action_choose(self, role: str) -> None:
        def chosen(path: Path | None) -> None:
            if path is not None:
                self.load_profile(role, path)

        title = "Baseline profile" if role == "base" else "Branch profile"
        self.app.push_screen(PathDialog(title, self.paths.get(role)), chosen)

    def action_reload(self) -> None:
        self._loaded.clear()
        self._start(fresh=True)

    def action_compare_anyway(self) -> None:
        """``c``: compare the pair although one is a wall view and the other is not."""
        if not self._views_refused:
            self.notify("Nothing refused: the two profiles are compared as they are.", markup=False)
            return
        self.mixed_views = True
        self.notify("Comparing the views anyway: waiting time reads as change.", markup=False)
        self._start(level_only=True)

    def action_toggle_level(self) -> None:
        self.by = "line" if self.by == "function" else "function"
        self.notify(f"Comparing by {self.by}.", markup=False)
        self._start(level_only=True)


def make_screen(session: Session) -> CompareScreen:
    """Mode factory: the Compare pane, on the profiles the app was opened with if any."""
    return CompareScreen(session)

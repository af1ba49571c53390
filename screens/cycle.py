"""The Cycle pane (F5): SLO compliance per SLI, error-budget burn, before/after, reports.

A thread worker reads the cycle's folder and the backlog and builds the
:class:`~workbench.cycle.view.CycleView` (the same data the six reports are
made of); the pane only draws what arrived. ``n`` records the baseline or
after step from here (load test and py-spy at once, in a worker: leaving the
pane or the app stops it and keeps what was measured), ``ctrl+s`` writes the
six reports, ``enter`` on a report shows it (docs/keys.md). Endpoint names, item
titles and report text are untrusted: drawn as ``Text``/``Markdown``, never
as markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import ModalScreen
from textual.widgets import DataTable, Footer, Markdown, Sparkline, Static
from textual.worker import get_current_worker

from screens.choice_dialog import Choice, ChoiceDialog
from screens.keys import bind
from screens.pane import PaneScreen
from screens.prompt_dialog import PromptDialog
from screens.session import Session
from screens.widgets.pane_bar import PaneBar
from screens.widgets.table import Table
from workbench.context import LaunchContext
from workbench.cycle.compliance import burn_timeline
from workbench.cycle.folder import Cycle, default_cycles_root
from workbench.errors import WorkbenchError
from workbench.output import plain
from workbench.paths import styles_dir
from workbench.reports.slo_render import NOT_MEASURED, endpoint_label, figure

if TYPE_CHECKING:
    from workbench.cycle.compliance import SliVerdict
    from workbench.cycle.view import CycleView, PhaseView

STATUS_STYLE = {"PASS": "green", "PARTIAL": "yellow", "FAIL": "red"}
#: What ``n`` (record a run) asks.
PHASE_CHOICES = [Choice("1", "baseline", "the baseline"), Choice("2", "after", "the after run")]


#: Each table's columns, the verdict-bearing ones first: at 80 columns the tables show
#: only their left part, and a status or a change cut off is the one thing a glance needs.
COLUMNS: dict[str, tuple[str, ...]] = {
    "cycle-slis": ("status", "endpoint", "SLI", "baseline", "after", "objective"),
    "cycle-changes": ("change", "endpoint", "SLI", "before", "after", "profile"),
    "cycle-reports": ("report", "file"),
}


@dataclass
class CycleLoaded(Message):
    """A worker built the view of the cycle (and wrote its reports when asked)."""

    view: CycleView
    burn: dict[str, list[float]]
    """Phase → burn rate at each timeline row of its primary run."""
    reports: dict[str, str]
    """Report file name → title, in the order the reports are written."""
    changes: list[str]
    """How each SLI changed (``view.changes`` order), as the summary report says it."""
    note: str = ""


@dataclass
class CycleFailed(Message):
    """The cycle could not be read or a step failed; ``error`` is one line."""

    error: str


def load(root: Path, name: str | None, *, write: bool = False) -> CycleLoaded:
    """Blocking: the view of cycle ``name`` (current when None), reports written if asked.

    The analysis and the report renderers load here, in the worker: the pane's
    first frame does not wait for NumPy and the profile readers.
    """
    from workbench.cycle.view import build_view, load_items
    from workbench.reports.cycle_reports import REPORTS, change_text, write_reports

    cycle = Cycle.open(root, name)
    items, note = load_items(Path(cycle.config.db) if cycle.config.db else None)
    view = build_view(cycle, items, note)
    burn = {
        phase: [rate for _t, rate, _used in burn_timeline(view.config.slos, run.result)]
        for phase, run in (("baseline", view.baseline.primary), ("after", view.after.primary))
        if run is not None
    }
    written = ""
    if write:
        paths = write_reports(view, cycle.reports_folder)
        written = f"wrote {len(paths)} reports to {cycle.reports_folder}"
    reports = {name: title for name, (title, _render) in REPORTS.items()}
    changes = [change_text(change) for change in view.changes]
    return CycleLoaded(view, burn, reports, changes, written)


class ReportDialog(ModalScreen[None]):
    """One report, rendered as Markdown (escape closes)."""

    CSS_PATH = [styles_dir() / "cycle.tcss"]
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="cycle.report.close", tooltip="Back to the pane"),
    ]

    def __init__(self, path: Path) -> None:
        super().__init__()
        self.path = path

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="report-body"):
            yield Markdown(self.path.read_text(encoding="utf-8"), id="report-text")

    def action_close(self) -> None:
        self.dismiss(None)


class CycleScreen(PaneScreen):
    """One optimisation cycle at a glance."""

    CSS_PATH = [styles_dir() / "cycle.tcss"]
    HELP = """
### Cycle
SLO compliance per SLI in the baseline and after runs (PASS, PARTIAL within
the margin or met in some profiles only, FAIL), the error budget's burn rate
over each run, every SLI before and after, and the six reports.
`n` records a run, the baseline or the after (load test and py-spy at once),
`ctrl+s` writes the reports, `enter` opens the selected report, `r` reloads.
Tables move with `j`/`k`/`g`/`G`; `tab` moves between them.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        bind("cycle", "new", "record_run", "Record", "Record a run: the baseline or the after"),
        bind("cycle", "save", "write_reports", "Write reports", "Write the six reports"),
        bind("cycle", "reload", "reload", "Reload", "Read the cycle again"),
        bind("cycle", "select", "open_report", "Open report", "Show the report", show=False),
    ]

    def __init__(self, context: LaunchContext) -> None:
        super().__init__()
        self.context = context
        self.root = context.cycles or default_cycles_root()
        """Where the cycles live."""
        self.loaded: CycleLoaded | None = None
        """The view on screen."""

    def compose(self) -> ComposeResult:
        yield PaneBar("cycle")
        yield Static("", id="cycle-title", markup=False)
        yield Static("", id="cycle-status", markup=False)
        with Horizontal(id="cycle-top"):
            yield Table(id="cycle-slis", cursor_type="row", zebra_stripes=True)
            with Vertical(id="cycle-budget"):
                yield Static(
                    "Error-budget burn rate over the baseline run",
                    id="burn-caption-baseline",
                    markup=False,
                )
                yield Sparkline([], id="burn-baseline")
                yield Static("… and over the after run", id="burn-caption-after", markup=False)
                yield Sparkline([], id="burn-after")
                yield Static("", id="budget-summary", markup=False)
        with Horizontal(id="cycle-bottom"):
            yield Table(id="cycle-changes", cursor_type="row", zebra_stripes=True)
            yield Table(id="cycle-reports", cursor_type="row")
        yield Footer()

    def on_mount(self) -> None:
        for table_id, headers in COLUMNS.items():
            self.query_one(f"#{table_id}", Table).fill(headers, [])
        self._load()

    # -- reading ----------------------------------------------------------
    def _load(self, *, write: bool = False) -> None:
        self._status("Reading the cycle…")
        self._read(write)

    @work(thread=True, exclusive=True, group="cycle", exit_on_error=False)
    def _read(self, write: bool) -> None:
        worker = get_current_worker()
        try:
            result: Message = load(self.root, self.context.cycle, write=write)
        except WorkbenchError as error:
            result = CycleFailed(str(error))
        except Exception as error:  # noqa: BLE001 - a bug must show, not leave "Reading…"
            result = CycleFailed(f"{type(error).__name__}: {error}")
        if not worker.is_cancelled:
            self.post_message(result)

    @work(thread=True, exclusive=True, group="cycle-step", exit_on_error=False)
    def _step(self, phase: str, pid: int | None = None) -> None:
        """Run a step off the UI thread; cancelling the worker stops locust and py-spy."""
        from workbench.cycle.steps import record_phase

        worker = get_current_worker()
        try:
            cycle = Cycle.open(self.root, self.context.cycle)
            run = record_phase(cycle, phase, pid=pid, cancelled=lambda: worker.is_cancelled)
            loaded = load(self.root, self.context.cycle)
            loaded.note = f"{phase} recorded: {run.result.aggregate.requests} requests"
            result: Message = loaded
        except WorkbenchError as error:
            result = CycleFailed(str(error))
        if not worker.is_cancelled:
            self.post_message(result)

    def on_cycle_failed(self, message: CycleFailed) -> None:
        self._status(message.error, error=True)

    def on_cycle_loaded(self, message: CycleLoaded) -> None:
        self.loaded = message
        view = message.view
        config = view.config
        load_text = config.plan.describe() if config.plan else "imported results only"
        self.query_one("#cycle-title", Static).update(
            Text(f"Cycle {plain(config.name)} · started {config.created_at} · {plain(load_text)}")
        )
        verdicts = f"baseline {_verdict(view.baseline)} → after {_verdict(view.after)}"
        self._status(" · ".join(bit for bit in (verdicts, message.note, view.backlog_note) if bit))
        self._fill_slis(view)
        self._fill_burn(view, message.burn)
        self._fill_changes(view, message.changes)
        self._fill_reports(view, message.reports)

    # -- drawing ----------------------------------------------------------
    def _fill_slis(self, view: CycleView) -> None:
        before = _verdicts(view.baseline)
        after = _verdicts(view.after)
        rows = []
        for index, objective in enumerate(view.config.slos.objectives):
            was, now = before.get(index), after.get(index)
            status = (now or was).status if (now or was) else NOT_MEASURED
            rows.append(
                [
                    Text(status, style=STATUS_STYLE.get(status, "")),
                    Text(plain(endpoint_label(objective.endpoint))),
                    Text(objective.sli),
                    _measured(was),
                    _measured(now),
                    Text(objective.describe()),
                ]
            )
        self.query_one("#cycle-slis", Table).fill(COLUMNS["cycle-slis"], rows)

    def _fill_burn(self, view: CycleView, burn: dict[str, list[float]]) -> None:
        lines = []
        for phase, data in (("baseline", view.baseline), ("after", view.after)):
            self.query_one(f"#burn-{phase}", Sparkline).data = burn.get(phase, [])
            report = data.compliance
            if report is None:
                lines.append(f"{phase}: {NOT_MEASURED if not data.runs else data.compliance_error}")
                continue
            use = report.total_budget
            days = figure(view.config.slos.window_days)
            lines.append(
                f"{phase}: burn {figure(use.burn_rate)}×, used {figure(use.consumed_pct, '%')}, "
                f"left {figure(use.remaining_pct, '%')} of the {days}-day budget"
            )
        self.query_one("#budget-summary", Static).update(Text("\n".join(lines)))

    def _fill_changes(self, view: CycleView, texts: list[str]) -> None:
        rows = [
            [
                Text(text, style={True: "green", False: "red"}.get(change.better, "")),
                Text(plain(change.endpoint)),
                Text(change.sli),
                Text(figure(change.before, change.unit)),
                Text(figure(change.after, change.unit)),
                Text(change.profile),
            ]
            for change, text in zip(view.changes, texts, strict=True)
        ]
        self.query_one("#cycle-changes", Table).fill(COLUMNS["cycle-changes"], rows)

    def _fill_reports(self, view: CycleView, reports: dict[str, str]) -> None:
        folder = view.folder / "reports"
        rows = [
            [Text(title), Text(name if (folder / name).is_file() else "not written (w)")]
            for name, title in reports.items()
        ]
        self.query_one("#cycle-reports", Table).fill(
            COLUMNS["cycle-reports"], rows, keys=list(reports)
        )

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#cycle-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    # -- actions ----------------------------------------------------------
    def action_reload(self) -> None:
        self._load()

    def action_write_reports(self) -> None:
        self._load(write=True)

    def action_record_run(self) -> None:
        """Ask which step to record (and the server's PID now), then record it."""

        def chosen(phase: str | None) -> None:
            if phase is not None:
                self._ask_pid(phase)

        self.app.push_screen(ChoiceDialog("Record a run", PHASE_CHOICES), chosen)

    def _ask_pid(self, phase: str) -> None:
        """The server is usually restarted between the baseline and the after run, so its
        PID changes: ask for it, offering the cycle's (a cycle without one has no profile)."""
        pid = self.loaded.view.config.pid if self.loaded is not None else None
        if pid is None:
            self.action_record(phase)
            return

        def answered(text: str | None) -> None:
            if text is not None:
                self.action_record(phase, int(text))

        prompt = PromptDialog(
            f"PID of the server to profile during the {phase} (the cycle's: {pid})",
            placeholder="workbench ps lists them",
            initial=str(pid),
            validate=_sampleable_pid,
        )
        self.app.push_screen(prompt, answered)

    def action_record(self, phase: str, pid: int | None = None) -> None:
        self._status(f"Recording the {phase}: load test and py-spy… (leaving stops it)")
        self._step(phase, pid)

    @on(DataTable.RowSelected, "#cycle-reports")
    def _report_chosen(self, event: DataTable.RowSelected) -> None:
        self.action_open_report()

    def action_open_report(self) -> None:
        if self.loaded is None:
            return
        table = self.query_one("#cycle-reports", DataTable)
        names = list(self.loaded.reports)
        if not 0 <= table.cursor_row < len(names):
            return
        path = self.loaded.view.folder / "reports" / names[table.cursor_row]
        if not path.is_file():
            self.notify("Not written yet: write the reports first.", severity="warning")
            return
        self.app.push_screen(ReportDialog(path))


def _sampleable_pid(text: str) -> str | None:
    """None when py-spy can sample PID ``text``, else what is wrong (one line)."""
    from workbench.sampling.processes import check_target

    if not text.isdigit():
        return "A PID is a whole number (workbench ps lists them)."
    try:
        check_target(int(text))
    except WorkbenchError as error:
        return str(error)
    return None


def _verdicts(phase: PhaseView) -> dict[int, SliVerdict]:
    if phase.compliance is None:
        return {}
    return dict(enumerate(phase.compliance.verdicts))


def _measured(verdict: SliVerdict | None) -> Text:
    if verdict is None:
        return Text(NOT_MEASURED, style="dim")
    unit = verdict.objective.kind.unit
    values = " / ".join(figure(m.value, unit) for m in verdict.measurements)
    return Text(values, style=STATUS_STYLE[verdict.status])


def _verdict(phase: PhaseView) -> str:
    if not phase.runs:
        return NOT_MEASURED
    return phase.compliance.overall if phase.compliance else "not computed"


def make_screen(session: Session) -> CycleScreen:
    """The Cycle pane's base screen (the app's mode factory)."""
    return CycleScreen(session.launch)

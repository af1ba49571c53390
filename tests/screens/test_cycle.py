"""The Cycle pane (F5) on a real cycle folder: compliance, burn, before/after, reports."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from textual.widgets import DataTable, Sparkline, Static

from screens.app import WorkbenchApp
from screens.cycle import CycleScreen, ReportDialog
from tests.helpers import settle
from workbench.context import LaunchContext
from workbench.cycle.folder import Cycle, CycleConfig, now_iso, write_json
from workbench.cycle.results import EndpointStats, HistoryPoint, LoadResult
from workbench.cycle.run_files import RESULT_FILE
from workbench.cycle.slo import AGGREGATE, parse_slo_table
from workbench.reports.cycle_reports import REPORTS

SIZE = (160, 50)
HOSTILE = "/[/]x[@click=app.quit]"


def _result(p95: float, failures: int) -> LoadResult:
    history = [
        HistoryPoint(t, 4, 40.0, failures / 10, 10.0, p95, p95, 400 * t // 10, failures * t // 10)
        for t in range(0, 11, 2)
    ]
    figures = {"requests": 400, "failures": failures, "p50_ms": 10, "p95_ms": p95, "rps": 40}
    return LoadResult(
        tool="locust",
        source="test",
        aggregate=EndpointStats(AGGREGATE, **figures),
        endpoints=[EndpointStats(HOSTILE, "GET", **figures)],
        history=history,
        profile="baseline",
        duration_s=10.0,
    )


@pytest.fixture
def cycles(tmp_path: Path) -> Path:
    """A cycle with a baseline that misses its p95 and an after run that meets it."""
    root = tmp_path / "cycles"
    targets = {AGGREGATE: {"p95-ms": 100}, HOSTILE: {"p95-ms": 100}}
    slos = parse_slo_table({"availability-pct": 99.0, "endpoints": targets}, "slo.toml")
    cycle = Cycle.create(
        root, CycleConfig("spring", now_iso(), slos, None, db=str(tmp_path / "none.db"))
    )
    for phase, result in (("baseline", _result(180, 8)), ("after", _result(60, 2))):
        folder = cycle.new_run_folder(phase, "baseline")
        folder.mkdir(parents=True)
        write_json(folder / RESULT_FILE, result.to_json())
    return root


def _column(screen: CycleScreen, selector: str, column: int) -> list[str]:
    table = screen.query_one(selector, DataTable)
    return [table.get_row_at(row)[column].plain for row in range(table.row_count)]


async def test_cycle_pane_shows_the_cycle_and_writes_reports(cycles: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="compare", cycles=cycles))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CycleScreen)
        assert "Cycle spring" in str(screen.query_one("#cycle-title", Static).render())
        status = str(screen.query_one("#cycle-status", Static).render())
        assert "baseline FAIL → after PASS" in status
        assert _column(screen, "#cycle-slis", 1) == ["all endpoints", HOSTILE, "all endpoints"]
        assert _column(screen, "#cycle-slis", 3)[:2] == ["180 ms", "180 ms"]
        assert _column(screen, "#cycle-slis", 4) == ["60 ms", "60 ms", "99.5%"]
        assert _column(screen, "#cycle-slis", 0) == ["PASS", "PASS", "PASS"]  # the after run's
        assert screen.query_one("#burn-after", Sparkline).data  # burn over the run's timeline
        assert "burn 0.5×" in str(screen.query_one("#budget-summary", Static).render())
        changes = _column(screen, "#cycle-changes", 0)
        assert "-66.7% (better)" in changes
        assert "180 ms" in _column(screen, "#cycle-changes", 3)  # figures carry their unit
        assert _column(screen, "#cycle-reports", 1) == ["not written (w)"] * len(REPORTS)
        assert app.is_running, "a markup-looking endpoint name must not act"

        await pilot.press("ctrl+s")
        await settle(pilot)
        folder = cycles / "spring" / "reports"
        assert sorted(p.name for p in folder.iterdir()) == sorted(REPORTS)
        assert _column(screen, "#cycle-reports", 1) == list(REPORTS)

        reports = screen.query_one("#cycle-reports", DataTable)
        reports.focus()
        await pilot.press("G")
        assert reports.cursor_row == len(REPORTS) - 1
        await pilot.press("k", "k", "g", "j")
        assert reports.cursor_row == 1
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ReportDialog)
        assert app.screen.path.name == "bottlenecks.md"
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CycleScreen)

        await pilot.press("question_mark")
        await pilot.pause()
        assert app.screen.query("HelpPanel")


async def test_cycle_pane_errors_are_one_line(cycles: Path, tmp_path: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="cycle", cycles=cycles))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("n", "1")  # a cycle of imported results has no load to run
        await settle(pilot)
        status = app.screen.query_one("#cycle-status", Static)
        assert "has no URL to load" in str(status.render()) and status.has_class("-error")
    empty = WorkbenchApp(LaunchContext(mode="cycle", cycles=tmp_path / "nothing"))
    async with empty.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = empty.screen.query_one("#cycle-status", Static)
        assert "workbench cycle start NAME" in str(status.render())


@pytest.mark.slow
async def test_recording_from_the_pane_asks_for_the_server_pid_now(tmp_path: Path) -> None:
    """Between baseline and after the server restarts: the pane offers the cycle's PID,
    refuses one that is gone (one line, in the dialog), and profiles the one given."""
    from textual.widgets import Input

    from screens.prompt_dialog import PromptDialog
    from tests.cycle.instance import launch
    from workbench.cycle.plans import make_plan

    gone = subprocess.Popen(["true"])
    gone.wait()
    service = launch(work_ms=2)
    try:
        root = tmp_path / "cycles"
        slos = parse_slo_table({"endpoints": {AGGREGATE: {"p95-ms": 1000}}}, "slo.toml")
        plan = make_plan("baseline", service.url(), users=2, duration_s=1)
        config = CycleConfig("restart", now_iso(), slos, plan, pid=gone.pid)
        Cycle.create(root, config)
        app = WorkbenchApp(LaunchContext(mode="cycle", cycles=root))
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            await pilot.press("n", "2")
            await pilot.pause()
            prompt = app.screen
            assert isinstance(prompt, PromptDialog)
            field = prompt.query_one("#dialog-input", Input)
            assert field.value == str(gone.pid)
            await pilot.press("enter")
            error = str(prompt.query_one("#dialog-error", Static).render())
            assert f"no process with PID {gone.pid}" in error and app.screen is prompt
            field.value = str(service.pid)
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CycleScreen)
            status = str(app.screen.query_one("#cycle-status", Static).render())
            assert "after recorded" in status, status
        run = root / "restart" / "runs" / "after-baseline"
        assert (run / "profile.speedscope.json").is_file()
    finally:
        service.stop()

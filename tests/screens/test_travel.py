"""Context travelling between panes through the app's session and typed messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Input, Static

from screens.app import WorkbenchApp
from screens.backlog import BacklogScreen
from screens.history import HistoryScreen
from screens.item_dialog import ItemDialog
from screens.messages import HistoryRequested
from screens.prompt_dialog import PromptDialog
from screens.widgets.delta_table import DeltaTable
from screens.widgets.item_detail import ItemDetail
from tests.helpers import Notices, settle
from tests.history.gitrepo import GitRepo
from workbench.cli import build_parser
from workbench.context import LaunchContext
from workbench.paths import data_dir
from workbench.triage.model import Evidence, EvidenceKind, Item
from workbench.triage.store import BacklogStore

SIZE = (160, 50)
DEMO = data_dir() / "compare_demo"
HOTSPOT = "workload.py:validate_rows"


@pytest.fixture
def repo(tmp_path: Path) -> GitRepo:
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "def f():\n    return 1\n")
    repo.commit("add f")
    return repo


def _commits(app: WorkbenchApp) -> list[str]:
    table = app.history_pane.query_one("#history-commits", DataTable)
    return [table.get_row_at(row)[5].plain for row in range(table.row_count)]


def _compare_demo(db: Path) -> LaunchContext:
    return LaunchContext(mode="compare", base=DEMO / "base.txt", branch=DEMO / "branch.txt", db=db)


async def _file_hotspot(app: WorkbenchApp, pilot) -> ItemDialog:  # noqa: ANN001
    """Compare on the demo pair: ``b`` on the new hotspot opens the Backlog's form."""
    await settle(pilot)
    hotspots = app.screen.query_one("#hotspots", DeltaTable)
    hotspots.focus()
    assert str(hotspots.delta_at_cursor().key) == HOTSPOT
    await pilot.press("b")
    await settle(pilot)
    assert app.current_mode == "backlog"
    assert isinstance(app.screen, ItemDialog)
    return app.screen


async def test_a_hotspot_filed_from_compare_carries_its_shares_as_the_kpi(tmp_path: Path) -> None:
    app = WorkbenchApp(_compare_demo(tmp_path / "t.db"))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await _file_hotspot(app, pilot)
        delta = app.compare_pane.query_one("#hotspots", DeltaTable).delta_at_cursor()
        assert float(dialog.query_one("#kpi_baseline", Input).value) == round(
            delta.base_self_pct, 2
        )
        assert float(dialog.query_one("#kpi_latest", Input).value) == round(
            delta.branch_self_pct, 2
        )
        assert "validate_rows" in dialog.query_one("#kpi", Input).value
        assert "already" not in dialog.heading


async def test_a_hotspot_already_tracked_is_offered_with_a_warning(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with BacklogStore.open(db) as store:
        tracked = store.add(
            Item(title="validate_rows grew", evidence=[Evidence(EvidenceKind.FUNCTION, HOTSPOT)])
        )
    launch = LaunchContext(
        mode="compare", base=DEMO / "base.txt", branch=DEMO / "branch.txt", db=db
    )
    app = WorkbenchApp(launch)
    heard = Notices()
    async with app.run_test(size=SIZE, message_hook=heard) as pilot:
        dialog = await _file_hotspot(app, pilot)
        assert f"#{tracked.id}" in dialog.heading
        assert f"#{tracked.id} already track" in str(heard)


async def test_a_commit_linked_in_history_shows_in_the_backlog_pane(
    repo: GitRepo, tmp_path: Path
) -> None:
    db = tmp_path / "t.db"
    with BacklogStore.open(db) as store:
        item = store.add(Item(title="f got slow"))
    app = WorkbenchApp(LaunchContext(mode="history", repo=repo.path, function="app.py:f", db=db))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b", *str(item.id), "enter")
        await settle(pilot)
        assert app.current_mode == "backlog"
        assert isinstance(app.screen, BacklogScreen)
        detail = app.screen.query_one(ItemDetail)
        assert detail.item is not None and detail.item.id == item.id
        assert repo.commits["add f"] in str(detail.query_one("#item-detail-body").render())


async def test_history_asks_the_repository_that_holds_the_code(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not the current directory's: the file the profile named, else the one the user picks."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    app = WorkbenchApp(LaunchContext(mode="compare", db=tmp_path / "t.db"))
    async with app.run_test(size=SIZE) as pilot:
        app.post_message(HistoryRequested("app.py:f", [], repo.path / "app.py"))
        await settle(pilot)
        assert _commits(app) == ["add f"]

        app.post_message(HistoryRequested("app.py:f", [1]))  # no hint: the current directory
        await settle(pilot)
        status = app.history_pane.query_one("#history-status", Static)
        said = str(status.render())
        assert status.has_class("-error") and "is not a git repository" in said
        assert "--repo" not in said, "the app's errors name the app's way out"

        await pilot.press("R")
        assert isinstance(app.screen, PromptDialog)
        app.screen.query_one(Input).value = str(repo.path)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert _commits(app) == ["add f"]
        assert app.session.repo == repo.path


def test_attach_and_run_take_the_repository() -> None:
    parser = build_parser()
    assert parser.parse_args(["attach", "42", "--repo", "/src/app"]).repo == Path("/src/app")
    assert parser.parse_args(["run", "--repo", "x", "--", "python"]).repo == Path("x")

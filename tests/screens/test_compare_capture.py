"""The Compare pane on a capture: opened with one, and started from its dialog (and cancelled)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from screens.app import WorkbenchApp
from screens.capture_dialog import CaptureDialog
from screens.compare import CompareScreen
from screens.widgets.delta_table import DeltaTable
from tests.capture.repos import BENCH, FAST, UNIFORM_3X, commit, make_repo, worktrees
from tests.helpers import settle
from workbench.capture.manifest import load_manifest
from workbench.capture.runner import CaptureRequest, run_capture
from workbench.context import LaunchContext

pytestmark = pytest.mark.slow
SIZE = (160, 50)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    commit(repo, {"pkg/__init__.py": UNIFORM_3X}, "three times")
    return repo


def _text(app: WorkbenchApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


async def test_opens_a_capture_with_seconds_above_the_icicle(repo: Path, tmp_path: Path) -> None:
    folder = run_capture(
        CaptureRequest(repo, "HEAD~1", "HEAD", [sys.executable, "bench.py", "1000000"],
                       tmp_path / "cap", repeat=2, rate=200)  # fmt: skip
    ).folder
    app = WorkbenchApp(LaunchContext(mode="compare", capture=folder))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        time_view = _text(app, "#compare-time")
        assert "Program time" in time_view and "wall" in time_view and "cpu" in time_view
        assert "parse" in time_view
        shown = [d.key.qualname for d in screen.query_one("#deltas", DeltaTable).shown()]
        assert "parse" in shown  # both sides' functions matched across the two worktrees
        assert screen.comparison is not None


async def test_capture_from_the_dialog_with_progress_then_cancel(repo: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="compare", repo=repo))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CaptureDialog)
        values = {"capture-base": "HEAD~1", "capture-branch": "HEAD", "capture-repeat": "2",
                  "capture-command": f"{sys.executable} bench.py 300000"}  # fmt: skip
        for field_id, value in values.items():
            app.screen.query_one(f"#{field_id}", Input).value = value
        app.screen.query_one("#capture-repeat", Input).focus()
        await pilot.press("enter")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        assert screen.capture is not None
        assert len(load_manifest(screen.capture).runs) == 4
        assert "Program time" in _text(app, "#compare-time")
        assert not screen.query_one("#capture-progress", Static).display

        # A long one, cancelled with x once it reports progress.
        await pilot.press("n")
        await pilot.pause()
        values["capture-repeat"] = "200"
        for field_id, value in values.items():
            app.screen.query_one(f"#{field_id}", Input).value = value
        app.screen.query_one("#capture-repeat", Input).focus()
        await pilot.press("enter")
        for _ in range(400):
            await pilot.pause(0.05)
            if "run 2 of 400" in _text(app, "#capture-progress"):
                break
        assert "of 400" in _text(app, "#capture-progress")
        await pilot.press("X")
        await settle(pilot)
        manifest = load_manifest(app.screen.capture)
        assert manifest.interrupted and len(manifest.runs) < 400
        assert worktrees(repo) == [str(repo)]

"""The Compare pane on a capture: opened with one, and started from its dialog (and cancelled)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, Static

from screens.app import WorkbenchApp
from screens.capture_dialog import CaptureDialog
from screens.compare import CompareScreen
from tests.capture.repos import BENCH, FAST, UNIFORM_3X, commit, make_repo, worktrees
from tests.helpers import pane_complete, settle, wait_for
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
        CaptureRequest(repo, "HEAD~1", "HEAD", [sys.executable, "bench.py", "3000000"],
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
        assert screen.comparison is not None
        # Both sides' functions matched across the two worktrees: parse is one function with
        # a share on each side (under a uniform slowdown it need not be a table row).
        (parse,) = [d for d in screen.comparison.diff.functions if d.key.qualname == "parse"]
        assert parse.base_self_pct > 0 and parse.branch_self_pct > 0


async def test_capture_from_the_dialog_with_progress_then_cancel(repo: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="compare", repo=repo))
    async with app.run_test(size=SIZE) as pilot:
        await pane_complete(pilot)
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

        # A long one, cancelled with x once both revisions have a run (it is then shown).
        await pilot.press("n")
        await pilot.pause()
        values["capture-repeat"] = "200"
        for field_id, value in values.items():
            app.screen.query_one(f"#{field_id}", Input).value = value
        app.screen.query_one("#capture-repeat", Input).focus()
        await pilot.press("enter")
        # Worktrees and three runs: a minute is generous even on a loaded machine. Runs of
        # a few ms on an idle one: the line may skip from run 2 to run 9 between two looks.
        await wait_for(pilot, lambda: _run_number(app) >= 3, 120)
        await pilot.press("X")
        await settle(pilot)
        manifest = load_manifest(app.screen.capture)
        assert manifest.interrupted and len(manifest.runs) < 400
        assert worktrees(repo) == [str(repo)]


def _run_number(app: WorkbenchApp) -> int:
    """The run the progress line names (0 before the first)."""
    found = re.search(r"run (\d+) of", _text(app, "#capture-progress"))
    return int(found[1]) if found else 0


async def _type(pilot, text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))


async def test_typed_dialog_enter_moves_on_and_a_capture_stopped_early_says_so(repo: Path) -> None:
    """Typed as a user types: enter moves to the next field, the last one starts; a
    capture stopped before both revisions ran has nothing to compare and says so."""
    app = WorkbenchApp(LaunchContext(mode="compare", repo=repo))
    async with app.run_test(size=SIZE) as pilot:
        await pane_complete(pilot)
        await pilot.press("n")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, CaptureDialog)
        assert app.focused is not None and app.focused.id == "capture-repo"  # pre-filled
        await pilot.press("enter")
        await _type(pilot, "HEAD~1")
        await pilot.press("enter")
        assert app.focused.id == "capture-branch"
        await _type(pilot, "HEAD")
        await pilot.press("enter", "enter")  # past the empty command to the last field
        assert app.focused.id == "capture-repeat"
        await pilot.press("enter")  # starts: the command is missing, and focused to fix
        assert app.screen is dialog and app.focused.id == "capture-command"
        assert "Give the command" in str(dialog.query_one("#dialog-error", Static).render())
        # A first run of seconds, so that X lands in it however fast the machine is.
        await _type(pilot, f"{sys.executable} bench.py 30000000")
        await pilot.press("enter", "backspace")
        await _type(pilot, "50")
        await pilot.press("enter")
        assert isinstance(app.screen, CompareScreen)
        for _ in range(400):
            await pilot.pause(0.05)
            if "run 1 of 100" in _text(app, "#capture-progress"):
                break
        await pilot.press("X")  # while the first base run is under way
        await settle(pilot)
        said = "\n".join(str(n.message) for n in app._notifications)
        assert "before both revisions had a successful run: nothing to compare" in said
        assert app.screen.capture is None  # nothing half-loaded
        assert worktrees(repo) == [str(repo)]

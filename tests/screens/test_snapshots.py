"""Every pane on the demo data at 80×24 and 160×45, as SVG snapshots.

Deterministic by construction: the demo's history is dated before a fixed
time (same shas, same dates), paths are relative to the demo folder the test
runs in, the Live pane shows a fixed session (no sampling) with its clock
stopped, no text box blinks, and every worker has finished before the
screenshot. Update after an intended change with
``pytest tests/screens/test_snapshots.py --snapshot-update`` and look at the
report's pictures before committing them.
"""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from screens.app import PANES, WorkbenchApp
from screens.live import LiveScreen
from tests.helpers import settle
from tests.screens.live_replay import replayed_session, show_replay
from workbench.context import LaunchContext
from workbench.demo import prepare_demo
from workbench.sampling.session import LiveSession

SIZES = {"80x24": (80, 24), "160x45": (160, 45)}
#: The demo's "now": its commits are dated hours and days before it.
DEMO_NOW = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo workspace, with the Compare pair beside the repository and the backlog."""
    folder = tmp_path_factory.mktemp("snapshot-demo")
    demo = prepare_demo(folder, now=DEMO_NOW)
    for profile in (demo.base, demo.branch):
        shutil.copy(profile, folder / profile.name)
    return folder


@pytest.fixture
def in_demo(demo_folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run from the demo folder (paths on screen are relative), Live's clock stopped."""
    monkeypatch.chdir(demo_folder)
    monkeypatch.setattr(LiveSession, "elapsed", property(lambda session: 42.0))
    return demo_folder


def _launch(mode: str) -> WorkbenchApp:
    return WorkbenchApp(
        LaunchContext(
            mode=mode,
            base=Path("base.txt"),
            branch=Path("branch.txt"),
            db=Path("triage.db"),
            repo=Path("repo"),
            function="workload.py:validate_rows",
            cycles=Path("cycles"),
        )
    )


async def _ready(pilot: Pilot) -> None:
    """The pane as it settles: workers done, Live fed its fixed session, no blinking."""
    app = pilot.app
    await settle(pilot)
    if app.current_mode == "live":
        app.pop_screen()  # the process picker a Live pane without a target opens
        screen = app.screen
        assert isinstance(screen, LiveScreen)
        show_replay(screen, replayed_session(Path.cwd()))
        await settle(pilot)
    for box in app.screen.query(Input):
        box.cursor_blink = False
    await settle(pilot)


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("mode", PANES)
def test_pane(mode: str, size: str, in_demo: Path, snap_compare) -> None:  # noqa: ANN001
    assert snap_compare(_launch(mode), terminal_size=SIZES[size], run_before=_ready)

"""``workbench demo`` opens before its files exist: panes wait for them, never read half."""

from __future__ import annotations

import threading
from pathlib import Path

from textual.worker import WorkerState

from screens.app import WorkbenchApp
from screens.backlog import BacklogScreen
from tests.helpers import Notices, settle, wait_for
from workbench.context import LaunchContext, Preparation
from workbench.demo import demo_layout, prepare_demo

SIZE = (120, 36)


def _waiting(app: WorkbenchApp) -> bool:
    """A pane switch is waiting for the files."""
    return any(w.group == "panes" and w.state is WorkerState.RUNNING for w in app.workers)


def _context(root: Path, preparation: Preparation) -> LaunchContext:
    demo = demo_layout(root)
    return LaunchContext(
        mode="compare",
        base=demo.base,
        branch=demo.branch,
        db=demo.db,
        repo=demo.repo,
        cycles=demo.cycles,
        preparation=preparation,
    )


async def test_a_pane_switch_waits_for_the_demo_files_then_shows_them(tmp_path: Path) -> None:
    release = threading.Event()
    root = tmp_path / "demo"
    root.mkdir()

    def work() -> None:
        release.wait(30)  # the test decides when the files are made
        prepare_demo(root)

    preparation = Preparation(work, "the demo's files")
    app = WorkbenchApp(_context(root, preparation))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not preparation.ready
        await pilot.press("f4")  # the Backlog pane: its database is not made yet
        await wait_for(pilot, lambda: _waiting(app))
        assert app.current_mode == "compare"
        assert not demo_layout(root).db.exists()
        release.set()
        await wait_for(pilot, lambda: app.current_mode == "backlog", timeout=60)
        screen = app.screen
        assert isinstance(screen, BacklogScreen)
        await settle(pilot)
        assert sum(panel.total for panel in screen.matrix.panels) > 0  # the demo's seeded items
    preparation.join()


async def test_demo_files_that_cannot_be_made_are_told_and_the_pane_stays(tmp_path: Path) -> None:
    root = tmp_path / "not-a-folder"
    root.write_text("a file where the demo folder should be\n")
    preparation = Preparation(lambda: prepare_demo(root), "the demo's files")
    notices = Notices()
    app = WorkbenchApp(_context(root, preparation))
    async with app.run_test(size=SIZE, message_hook=notices) as pilot:
        await settle(pilot)
        await pilot.press("f4")
        await wait_for(pilot, lambda: "could not make the demo's files" in notices)
        assert app.current_mode == "compare"
        assert root.read_text() == "a file where the demo folder should be\n"

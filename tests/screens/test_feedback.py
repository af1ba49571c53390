"""Slow work says so: the pane bar names a described worker that has run 0.2 s."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from textual import work
from textual.message import Message
from textual.worker import Worker, WorkerState

from screens.app import WorkbenchApp, told
from screens.widgets.pane_bar import PaneBar
from tests.helpers import settle, wait_for
from workbench.context import LaunchContext


def bar(app: WorkbenchApp) -> str:
    return str(app.screen.query_one(PaneBar).render())


async def test_the_pane_bar_names_slow_work_while_it_runs(tmp_path: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="history", db=tmp_path / "t.db"))
    release = threading.Event()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        assert "⧗" not in bar(app) and "F3 History" in bar(app)
        app.screen.run_worker(release.wait, thread=True, description="Counting to ten…")
        await wait_for(pilot, lambda: "⧗ Counting to ten…" in bar(app))
        release.set()
        await wait_for(pilot, lambda: "⧗" not in bar(app))


async def test_undescribed_work_never_shows_its_call(tmp_path: Path) -> None:
    """An endless worker that says nothing (the Live sampler) is not named by its repr
    (Textual's default description) while described work runs beside it."""

    def wait_on(_screen: object, event: threading.Event) -> None:
        event.wait()

    app = WorkbenchApp(LaunchContext(mode="history", db=tmp_path / "t.db"))
    release = threading.Event()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        quiet = work(thread=True)(wait_on)(app.screen, release)
        await wait_for(pilot, lambda: quiet.state is WorkerState.RUNNING)
        app.screen.run_worker(release.wait, thread=True, description="Counting to ten…")
        await wait_for(pilot, lambda: "⧗ Counting to ten…" in bar(app))
        assert told(quiet) == "" and "wait_on" not in bar(app)
        release.set()


@pytest.mark.parametrize(("mode", "key"), [("backlog", "ctrl+s"), ("backlog", "K")])
async def test_keys_that_start_slow_work_describe_it(
    mode: str, key: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a key starts in a worker has a description: the bar can name it."""
    monkeypatch.chdir(tmp_path)  # the export lands here
    started: list[Worker] = []

    def hook(message: Message) -> None:
        if isinstance(message, Worker.StateChanged) and message.state is WorkerState.RUNNING:
            started.append(message.worker)

    app = WorkbenchApp(LaunchContext(mode=mode, db=tmp_path / "t.db"))
    async with app.run_test(size=(120, 30), message_hook=hook) as pilot:
        await settle(pilot)
        started.clear()
        await pilot.press(key)
        await settle(pilot)
    assert started and all(told(worker) for worker in started)

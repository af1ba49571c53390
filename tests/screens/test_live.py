"""The Live pane driven through Pilot on real targets sampled by real py-spy.

Each test spawns a small CPU-bound Python program (a named hot function, a
second thread whose name is Rich markup, a function whose name is ``[/]``),
opens the app on it and polls — with deadlines, never fixed sleeps — until
the pane shows what py-spy saw. After every app exit, no py-spy child of
this process may remain.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from textual.content import Content
from textual.message import Message
from textual.widget import Widget

from screens.app import WorkbenchApp
from screens.live import LiveScreen
from screens.messages import BacklogItemRequested, CompareProfileChosen, HistoryRequested
from screens.process_picker import ProcessPickerDialog
from screens.widgets.keyed_table import KeyedTable
from screens.widgets.live_status import StatusLine
from screens.widgets.live_top import TopTable
from screens.widgets.sparklines import BLOCKS, MetricsSparklines
from screens.widgets.thread_table import ThreadTable
from tests.helpers import needs_ptrace, wait_for
from workbench.context import LaunchContext
from workbench.paths import data_dir
from workbench.profiles.io import read_profile

pytestmark = [pytest.mark.slow, needs_ptrace]

SIZE = (160, 50)
HOT = "hot_spin_function"
MARKUP_THREAD = "[bold]x[/]"
TARGET = f"""
import sys, threading

def {HOT}(n):
    total = 0
    for i in range(n):
        total += i * i
    return total

def markup_trap(n):
    return {HOT}(n)

# A function whose name would close a Rich markup tag if it were parsed.
markup_trap.__code__ = markup_trap.__code__.replace(co_name="[/]", co_qualname="[/]")

def side_worker():
    while True:
        markup_trap(20000)

threading.Thread(target=side_worker, name={MARKUP_THREAD!r}, daemon=True).start()
print("ready", flush=True)
while True:
    {HOT}(20000)
"""


@pytest.fixture
def target_script(tmp_path: Path) -> Path:
    script = tmp_path / "busy_target.py"
    script.write_text(TARGET)
    return script


def start_target(script: Path) -> subprocess.Popen[str]:
    """Start ``script`` and wait until its threads run."""
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "ready"
    return process


@pytest.fixture(scope="module")
def shared_target(tmp_path_factory) -> Iterator[subprocess.Popen[str]]:
    """One CPU-bound target the read-only tests attach to in turn (saves a start each)."""
    script = tmp_path_factory.mktemp("live") / "busy_target.py"
    script.write_text(TARGET)
    process = start_target(script)
    yield process
    process.kill()
    process.wait()


@pytest.fixture
def target(shared_target: subprocess.Popen[str]) -> subprocess.Popen[str]:
    assert shared_target.poll() is None, "the shared target died"
    return shared_target


@pytest.fixture
def own_target(target_script: Path) -> Iterator[subprocess.Popen[str]]:
    """A target this test may kill."""
    process = start_target(target_script)
    yield process
    process.kill()
    process.wait()


@pytest.fixture(autouse=True)
def no_sampler_left_behind() -> Iterator[None]:
    """After each test (its app has exited), no py-spy or austin runs as our descendant."""
    yield
    deadline = time.monotonic() + 5.0
    while (left := _sampler_children()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert left == [], f"sampler left behind: {left}"


def _sampler_children() -> list[str]:
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            if child.name() in ("py-spy", "austin") and child.status() != psutil.STATUS_ZOMBIE:
                found.append(" ".join(child.cmdline()))
        except psutil.NoSuchProcess:
            continue
    return found


def live(app: WorkbenchApp) -> LiveScreen:
    screen = app.get_screen_stack("live")[0] if app.current_mode != "live" else app.screen
    assert isinstance(screen, LiveScreen)
    return screen


def top_functions(app: WorkbenchApp) -> list[str]:
    """The top table's functions; none while the pane mounts it (after its first frame)."""
    screen = live(app)
    return screen.query_one(TopTable).column_text("function") if screen.complete else []


def _running(app: WorkbenchApp, group: str) -> bool:
    return any(worker.group == group and worker.is_running for worker in app.workers)


def of_kind(posted: list[Message], kind: type[Message]) -> list[Message]:
    """Distinct messages of ``kind`` (the hook sees a bubbling message at each hop)."""
    return list({id(message): message for message in posted if isinstance(message, kind)}.values())


def title(widget: Widget) -> str:
    """A border title as the user reads it (the attribute holds escaped markup)."""
    return Content.from_markup(widget.border_title or "").plain


def shows_hot(app: WorkbenchApp) -> bool:
    return HOT in top_functions(app)


async def test_attach_shows_hot_function_threads_and_markup_literally_then_pause(target):
    app = WorkbenchApp(LaunchContext(mode="live", pid=target.pid))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shows_hot(app))
        screen = live(app)
        await wait_for(pilot, lambda: "[/]" in top_functions(app))
        threads = screen.query_one(ThreadTable)
        await wait_for(pilot, lambda: MARKUP_THREAD in threads.column_text("thread"))
        status = str(screen.query_one(StatusLine).render())
        assert f"PID {target.pid}" in status and "sampling" in status
        sparks = screen.query_one(MetricsSparklines)  # the target crunches: a bar, newest right
        await wait_for(pilot, lambda: sparks.line("cpu")[1].endswith(tuple(BLOCKS[1:])))
        assert sparks.line("cpu")[0].startswith("CPU") and "▲" in sparks.line("cpu")[0]

        # Pause: the view freezes while samples keep arriving; resume catches up.
        table = screen.query_one(TopTable)
        await pilot.press("space")
        assert screen.paused and screen.has_class("-paused")
        frozen = table.column_text("samples")
        samples_then = screen.session.total_samples
        await wait_for(pilot, lambda: screen.session.total_samples > samples_then + 150)
        assert table.column_text("samples") == frozen
        await pilot.press("space")
        await wait_for(pilot, lambda: table.column_text("samples") != frozen)

        # Another pane in front: nothing is redrawn behind it; coming back catches up.
        await pilot.press("f2")
        hidden = table.column_text("samples")
        version = screen.session.version
        await wait_for(pilot, lambda: screen.session.version >= version + 2)
        assert table.column_text("samples") == hidden
        await pilot.press("f1")  # back: the feed builds a fresh view at once
        await wait_for(pilot, lambda: table.column_text("samples") != hidden, timeout=5)


async def test_window_sort_filter_and_thread_focus(target) -> None:
    app = WorkbenchApp(LaunchContext(mode="live", pid=target.pid))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shows_hot(app))
        screen = live(app)
        table = screen.query_one(TopTable)

        await pilot.press("w")
        assert screen.cumulative
        await wait_for(pilot, lambda: "all since attaching" in title(table))
        await pilot.press("w")
        assert not screen.cumulative
        await wait_for(pilot, lambda: "last 5 s" in title(table))

        await pilot.press("s")
        assert screen.sort == "total"
        await pilot.press("s")
        names = table.column_text("function")
        assert names == sorted(names, key=str.casefold)
        await pilot.press("s")
        assert screen.sort == "self"

        await pilot.press("slash")
        await pilot.press(*"spin")
        assert screen.filter_text == "spin"
        assert table.column_text("function") == [HOT]
        await pilot.press("escape")
        assert screen.filter_text == "" and len(table.column_text("function")) > 1

        # t cycles through the threads that ran, by name — each once, no empty rows.
        threads = screen.query_one(ThreadTable)
        await wait_for(pilot, lambda: MARKUP_THREAD in threads.column_text("thread"))
        await pilot.press("t")
        focused = screen.focused_thread
        assert isinstance(focused, int)
        await wait_for(pilot, lambda: "▶" in threads.column_text("focus"))
        row = threads.row_keys.index(str(focused))
        name = threads.column_text("thread")[row]
        assert name in ("MainThread", MARKUP_THREAD)
        await wait_for(pilot, lambda: f"thread {name}" in title(table))
        seen = [focused]
        while screen.focused_thread is not None and len(seen) <= len(threads.row_keys):
            await pilot.press("t")
            seen.append(screen.focused_thread)
        assert seen[-1] is None and len(set(seen)) == len(seen) == 3  # main, markup, all


async def test_snapshot_and_hand_offs_to_history_backlog_and_compare(
    target, tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    posted: list[Message] = []
    app = WorkbenchApp(LaunchContext(mode="live", pid=target.pid, db=tmp_path / "t.db"))
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await wait_for(pilot, lambda: shows_hot(app))
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: bool(list(tmp_path.glob("*.speedscope.json"))))
        await wait_for(pilot, lambda: not _running(app, "snapshot"))
        (saved,) = tmp_path.glob("*.speedscope.json")
        profile = read_profile(saved)
        assert HOT in {frame.function for frame in profile.frames}
        assert profile.total_weight > 0 and profile.meta.pid == target.pid

        selected = live(app).query_one(TopTable).selected_key
        await pilot.press("h")
        (history,) = of_kind(posted, HistoryRequested)
        assert history.function == selected
        await app.switch_mode("live")
        await pilot.press("b")
        await wait_for(pilot, lambda: bool(of_kind(posted, BacklogItemRequested)))
        (item,) = of_kind(posted, BacklogItemRequested)
        assert item.function == selected and item.profile is not None and item.profile.is_file()
        await app.switch_mode("live")
        await pilot.press("c", "2")  # to Compare, as the branch
        await wait_for(pilot, lambda: bool(of_kind(posted, CompareProfileChosen)))
        (chosen,) = of_kind(posted, CompareProfileChosen)
        assert chosen.role == "branch"
        assert chosen.path.parent == tmp_path / ".workbench" / "snapshots"
        assert HOT in {frame.function for frame in read_profile(chosen.path).frames}
        await wait_for(pilot, lambda: app.current_mode == "compare")


async def test_target_exit_keeps_data_and_says_so(own_target) -> None:
    target = own_target
    app = WorkbenchApp(LaunchContext(mode="live", pid=target.pid))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shows_hot(app))
        screen = live(app)
        target.send_signal(signal.SIGKILL)
        target.wait()
        await wait_for(pilot, lambda: screen.has_class("-exited"))
        assert "target exited" in str(screen.query_one(StatusLine).render())
        assert screen.cumulative and shows_hot(app)
        assert screen.session.total_samples > 0


async def test_run_launches_command_and_stops_it_on_quit(target_script) -> None:
    app = WorkbenchApp(LaunchContext(mode="live", command=[sys.executable, str(target_script)]))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shows_hot(app))
        launched = live(app).session.pid
        assert psutil.pid_exists(launched)
        await pilot.press("q")
    assert not psutil.pid_exists(launched) or psutil.Process(launched).status() == "zombie"


async def test_picker_filters_and_attaches(target) -> None:
    app = WorkbenchApp(LaunchContext(mode="live"))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, ProcessPickerDialog))
        picker = app.screen
        table = picker.query_one(KeyedTable)
        await wait_for(pilot, lambda: str(target.pid) in table.row_keys)
        await pilot.press(*str(target.pid))
        assert table.row_keys == [str(target.pid)]
        await pilot.press("enter")
        await wait_for(pilot, lambda: shows_hot(app))
        assert live(app).session.pid == target.pid


async def test_unsampleable_pid_says_why(tmp_path) -> None:
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        app = WorkbenchApp(LaunchContext(mode="live", pid=sleeper.pid))
        async with app.run_test(size=SIZE) as pilot:
            screen = live(app)
            await wait_for(pilot, lambda: screen.has_class("-exited"))
            assert "not a Python process" in str(screen.query_one(StatusLine).render())
    finally:
        sleeper.kill()
        sleeper.wait()


def test_demo_workload_names_threads_and_exits_on_sigterm() -> None:
    demo = subprocess.Popen([sys.executable, str(data_dir() / "demo_workload.py")])
    try:
        pyspy = Path(sys.executable).with_name("py-spy")
        deadline = time.monotonic() + 60  # a loaded machine starts it slowly
        names: set[str] = set()
        wanted = {"request-worker-1", "request-worker-3", "cache-refresher", "io-waiter"}
        while not wanted <= names and time.monotonic() < deadline:
            dump = subprocess.run(
                [str(pyspy), "dump", "--pid", str(demo.pid)],
                capture_output=True,
                text=True,
                env={**os.environ, "RUST_BACKTRACE": "0"},
            )
            names = set(re.findall(r'^Thread .*?"(.*)"$', dump.stdout, re.MULTILINE))
        assert wanted <= names
        demo.send_signal(signal.SIGTERM)
        assert demo.wait(timeout=30) == 0
    finally:
        demo.kill()
        demo.wait()


@pytest.mark.parametrize(("choice", "said"), [(None, "austin: "), ("py-spy", "py-spy: ")])
async def test_status_line_names_the_sampler(target, choice: str | None, said: str) -> None:
    """austin by default (one stream, no gap between windows); ``--sampler py-spy`` chains
    py-spy runs. The autouse fixture checks that neither is left running after the app."""
    app = WorkbenchApp(LaunchContext(mode="live", pid=target.pid, sampler=choice))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: shows_hot(app))
        assert said in str(live(app).query_one(StatusLine).render())
        if choice is None:
            assert live(app).session.gap_seconds == 0

"""Helpers shared by the test packages: waiting on conditions, the real CLI, notices.

Import them from here (``from tests.helpers import settle``), never from a
conftest file: conftest modules are pytest's, loaded once per folder, and an
import from one runs its fixtures' module code a second time.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import pytest
from textual.message import Message
from textual.notifications import Notify
from textual.pilot import Pilot

from workbench.triage.model import Evidence, Item


async def settle(pilot: Pilot) -> None:
    """Wait until every worker is done and what they posted is handled.

    Handlers may start more workers (a write reloads the lists), so this waits
    until a round ends with nothing running.
    """
    app = pilot.app
    for _ in range(100):
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        if all(worker.is_finished for worker in app.workers):
            await pilot.pause()
            return
    raise AssertionError(f"workers still busy: {list(app.workers)}")


async def wait_for(pilot: Pilot, condition: Callable[[], object], timeout: float = 15.0) -> None:
    """Let the app run until ``condition()`` holds; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.1)


async def pane_complete(pilot: Pilot) -> None:
    """Wait until the pane on screen has mounted what it draws after its first frame
    (``PaneScreen.compose_rest``): its keys are off until then, for a test as for a user."""
    await wait_for(pilot, lambda: getattr(pilot.app.screen, "complete", True))


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll ``condition`` (outside an app) until it returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)


class Notices:
    """A ``message_hook`` for ``App.run_test`` that keeps every notification posted.

    ``App.notify`` posts a ``Notify`` message; reading them here needs none of
    the app's private state.
    """

    def __init__(self) -> None:
        self.posted: list[Notify] = []

    def __call__(self, message: Message) -> None:
        if isinstance(message, Notify):
            self.posted.append(message)

    def __len__(self) -> int:
        return len(self.posted)

    def __contains__(self, text: str) -> bool:
        """Whether ``text`` is in a notification's title or message."""
        return text in str(self)

    def __str__(self) -> str:
        return "\n".join(f"{n.notification.title}: {n.notification.message}" for n in self.posted)

    def clear(self) -> None:
        self.posted.clear()


#: Databases written by older versions of the store, for the migration tests.
TRIAGE_FIXTURES = Path(__file__).with_name("triage") / "fixtures"


def sample_item(title: str = "Quadratic join in merge_rows", **fields: object) -> Item:
    values: dict[str, object] = {
        "hypothesis": "nested loop over both inputs",
        "impact": 5,
        "effort": 2,
        "evidence": [Evidence("function", "shop/orders.py:merge_rows")],
    }
    values.update(fields)
    return Item(title=title, **values)


def checksum(path: Path) -> str:
    """Digest of the database file and any WAL beside it: "nothing changed" means equal."""
    digest = hashlib.sha256()
    for part in (path, path.with_name(path.name + "-wal")):
        if part.exists():
            digest.update(part.read_bytes())
    return digest.hexdigest()


#: Marks a test that runs py-spy on another process: skipped, with the reason,
#: where the kernel does not let py-spy read another process's memory.
needs_ptrace = pytest.mark.ptrace


@functools.cache
def ptrace_refusal() -> str | None:
    """Why py-spy cannot sample a process here, or None when it can.

    Asked once per test session, of py-spy itself: a ``py-spy dump`` of a
    sleeping child either works or says why not (no ``CAP_SYS_PTRACE`` in a
    container, ``kernel.yama.ptrace_scope``, a seccomp profile...).
    """
    from workbench.errors import SamplingError
    from workbench.sampling.pyspy_output import find_pyspy

    try:
        pyspy = find_pyspy()
    except SamplingError as error:
        return str(error)
    code = "import time; print('ready', flush=True); time.sleep(30)"
    target = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout is not None
        target.stdout.readline()
        dump = subprocess.run(
            [str(pyspy), "dump", "--pid", str(target.pid)],
            capture_output=True,
            text=True,
            timeout=30,
        )
    finally:
        target.kill()
        target.wait()
    if dump.returncode == 0:
        return None
    said = (dump.stderr or dump.stdout).strip().splitlines()
    return (
        f"py-spy may not read another process's memory here ({said[-1] if said else 'no output'}); "
        "run as root, add CAP_SYS_PTRACE or set kernel.yama.ptrace_scope=0 to run this test"
    )


def pyspy_children() -> list[int]:
    """py-spy processes started by this test process (directly or in their own session)."""
    import psutil

    me = psutil.Process()
    return [
        process.pid
        for process in psutil.process_iter(["name", "ppid"])
        if process.info["name"] == "py-spy" and process.info["ppid"] == me.pid
    ]


def skip_without_ptrace() -> None:
    """For fixtures that record with py-spy: skip the tests that use them, saying why."""
    why = ptrace_refusal()
    if why:
        pytest.skip(why)


def workbench(
    *args: object,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float = 120,
) -> subprocess.CompletedProcess[str]:
    """Run the real ``workbench`` CLI (``python -m workbench``) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=timeout,
        cwd=cwd,
        env=env,
    )


def cli(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The real ``workbench`` entry point in a subprocess."""
    return cli_in(None, *args, env=env)


def cli_in(
    cwd: Path | None, *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``workbench`` run from ``cwd`` (where the default database location is decided)."""
    return workbench(*args, cwd=cwd, env={**os.environ, "WORKBENCH_ACTOR": "tester", **(env or {})})


def run_main(capsys: pytest.CaptureFixture[str], *args: str | Path) -> tuple[int, str, str]:
    """``workbench.cli.main`` in this process (fast), with its exit code and output."""
    from workbench.cli import main

    code = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_collapsed(path: Path, stacks: dict[str, int]) -> Path:
    """A collapsed-stack profile (``frame;frame count`` lines), as py-spy writes them."""
    path.write_text("".join(f"{stack} {count}\n" for stack, count in stacks.items()))
    return path


def run_together(commands: list[list[str]], cwd: Path, timeout: float = 120) -> None:
    """Run real tools at once (captures of one workload by several profilers) and fail
    the test with the stderr of the first that fails."""
    import pytest

    processes = [
        subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
        for command in commands
    ]
    for command, process in zip(commands, processes, strict=True):
        _, stderr = process.communicate(timeout=timeout)
        if process.returncode != 0:
            pytest.fail(f"{command[:5]} failed ({process.returncode}): {stderr.decode()[-500:]}")


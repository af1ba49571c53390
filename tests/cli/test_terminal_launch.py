"""``workbench run`` and ``workbench attach`` as a user types them, in a real terminal.

The app is started by the real CLI inside tmux (a real pseudo-terminal, the
terminal a user has), on a workload the test owns; the test reads the screen
tmux holds, quits with ``q`` and checks what is left running: ``run`` ends the
command it launched, ``attach`` leaves the attached process alone, and no
py-spy outlives the app either way.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil
import pytest

from tests.helpers import needs_ptrace, wait_until

pytestmark = [
    pytest.mark.slow,
    needs_ptrace,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed"),
]

WORKLOAD = """\
import sys, time
def spin_{marker}():
    deadline = time.monotonic() + 0.05
    while time.monotonic() < deadline:
        pass
print("ready", flush=True)
while True:
    spin_{marker}()
"""


def tmux(*args: str) -> str:
    return subprocess.run(
        ["tmux", *args], capture_output=True, text=True, check=False, timeout=30
    ).stdout


@contextmanager
def terminal(command: list[str], cwd: Path) -> Iterator[str]:
    """A detached tmux session of 160×45 running ``command``; yields its name."""
    name = f"wb-{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "TERM": "xterm-256color"}
    subprocess.run(
        [
            "tmux",
            "new-session",
            "-d",
            "-s",
            name,
            "-x",
            "160",
            "-y",
            "45",
            "-c",
            str(cwd),
            shlex.join(command),
        ],
        check=True,
        env=env,
        timeout=30,
    )
    try:
        yield name
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True, check=False)


def screen(session: str) -> str:
    return tmux("capture-pane", "-p", "-t", session)


def session_ended(session: str) -> bool:
    return (
        subprocess.run(
            ["tmux", "has-session", "-t", session], capture_output=True, check=False
        ).returncode
        != 0
    )


def processes_running(marker: str) -> list[psutil.Process]:
    """Live processes whose command line names ``marker`` (zombies are finished)."""
    found = []
    for process in psutil.process_iter(["cmdline", "status"]):
        cmdline = " ".join(process.info["cmdline"] or [])
        if marker in cmdline and process.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(process)
    return found


def workload(tmp_path: Path) -> tuple[Path, str]:
    marker = uuid.uuid4().hex[:8]
    script = tmp_path / f"spin_{marker}.py"
    script.write_text(WORKLOAD.format(marker=marker))
    return script, marker


def _both(first: str, second: str, text: str) -> bool:
    return first in text and second in text


def workbench_argv(*args: str) -> list[str]:
    return [sys.executable, "-m", "workbench", *args]


def test_run_shows_the_command_live_and_q_ends_it(tmp_path: Path) -> None:
    script, marker = workload(tmp_path)
    command = workbench_argv("run", "--", sys.executable, str(script))
    with terminal(command, tmp_path) as session:
        # The command (spin_MARKER.py) is on the status line from the start ("attaching…"):
        # wait for one screen with the sampled view and the command's function.
        wait_until(lambda: _both("CPU view", f"spin_{marker}", screen(session)), timeout=90)
        tmux("send-keys", "-t", session, "q")
        wait_until(lambda: session_ended(session), timeout=30)
    wait_until(lambda: not processes_running(f"spin_{marker}"), timeout=10)
    assert not (tmp_path / ".workbench").exists()


@pytest.mark.parametrize("ending", ["terminal closed", "SIGTERM"])
def test_run_ends_its_command_when_the_terminal_closes_or_on_sigterm(
    tmp_path: Path, ending: str
) -> None:
    """A closed terminal (SIGHUP) or a SIGTERM quits the app as ``q`` does: neither the
    workbench nor the command it launched lives on."""
    script, marker = workload(tmp_path)
    command = workbench_argv("run", "--", sys.executable, str(script))
    with terminal(command, tmp_path) as session:
        wait_until(lambda: _both("CPU view", f"spin_{marker}", screen(session)), timeout=90)
        (app,) = [p for p in processes_running(f"spin_{marker}") if "workbench" in p.cmdline()]
        if ending == "SIGTERM":
            app.terminate()
        else:
            tmux("kill-session", "-t", session)
        app.wait(timeout=30)  # not our child: psutil waits for its end, not its status
    wait_until(lambda: not processes_running(f"spin_{marker}"), timeout=10)


def test_attach_samples_a_pid_and_q_leaves_it_running(tmp_path: Path) -> None:
    script, marker = workload(tmp_path)
    target = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert target.stdout is not None and target.stdout.readline() == "ready\n"
        command = workbench_argv("attach", str(target.pid))
        with terminal(command, tmp_path) as session:
            wait_until(lambda: f"spin_{marker}" in screen(session), timeout=90)
            assert str(target.pid) in screen(session)
            tmux("send-keys", "-t", session, "q")
            wait_until(lambda: session_ended(session), timeout=30)
        assert target.poll() is None, "attach must not end the process it sampled"
        wait_until(
            lambda: not [p for p in processes_running(str(target.pid)) if p.name() == "py-spy"],
            timeout=10,
        )
    finally:
        target.kill()
        target.wait()


def test_demo_opens_live_then_every_pane_has_data(tmp_path: Path) -> None:
    """The README's first command: the bundled service sampled live, the demo cycle on
    F5; q ends the service and removes the demo's temporary folder."""
    with terminal(workbench_argv("demo"), tmp_path) as session:
        wait_until(lambda: "handle_request" in screen(session), timeout=90)
        assert "CPU view" in screen(session)
        tmux("send-keys", "-t", session, "F5")
        wait_until(lambda: "baseline FAIL → after PASS" in screen(session), timeout=30)
        backlog = next(word for word in screen(session).split() if "workbench-demo-" in word)
        folder = Path(backlog).parent
        assert folder.is_dir()
        tmux("send-keys", "-t", session, "q")
        wait_until(lambda: session_ended(session), timeout=30)
    wait_until(lambda: not processes_running(str(folder)), timeout=10)
    assert not folder.exists()

"""Finding targets and refusing bad ones with the real cause (real processes)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.helpers import wait_until
from workbench.cli import main
from workbench.errors import SamplingError
from workbench.sampling.processes import (
    check_target,
    launch_target,
    list_python_processes,
    stop_target,
    wait_for_python,
)
from workbench.sampling.pyspy_output import find_pyspy


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_ps_lists_a_spawned_python_process(spawn, capsys) -> None:
    target = spawn(None, "30")
    assert main(["ps", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    row = next(row for row in rows if row["pid"] == target.pid)
    assert row["threads"] >= 2
    assert row["rss_bytes"] > 0
    assert any(arg.endswith(".py") for arg in row["cmdline"])
    assert main(["ps"]) == 0
    text = capsys.readouterr().out
    assert text.splitlines()[0].split()[:4] == ["PID", "CPU%", "RSS", "THREADS"]
    assert any(line.split()[0] == str(target.pid) for line in text.splitlines()[1:])


def test_list_excludes_non_python(spawn) -> None:
    sleeper = spawn(argv=["sleep", "30"], ready=False)
    assert sleeper.pid not in {info.pid for info in list_python_processes()}


def test_check_target_describes_a_python_process(spawn) -> None:
    target = spawn(None, "30")
    info = check_target(target.pid)
    assert info.is_python and info.pid == target.pid and info.threads >= 2


@pytest.mark.parametrize("command", ["record", "attach"])
def test_dead_pid_is_one_line_exit_2(command, capsys) -> None:
    pid = dead_pid()
    argv = [command, str(pid)] + (["--duration", "1"] if command == "record" else [])
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert (
        err.strip()
        == f"workbench: error: no process with PID {pid} (it may have exited); see `workbench ps`"
    )


def test_non_python_pid_says_so(spawn, capsys) -> None:
    sleeper = spawn(argv=["sleep", "30"], ready=False)
    assert main(["record", str(sleeper.pid), "--duration", "1"]) == 2
    err = capsys.readouterr().err
    assert "not a Python process" in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


def test_shell_wrapper_suggests_its_python_child(spawn, tmp_path) -> None:
    script = tmp_path / "child.py"
    script.write_text("import time\nprint('ready', flush=True)\ntime.sleep(30)\n")
    wrapper = spawn(argv=["sh", "-c", f"{sys.executable} {script}; echo done"])
    with pytest.raises(SamplingError) as caught:
        check_target(wrapper.pid)
    child = wait_for_python(wrapper.pid).pid
    assert child != wrapper.pid
    assert f"use PID {child}" in str(caught.value)


def test_launch_then_wait_for_python_and_stop(tmp_path) -> None:
    script = tmp_path / "launched.py"
    script.write_text("import time\ntime.sleep(30)\n")
    process = launch_target([sys.executable, str(script)])
    try:
        info = wait_for_python(process.pid)
        assert info.pid == process.pid and info.is_python
    finally:
        stop_target(process)
    assert process.poll() is not None


def test_launch_of_a_missing_command_is_a_sampling_error() -> None:
    with pytest.raises(SamplingError, match="command not found"):
        launch_target(["no-such-command-for-workbench"])


def test_wait_for_python_reports_an_early_exit() -> None:
    process = launch_target([sys.executable, "-c", "pass"])
    wait_until(lambda: process.poll() is not None)
    with pytest.raises(SamplingError, match="exited"):
        wait_for_python(process.pid, timeout=2)


def test_permission_denied_names_the_fix(spawn) -> None:
    """A non-root user cannot read a root process: the message says what to do."""
    target = spawn(None, "30")
    read, write = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked child
        os.close(read)
        os.setgid(65534)
        os.setuid(65534)
        try:
            check_target(target.pid)
            message = "no error"
        except SamplingError as error:
            message = str(error)
        os.write(write, message.encode())
        os._exit(0)
    os.close(write)
    with os.fdopen(read) as pipe:
        message = pipe.read()
    os.waitpid(child, 0)
    assert message.startswith(f"permission denied reading the memory of process {target.pid}")
    assert "run as root" in message


def test_missing_pyspy_says_how_to_install(monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SamplingError, match="pip install py-spy"):
        find_pyspy()


def test_run_without_a_runnable_command_exits_2_before_any_ui(capsys) -> None:
    assert main(["run", "--", "no-such-command-for-workbench"]) == 2
    assert "command not found" in capsys.readouterr().err
    assert main(["run"]) == 2
    assert "no command given" in capsys.readouterr().err

"""``workbench record`` end to end: real py-spy on real targets."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import psutil
import pytest

from tests.helpers import needs_ptrace, pyspy_children, wait_until, workbench
from workbench.cli import main
from workbench.profiles.io import read_profile
from workbench.profiles.model import Profile

pytestmark = needs_ptrace

SHORT_LIVED = """
import time

def spin_until_exit():
    end = time.monotonic() + 3
    while time.monotonic() < end:
        pass

print("ready", flush=True)
spin_until_exit()
"""


def self_share(profile: Profile, function: str) -> float:
    """Share of all samples whose leaf frame is ``function``."""
    hot = sum(
        weight
        for ids, weight, _ in profile.stacks()
        if profile.frames[ids[-1]].function == function
    )
    return hot / profile.total_weight


def top_leaf(profile: Profile) -> str:
    """The function with the most self samples."""
    leaves: Counter[str] = Counter()
    for ids, weight, _ in profile.stacks():
        leaves[profile.frames[ids[-1]].function] += weight
    return leaves.most_common(1)[0][0]


def test_record_finds_the_hot_function(spawn, tmp_path: Path, capsys) -> None:
    target = spawn(None, "30")
    out = tmp_path / "hot.speedscope.json"
    assert main(["record", str(target.pid), "--duration", "2", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {out}" in captured.out
    assert "blocking" in captured.err  # the mode and why
    profile = read_profile(out)
    assert top_leaf(profile) == "crunch_numbers"
    assert self_share(profile, "crunch_numbers") > 0.4
    assert profile.meta.pid == target.pid
    assert profile.meta.rate == 100
    assert profile.meta.view == "cpu" and profile.meta.unit == "seconds"
    assert profile.total_weight > 0.1  # CPU seconds of a busy thread over 2 s (loaded machine)
    assert 1.0 < (profile.meta.duration or 0) < 4.0
    assert (
        any("napper" in label for label in profile.meta.threads) or len(profile.meta.threads) >= 1
    )
    assert pyspy_children() == []


def test_record_keeps_a_partial_capture_when_the_target_exits(
    spawn, tmp_path: Path, capsys
) -> None:
    target = spawn(SHORT_LIVED)
    out = tmp_path / "partial.txt"
    code = main(["record", str(target.pid), "--duration", "8", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"process {target.pid} exited after" in err and "partial profile is kept" in err
    profile = read_profile(out)  # .txt: collapsed
    assert profile.meta.format == "collapsed"
    assert self_share(profile, "spin_until_exit") > 0.5
    assert (profile.meta.duration or 0) < 6.0


def test_record_default_file_name(spawn, tmp_path: Path, monkeypatch, capsys) -> None:
    target = spawn(None, "30")
    monkeypatch.chdir(tmp_path)
    assert main(["record", str(target.pid), "-d", "1", "--format", "collapsed"]) == 0
    written = list(tmp_path.glob(f"profile-{target.pid}-*.collapsed.txt"))
    assert len(written) == 1
    assert read_profile(written[0]).total_weight > 0


@pytest.mark.parametrize("where", ["folder", "below a file"])
def test_a_bad_output_path_is_refused_before_sampling(spawn, tmp_path: Path, where) -> None:
    target = spawn(None, "30")
    (tmp_path / "file.txt").write_text("x")
    out = tmp_path if where == "folder" else tmp_path / "file.txt" / "out.json"
    started = time.monotonic()
    result = workbench("record", target.pid, "-d", "20", "-o", out)
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
    assert str(out) in result.stderr
    assert time.monotonic() - started < 15  # refused at once, not after the 20 s asked
    assert "sampling PID" not in result.stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_stop_signal_keeps_the_samples_and_leaves_no_pyspy(spawn, tmp_path: Path, sig) -> None:
    target = spawn(None, "60")
    out = tmp_path / "stopped.speedscope.json"
    workbench = subprocess.Popen(
        [sys.executable, "-m", "workbench", "record", str(target.pid), "-d", "30", "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pyspy = wait_until(lambda: pyspy_of(workbench.pid), timeout=20)
    time.sleep(1.5)  # let py-spy take samples: a stop must keep them
    workbench.send_signal(sig)
    stdout, stderr = workbench.communicate(timeout=20)
    assert workbench.returncode == 0, stderr
    assert f"stopped by {signal.Signals(sig).name}" in stderr
    profile = read_profile(out)
    assert profile.meta.view == "cpu" and profile.total_weight > 0
    # The printed tick count is what was taken, not rate x the 30 s asked.
    ticks = int(re.search(r"in (\d+) ticks", stdout).group(1))
    assert 50 <= ticks < 30 * 100 / 2
    assert (profile.meta.duration or 0) < 15
    wait_until(lambda: not any(psutil.pid_exists(pid) for pid in pyspy), timeout=10)


def test_py_spy_dies_with_a_killed_workbench(spawn) -> None:
    target = spawn(None, "60")
    workbench = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workbench",
            "record",
            str(target.pid),
            "-d",
            "30",
            "-o",
            os.devnull,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    pyspy = wait_until(lambda: pyspy_of(workbench.pid), timeout=20)
    workbench.kill()
    workbench.wait()
    wait_until(lambda: not any(_alive(pid) for pid in pyspy), timeout=10)


def pyspy_of(pid: int) -> list[int]:
    """py-spy processes below ``pid`` (they run in their own session, still its children)."""
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []
    return [child.pid for child in children if _name(child) == "py-spy"]


def _name(process: psutil.Process) -> str:
    try:
        return process.name()
    except psutil.Error:
        return ""


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def test_attach_to_the_shell_that_runs_us_does_not_suggest_ourselves(tmp_path: Path) -> None:
    result = subprocess.run(
        ["sh", "-c", f'exec_me() {{ "{sys.executable}" -m workbench attach $$; }}; exec_me'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "is not a Python process" in result.stderr
    assert "use PID" not in result.stderr

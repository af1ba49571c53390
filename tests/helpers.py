"""Helpers shared by tests of several packages."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from pathlib import Path


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


def wait_until(condition: Callable[[], object], timeout: float = 10.0) -> object:
    """Poll ``condition`` until it returns something truthy; fail after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s")
        time.sleep(0.05)

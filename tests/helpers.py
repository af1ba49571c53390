"""Helpers shared by tests of several packages."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path


def workbench(
    *args: object, cwd: Path | None = None, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real ``workbench`` CLI (``python -m workbench``) and capture its output."""
    return subprocess.run(
        [sys.executable, "-m", "workbench", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=120,
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

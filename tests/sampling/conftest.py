"""Real Python targets for the sampling tests: spawned here, killed at teardown."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import psutil
import pytest

#: A CPU-bound main thread whose self time is all in ``crunch_numbers``, plus a
#: named thread that mostly sleeps; prints ``ready`` once both run.
HOT_TARGET = """
import sys, threading, time

def crunch_numbers():
    total = 0
    for i in range(200_000):
        total += i * i
    return total

def napper():
    while True:
        time.sleep(0.05)

threading.Thread(target=napper, name="napper", daemon=True).start()
print("ready", flush=True)
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    crunch_numbers()
"""


@pytest.fixture
def spawn(tmp_path: Path) -> Iterator[Callable[..., subprocess.Popen[str]]]:
    """Start ``python SCRIPT ARGS`` (or any argv) and wait for its ``ready`` line."""
    started: list[subprocess.Popen[str]] = []

    def start(
        source: str | None = None, *args: str, argv: list[str] | None = None, ready: bool = True
    ) -> subprocess.Popen[str]:
        if argv is None:
            script = tmp_path / f"target_{len(started)}.py"
            script.write_text(textwrap.dedent(source or HOT_TARGET))
            argv = [sys.executable, str(script), *args]
        process = subprocess.Popen(argv, stdout=subprocess.PIPE, text=True)
        started.append(process)
        if ready:
            assert process.stdout is not None
            assert process.stdout.readline().strip() == "ready"
        return process

    yield start
    for process in started:
        for child in _descendants(process.pid):
            child.kill()
        process.kill()
        process.wait()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.Error:
        return []

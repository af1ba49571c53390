"""Real profiles of a real Python program, captured once per test session.

A small workload (a hot function in the main thread, a mild one in a named
background thread) runs under real ``py-spy record`` in every output flavour
the readers must understand, and under real ``pyinstrument``. All captures run
at the same time, once per session: ``conftest.py`` makes them the
``real_profiles`` fixture.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from tests.helpers import run_together

#: Function that burns most of the main thread's CPU.
HOT_FUNCTION = "hot_inner"
#: Function the background thread runs (every one of its stacks), and that thread's name.
BACKGROUND_FUNCTION = "background"
BACKGROUND_THREAD = "bg-worker"
#: py-spy samples per second in every capture.
RATE = 200
#: Seconds the workload runs per capture.
SECONDS = 1.5

WORKLOAD = """
import sys
import threading
import time


def hot_inner(n):
    total = 0
    for i in range(n):
        total += i * i
    return total


def mild(n):
    return sum(range(n))


def background(stop):
    while not stop.is_set():
        mild(5000)
        time.sleep(0.005)


def main(seconds):
    stop = threading.Event()
    worker = threading.Thread(target=background, args=(stop,), name="bg-worker")
    worker.start()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        hot_inner(20000)
    stop.set()
    worker.join()


main(float(sys.argv[1]))
"""


@dataclass(frozen=True)
class RealProfiles:
    """Paths of the captures of the workload, one per tool and flavour."""

    workload: Path
    raw: Path
    """``py-spy record --format raw``: collapsed, with line numbers, no thread frames."""
    raw_threads: Path
    """``--format raw --threads``: ``thread (TID): name`` root frames."""
    raw_nolineno: Path
    """``--format raw --nolineno``: frames ``func (file)``."""
    speedscope: Path
    """``--format speedscope``: one sampled profile per thread."""
    speedscope_threads: Path
    """``--format speedscope --threads --idle``: ``thread (TID): name`` root frames too."""
    pyinstrument_json: Path
    """``pyinstrument -r json``: the frame tree."""
    pyinstrument_session: Path
    """``pyinstrument -r pyisession``: the raw session."""
    pyinstrument_speedscope: Path
    """``pyinstrument -r speedscope``: an *evented* speedscope profile."""


def _py_spy() -> str:
    return str(Path(sys.executable).with_name("py-spy"))


def capture(folder: Path) -> RealProfiles:
    """Capture the workload under py-spy (five ways) and pyinstrument (three ways), in parallel."""
    workload = folder / "workload.py"
    workload.write_text(WORKLOAD)
    run = [sys.executable, str(workload), str(SECONDS)]
    profiles = RealProfiles(
        workload=workload,
        raw=folder / "raw.txt",
        raw_threads=folder / "raw_threads.txt",
        raw_nolineno=folder / "raw_nolineno.txt",
        speedscope=folder / "speedscope.json",
        speedscope_threads=folder / "speedscope_threads.json",
        pyinstrument_json=folder / "pyinstrument.json",
        pyinstrument_session=folder / "session.pyisession",
        pyinstrument_speedscope=folder / "pyinstrument_speedscope.json",
    )
    spy = [_py_spy(), "record", "--rate", str(RATE)]
    pyinstrument = [sys.executable, "-m", "pyinstrument"]
    commands = [
        [*spy, "--format", "raw", "-o", str(profiles.raw), "--", *run],
        [*spy, "--format", "raw", "--threads", "-o", str(profiles.raw_threads), "--", *run],
        [*spy, "--format", "raw", "--nolineno", "-o", str(profiles.raw_nolineno), "--", *run],
        [*spy, "--format", "speedscope", "-o", str(profiles.speedscope), "--", *run],
        [
            *spy,
            *("--format", "speedscope", "--threads", "--idle"),
            *("-o", str(profiles.speedscope_threads), "--", *run),
        ],
        [*pyinstrument, "-r", "json", "-o", str(profiles.pyinstrument_json), *run[1:]],
        [*pyinstrument, "-r", "pyisession", "-o", str(profiles.pyinstrument_session), *run[1:]],
        [*pyinstrument, "-r", "speedscope", "-o", str(profiles.pyinstrument_speedscope), *run[1:]],
    ]
    run_together(commands, cwd=folder, timeout=60)
    return profiles

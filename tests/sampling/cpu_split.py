"""A target with a known CPU split, and the kernel's own count of it, for the CPU-view tests.

Threads: ``busy-python`` (pure Python, holds the GIL), ``zlib`` (compresses
4 MiB buffers: C code that releases the GIL), three ``sleeper`` threads in
``time.sleep(0.02)`` loops, ``lock-waiter`` blocked on a lock, ``select-waiter``
in ``select``, and the main thread sleeping. Each idle thread has a function
of its own, so a function's share is its thread's share.

The kernel's count is read here with psutil (``/proc/PID/task/TID/stat``),
not with the workbench's reader, so the tests compare against an
independent measurement. A target launched by the workbench (``record --
CMD``) is gone when the test could read it, so it reads itself at its end,
threads still alive, and writes that with the thread names to the file
given as its second argument (:func:`launched_split`).
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

from workbench.profiles.model import Profile
from workbench.sampling.calibrate import label_tid

SPLIT_TARGET = """
import json, os, select, socket, sys, threading, time, zlib

def busy_python():
    while True:
        total = 0
        for i in range(100_000):
            total += i * i

def compress_loop():
    data = os.urandom(1 << 20) * 4
    while True:
        zlib.compress(data, 6)

def sleeper():
    while True:
        time.sleep(0.02)

def lock_waiter(lock):
    lock.acquire()

def select_waiter(sock):
    while True:
        select.select([sock], [], [], 1.0)

lock = threading.Lock()
lock.acquire()
a, b = socket.socketpair()
threads = [
    threading.Thread(target=busy_python, name="busy-python", daemon=True),
    threading.Thread(target=compress_loop, name="zlib", daemon=True),
    *(threading.Thread(target=sleeper, name=f"sleeper-{n}", daemon=True) for n in range(3)),
    threading.Thread(target=lock_waiter, args=(lock,), name="lock-waiter", daemon=True),
    threading.Thread(target=select_waiter, args=(a,), name="select-waiter", daemon=True),
]
for thread in threads:
    thread.start()
names = {thread.native_id: thread.name for thread in threads}
names[threading.main_thread().native_id] = "MainThread"
if len(sys.argv) == 2:
    print(json.dumps(names), flush=True)
deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    time.sleep(0.5)
if len(sys.argv) == 3:
    import psutil
    cpu = {t.id: t.user_time + t.system_time for t in psutil.Process().threads()}
    with open(sys.argv[2], "w") as out:
        json.dump({"names": names, "cpu": cpu}, out)
"""
BUSY = ("busy-python", "zlib")
IDLE = ("sleeper-0", "sleeper-1", "sleeper-2", "lock-waiter", "select-waiter", "MainThread")
#: A launched target's main thread starts the interpreter and imports while sampled:
#: real CPU, judged against the kernel like the busy threads.
LAUNCHED_BUSY = (*BUSY, "MainThread")
LAUNCHED_IDLE = IDLE[:-1]
#: Points a busy thread's share may differ from the kernel's (the issue's bar).
TOLERANCE = 5.0
#: Percent of the view an idle thread's functions may hold.
IDLE_CEILING = 1.0


@contextmanager
def split_target(folder: Path, seconds: float = 120) -> Iterator[tuple[int, dict[int, str]]]:
    """Run the target; yield its PID and TID -> thread name. Killed on exit."""
    script = folder / "cpu_split_target.py"
    script.write_text(SPLIT_TARGET)
    process = subprocess.Popen(
        [sys.executable, str(script), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        names = {int(tid): name for tid, name in json.loads(process.stdout.readline()).items()}
        yield process.pid, names
    finally:
        process.kill()
        process.wait()


def launched_split(folder: Path, seconds: float) -> tuple[list[str], Path]:
    """The target as a command to launch, and the file where it writes, at its end, the
    kernel's CPU per thread (``{"names": {TID: name}, "cpu": {TID: seconds}}``)."""
    script = folder / "cpu_split_target.py"
    script.write_text(SPLIT_TARGET)
    report = folder / "kernel.json"
    return [sys.executable, str(script), str(seconds), str(report)], report


def read_launched(report: Path) -> tuple[dict[int, float], dict[int, str]]:
    """The kernel's percent of the process's CPU per thread, and the thread names."""
    found = json.loads(report.read_text())
    names = {int(tid): name for tid, name in found["names"].items()}
    return kernel_shares({}, {int(tid): cpu for tid, cpu in found["cpu"].items()}), names


def kernel_cpu(pid: int) -> dict[int, float]:
    """TID -> user+system CPU seconds, as psutil reads them from the kernel."""
    return {
        thread.id: thread.user_time + thread.system_time for thread in psutil.Process(pid).threads()
    }


def kernel_shares(before: dict[int, float], after: dict[int, float]) -> dict[int, float]:
    """Percent of the process's CPU each thread used between two readings."""
    used = {tid: after[tid] - before.get(tid, 0.0) for tid in after}
    total = sum(used.values())
    return {tid: 100.0 * seconds / total for tid, seconds in used.items()} if total else {}


def thread_shares(profile: Profile) -> dict[int, float]:
    """Percent of ``profile``'s weight on each thread (by the TID in its label)."""
    totals: dict[int, float] = {}
    for _, weight, thread in profile.stacks():
        tid = label_tid(profile.meta.threads[thread]) if thread >= 0 else None
        if tid is not None:
            totals[tid] = totals.get(tid, 0.0) + weight
    whole = profile.total_weight
    return {tid: 100.0 * weight / whole for tid, weight in totals.items()} if whole else {}


def check_split(
    measured: dict[int, float],
    kernel: dict[int, float],
    names: dict[int, str],
    busy: tuple[str, ...] = BUSY,
    idle: tuple[str, ...] = IDLE,
) -> list[str]:
    """What breaks the bar, one line each: busy threads off by more than
    :data:`TOLERANCE` points, idle threads above :data:`IDLE_CEILING` percent."""
    problems = []
    for tid, name in names.items():
        shown = measured.get(tid, 0.0)
        if name in busy and abs(shown - kernel.get(tid, 0.0)) > TOLERANCE:
            problems.append(f"{name}: {shown:.1f}% shown, kernel {kernel.get(tid, 0.0):.1f}%")
        if name in idle and shown > IDLE_CEILING:
            problems.append(f"{name} (idle): {shown:.2f}% shown")
    return problems

"""Per-thread CPU time from the kernel: what the calibrated CPU view weighs stacks by.

A :class:`CpuReading` is one look at ``/proc``: for each thread of the
processes asked about, its cumulative on-CPU time from
``/proc/PID/task/TID/schedstat`` (nanoseconds, exact; ``stat``'s
``utime+stime`` in clock ticks where schedstat is missing) and the time it
waited, runnable, for a core (schedstat's second field: a busy machine's
mark), and for each process its own total from ``/proc/PID/stat``, which
also counts threads that have exited. Two readings around a sampling window
give what each thread ran in it (:func:`workbench.sampling.calibrate.window_cpu`).

Cost: one small file read per thread per reading, and one per process — the
budget the calibration is allowed (one ``/proc`` read per thread per window).
No psutil here: ``Process.threads()`` reads the same files but parses more of
them, and is only precise to a clock tick.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["CpuReading", "read_cpu"]

_TICK = 1.0 / os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 0.01


@dataclass(frozen=True)
class CpuReading:
    """Cumulative CPU seconds of each thread and process at one instant."""

    time: float
    """``time.monotonic()`` of the reading."""
    threads: Mapping[int, float] = field(default_factory=dict)
    """TID -> on-CPU seconds since the thread started (live threads only)."""
    processes: Mapping[int, float] = field(default_factory=dict)
    """PID -> on-CPU seconds of the whole process, its exited threads included."""
    waiting: Mapping[int, float] = field(default_factory=dict)
    """TID -> seconds it was runnable but waited for a core (absent when unknown)."""


def read_cpu(pids: Iterable[int]) -> CpuReading:
    """Read every thread of ``pids`` now. A process that is gone is left out, not an error."""
    threads: dict[int, float] = {}
    waiting: dict[int, float] = {}
    processes: dict[int, float] = {}
    for pid in pids:
        total = _process_seconds(pid)
        if total is None:
            continue
        processes[pid] = total
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for name in tids:
            found = _thread_seconds(pid, name)
            if found is not None:
                threads[int(name)] = found[0]
                if found[1] is not None:
                    waiting[int(name)] = found[1]
    return CpuReading(time.monotonic(), threads, processes, waiting)


def _thread_seconds(pid: int, tid: str) -> tuple[float, float | None] | None:
    """On-CPU and run-queue seconds of one thread; None when it has just exited."""
    try:
        with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as handle:
            ran, waited = handle.read().split()[:2]
        return int(ran) / 1e9, int(waited) / 1e9
    except FileNotFoundError:
        if not os.path.isdir(f"/proc/{pid}/task/{tid}"):
            return None
    except (OSError, ValueError):
        return None
    seconds = _stat_seconds(f"/proc/{pid}/task/{tid}/stat")  # a kernel without schedstats
    return (seconds, None) if seconds is not None else None


def _process_seconds(pid: int) -> float | None:
    return _stat_seconds(f"/proc/{pid}/stat")


def _stat_seconds(path: str) -> float | None:
    """``utime + stime`` of a ``stat`` file, in seconds (fields 14 and 15)."""
    try:
        with open(path, "rb") as handle:
            text = handle.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = text[text.rfind(b")") + 2 :].split()
    try:
        return (int(fields[11]) + int(fields[12])) * _TICK
    except (IndexError, ValueError):
        return None

"""Process metrics from psutil, read about once a second by the caller.

Kept apart from the stack sampler: psutil reads ``/proc`` and never pauses the
target, so these figures stay honest even when py-spy falls behind.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import psutil

from workbench.errors import SamplingError

__all__ = ["MetricsReader", "MetricsSample"]


@dataclass(frozen=True)
class MetricsSample:
    """One reading of the target (plus its children when asked)."""

    time: float
    """``time.monotonic()`` when read."""
    cpu_percent: float
    """Percent of one core since the previous read (can exceed 100 with threads)."""
    rss_bytes: int
    threads: int
    open_files: int
    """Regular files open (psutil ``open_files``); 0 when not permitted."""
    fds: int
    """File descriptors of every kind (files, sockets, pipes)."""
    io_read_bytes: int
    """Cumulative bytes read since process start (storage layer); 0 when unknown."""
    io_write_bytes: int
    ctx_switches: int
    """Cumulative context switches of all its threads: the times they were put on a CPU
    (``/proc/PID/task/*/schedstat``; psutil's count covers the main thread only)."""
    io_read_chars: int = 0
    """Cumulative bytes passed to ``read``-like calls: files (cached or not), sockets,
    pipes — what "I/O" means to a service; 0 when unknown."""
    io_write_chars: int = 0


class MetricsReader:
    """Reads :class:`MetricsSample` for one PID; call :meth:`read` at ~1 Hz.

    With ``include_children`` the figures are summed over the process and all
    its live descendants (``--subprocesses``). Not thread-safe: one reader per
    worker.
    """

    def __init__(self, pid: int, include_children: bool = False) -> None:
        self.pid = pid
        self.include_children = include_children
        try:
            self._process = psutil.Process(pid)
        except psutil.NoSuchProcess:
            raise SamplingError(f"no process with PID {pid} (it may have exited)") from None
        self._known: dict[int, psutil.Process] = {pid: self._process}
        """Processes by PID, kept so ``cpu_percent`` measures from the previous read."""
        self._process.cpu_percent(None)

    def read(self) -> MetricsSample:
        """Read now. Raises :class:`~workbench.errors.SamplingError` once the target is gone.

        CPU % is over the time since the previous read (or since the reader
        was made, for the first read).
        """
        try:
            if self._process.status() == psutil.STATUS_ZOMBIE:
                raise psutil.NoSuchProcess(self.pid)
            processes = [self._process]
            if self.include_children:
                processes += self._children()
        except psutil.NoSuchProcess:
            raise SamplingError(f"process {self.pid} has exited") from None
        totals = [0.0, 0, 0, 0, 0, 0, 0, 0, 0, 0]
        for process in processes:
            try:
                figures = _figures(process)
            except psutil.NoSuchProcess:
                if process is self._process:
                    raise SamplingError(f"process {self.pid} has exited") from None
                continue  # a child ended between listing and reading
            totals = [a + b for a, b in zip(totals, figures, strict=True)]
        cpu, rss, threads, files, fds, read_bytes, write_bytes, switches, rchars, wchars = totals
        return MetricsSample(
            time=time.monotonic(),
            cpu_percent=float(cpu),
            rss_bytes=int(rss),
            threads=int(threads),
            open_files=int(files),
            fds=int(fds),
            io_read_bytes=int(read_bytes),
            io_write_bytes=int(write_bytes),
            ctx_switches=int(switches),
            io_read_chars=int(rchars),
            io_write_chars=int(wchars),
        )

    def _children(self) -> list[psutil.Process]:
        """Live descendants, reusing known ``Process`` objects so CPU % has a baseline."""
        current = {}
        for child in self._process.children(recursive=True):
            known = self._known.get(child.pid)
            if known is None:
                known = child
                child.cpu_percent(None)  # first sight: counts from the next read
            current[child.pid] = known
        self._known = {self.pid: self._process, **current}
        return list(current.values())


def _figures(
    process: psutil.Process,
) -> tuple[float, int, int, int, int, int, int, int, int, int]:
    """CPU %, RSS, threads, open files, FDs, I/O bytes read/written, context switches,
    bytes through read/write calls."""
    with process.oneshot():
        cpu = process.cpu_percent(None)
        rss = process.memory_info().rss
        threads = process.num_threads()
        switches = _thread_switches(process.pid)
        if switches is None:
            switches = sum(process.num_ctx_switches())
        try:
            files = len(process.open_files())
            fds = process.num_fds()
        except (psutil.AccessDenied, AttributeError):
            files = fds = 0
        try:
            io = process.io_counters()
            read_bytes, write_bytes = io.read_bytes, io.write_bytes
            rchars = getattr(io, "read_chars", read_bytes)
            wchars = getattr(io, "write_chars", write_bytes)
        except (psutil.AccessDenied, AttributeError):
            read_bytes = write_bytes = rchars = wchars = 0
    return cpu, rss, threads, files, fds, read_bytes, write_bytes, switches, rchars, wchars


def _thread_switches(pid: int) -> int | None:
    """Times any thread of ``pid`` was scheduled onto a CPU (schedstat's third field)."""
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    total, read = 0, False
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat", "rb") as handle:
                total += int(handle.read().split()[2])
        except (OSError, ValueError, IndexError):
            continue  # a thread that just ended
        read = True
    return total if read else None

"""Process metrics from psutil, read about once a second by the caller.

Kept apart from the stack sampler: psutil reads ``/proc`` and never pauses the
target, so these figures stay honest even when py-spy falls behind.
"""

from __future__ import annotations

from dataclasses import dataclass

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
    """Cumulative voluntary + involuntary context switches."""


class MetricsReader:
    """Reads :class:`MetricsSample` for one PID; call :meth:`read` at ~1 Hz.

    With ``include_children`` the figures are summed over the process and all
    its live descendants (``--subprocesses``). Not thread-safe: one reader per
    worker.
    """

    def __init__(self, pid: int, include_children: bool = False) -> None:
        self.pid = pid
        self.include_children = include_children

    def read(self) -> MetricsSample:
        """Read now. Raises :class:`~workbench.errors.SamplingError` once the target is gone."""
        raise NotImplementedError



"""Per-thread CPU of a launched command, for its calibrated CPU view.

``workbench record PID`` reads every thread's CPU before and after its one
py-spy run (:mod:`~workbench.sampling.recording`). A launched command
(``record -- CMD``, ``capture``, ``bisect``) cannot be read after: it ends
by exiting, and at exit its threads are gone from ``/proc`` — only the
process's own total (``/proc/PID/stat`` of the zombie, before it is reaped)
and its main thread remain. So :class:`CpuWatch` reads the command's
threads once per ``interval`` while it runs (one ``/proc`` read per thread
per window, the Live pane's budget) and keeps, for each thread, the last
value it saw; :meth:`CpuWatch.finish` reads the zombie once more and
returns the whole run as one :class:`~workbench.sampling.calibrate.WindowCpu`
for :func:`~workbench.sampling.calibrate.calibrate`, like ``record PID``'s.

A thread that ends between two readings (all but the main one do at the
exit) ran for a stretch no reading saw: the process total counts it, the
thread's last value does not. Such a thread is assumed to have run that
stretch at its rate of the interval before (capped so that the threads
never add up to more than the process used in the interval): a thread busy
to the end keeps its share, a sleeper gets nothing. What is left over is
the CPU of threads that lived only between two readings, and of threads
whose rate is unknown (seen by one reading only) when the interval's
threads leave CPU unexplained: such threads are left out of the window
(their CPU so far included), so
:func:`~workbench.sampling.calibrate.weigh` shares all of it among the
sampled threads it has no reading for, by their samples.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.sampling.calibrate import WindowCpu, window_cpu
from workbench.sampling.thread_cpu import CpuReading, read_cpu

__all__ = ["CpuWatch", "RunCpu", "run_window"]

#: Seconds between two readings of a launched command's threads.
WATCH_INTERVAL = 1.0
#: How often the watch looks whether the sampler has started (its first reading waits).
START_POLL = 0.005
#: CPU seconds of an interval left unexplained that count as nothing: the process
#: total is read in clock ticks (10 ms), the threads in nanoseconds.
TICK_SLACK = 0.02


@dataclass
class RunCpu:
    """What the readings so far say about one process's threads (folded, not stored)."""

    first: CpuReading
    """The reading at the start: what the run is counted from."""
    last: CpuReading
    """The latest reading of a live process (its threads are the ones alive then)."""
    seen: dict[int, float] = field(default_factory=dict)
    """TID -> its cumulative CPU: the last reading, plus the estimated tail of a thread
    that ended since."""
    waiting: dict[int, float] = field(default_factory=dict)
    """TID -> the last cumulative run-queue wait seen."""
    rates: dict[int, float] = field(default_factory=dict)
    """TID -> CPU seconds per second over the interval before ``last``."""
    unread: set[int] = field(default_factory=set)
    """Threads that ended with CPU no rate explains: left out of the window."""

    @classmethod
    def starting(cls, first: CpuReading) -> RunCpu:
        return cls(first, first, dict(first.threads), dict(first.waiting))

    def add(self, reading: CpuReading) -> None:
        """Fold in one more reading; a process already gone (no total) is ignored.

        Threads of ``last`` missing from ``reading`` ended in between: their
        tail is estimated at their previous rate, capped by the CPU the
        process used that the threads still alive do not account for; when
        that leaves CPU unexplained, those without a rate become ``unread``.
        """
        if not reading.processes:
            return
        last = self.last
        span = reading.time - last.time
        used = sum(reading.processes.values()) - sum(last.processes.values())
        alive = sum(
            max(0.0, seconds - last.threads.get(tid, 0.0))
            for tid, seconds in reading.threads.items()
        )
        tails = {
            tid: self.rates.get(tid, 0.0) * span
            for tid in last.threads
            if tid not in reading.threads
        }
        guessed = sum(tails.values())
        unexplained = used - alive
        if guessed > 0 and unexplained > 0:
            scale = min(1.0, unexplained / guessed)
            for tid, seconds in tails.items():
                self.seen[tid] += seconds * scale
        if unexplained - guessed > TICK_SLACK:
            self.unread.update(tid for tid in tails if tid not in self.rates)
        if span > 0:
            self.rates = {
                tid: max(0.0, seconds - last.threads.get(tid, 0.0)) / span
                for tid, seconds in reading.threads.items()
            }
        self.seen.update(reading.threads)
        self.waiting.update(reading.waiting)
        self.last = reading


def run_window(run: RunCpu, final: CpuReading) -> WindowCpu:
    """The whole run as one window, ``final`` being read at its exit (see the module doc).

    ``final`` holds the exited process's total and the threads still readable
    (the main thread of a zombie); a ``final`` with no process (already reaped)
    leaves the last reading as the end.
    """
    run.add(final)
    end = run.last
    threads = {tid: seconds for tid, seconds in run.seen.items() if tid not in run.unread}
    return window_cpu(run.first, CpuReading(end.time, threads, end.processes, run.waiting))


class CpuWatch:
    """Reads ``pid``'s threads every ``interval`` s in a background thread until :meth:`finish`.

    ``started`` says whether the sampler has taken its first sample yet: the
    first reading waits for it, so CPU nothing sampled (the interpreter's
    start-up while py-spy attaches) is not put on the first samples. Call
    :meth:`finish` when the command has exited but before it is reaped (its
    zombie still holds the process's total).
    """

    def __init__(
        self,
        pid: int,
        started: Callable[[], bool] = lambda: True,
        interval: float = WATCH_INTERVAL,
    ) -> None:
        self.pid = pid
        self.interval = interval
        self._started = started
        self._launched = time.monotonic()
        self._run: RunCpu | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name=f"cpu watch {pid}", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while not self._started():
            if self._stop.wait(START_POLL):
                return
        with self._lock:
            self._run = RunCpu.starting(read_cpu([self.pid]))
        while not self._stop.wait(self.interval):
            reading = read_cpu([self.pid])
            with self._lock:
                self._run.add(reading)

    def stop(self) -> None:
        """End the readings (idempotent); :meth:`finish` calls it."""
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join()

    def finish(self) -> WindowCpu:
        """Stop reading; the run's CPU per thread, with the exit read now."""
        self.stop()
        with self._lock:
            # A sampler that never said it started: the run is counted from the launch.
            run = self._run or RunCpu.starting(CpuReading(self._launched))
            return run_window(run, read_cpu([self.pid]))

"""Drive the ``py-spy`` executable: a stream of sample windows, each with its threads' CPU.

py-spy has no Python API, and none of its commands streams stacks: ``record``
writes its output (speedscope, raw or chrometrace) only when it ends, ``top``
draws a function table on a terminal (no stacks, no threads) and ``dump``
takes one sample per process start. :class:`PySpySampler` therefore chains
``py-spy record --duration N`` runs, the next starting as soon as the
previous one has written; the time lost in between (the next run attaching:
20 ms on a quiet machine, 50-250 ms on a loaded one) is measured and reported
in :attr:`SampleBatch.gap_seconds`. Each start costs py-spy ~7 ms of CPU (it
reads the target's memory maps and symbols); sampling itself costs about as
much as ``py-spy top`` at the same rate. Overlapping runs to hide the gap
was tried and rejected: py-spy draws its sampling intervals at random, so a
one-second window lasts 0.8-1.2 s and cannot be timed, and two blocking
py-spy on one target collide. ``workbench record`` needs no chaining: one run
covers its whole duration.

Around every window the sampler reads each thread's CPU time from ``/proc``
(:mod:`~workbench.sampling.thread_cpu`, one read per thread per window), so
a batch carries what the kernel measured beside what py-spy sampled: the
calibrated CPU view and the threads' CPU and idle shares come from it, with
no ``py-spy dump`` at all. GIL shares come from *GIL probes*: with
``gil_every=N`` one window in N runs ``py-spy record --gil``, which records
only the thread holding the GIL at each tick, so a thread's samples in it
over the ticks are its GIL share at the full sampling rate (a dump every few
seconds sees one instant). Names of threads that never run come from one
``py-spy dump`` (:meth:`PySpySampler.dump_threads`) when the caller sees a
thread it cannot name.

Blocking or not: by default py-spy pauses the target while it reads each
sample, ~2% of the target's time at 100 Hz with a few threads but 18-64%
with 16-64 threads. The sampler therefore passes ``--nonblocking`` when the
target has more than :data:`NONBLOCKING_THREAD_THRESHOLD` OS threads, unless
told otherwise, and says why in :attr:`PySpySampler.reason`.

Every py-spy child is started by :class:`~workbench.sampling.children.ChildProcesses`:
its own process group, killed with us (``PR_SET_PDEATHSIG``), on
:meth:`PySpySampler.stop`, at interpreter exit and when the sampler is
garbage-collected: no py-spy is ever left behind.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from workbench.errors import SamplingError
from workbench.sampling.calibrate import window_cpu
from workbench.sampling.processes import check_target
from workbench.sampling.pyspy_output import find_pyspy, parse_window
from workbench.sampling.sampler import STOP_GRACE, SampleBatch, Sampler, WindowKind, running
from workbench.sampling.thread_cpu import CpuReading

__all__ = [
    "NONBLOCKING_THREAD_THRESHOLD",
    "PySpySampler",
    "SampleBatch",
    "WindowKind",
    "finish_run",
    "record_args",
]

#: More OS threads than this and py-spy runs with ``--nonblocking`` by default.
NONBLOCKING_THREAD_THRESHOLD = 4

#: Failed py-spy runs in a row (target still alive) before the sampler gives up.
MAX_FAILURES = 2

_ERRORS = re.compile(r"Errors: (\d+)")


@dataclass
class PySpyRun:
    """One ``py-spy record`` window in flight."""

    process: subprocess.Popen[bytes]
    spawned_at: float
    nonblocking: bool
    seconds: int
    """The ``--duration`` this run was given."""
    kind: WindowKind
    cpu_before: CpuReading
    """The threads' CPU when the run was started (the previous run's end)."""
    output: bytearray = field(default_factory=bytearray)
    sampling_at: float | None = None
    """When the ``py-spy> Sampling process`` line arrived."""


class PySpySampler(Sampler):
    """Samples one process with chained ``py-spy record`` runs.

    Use: ``sampler = PySpySampler(pid); sampler.start()``, then from a worker
    thread loop on :meth:`poll` (or iterate :meth:`batches`) and call
    :meth:`dump_threads` every second or so; :meth:`stop` when done. Batches
    are produced by a background thread, so :meth:`poll` never waits on
    py-spy longer than its timeout. ``start`` calls
    :func:`~workbench.sampling.processes.check_target` and raises
    :class:`~workbench.errors.SamplingError` with the real cause.

    Chaining: the next run starts the moment the previous one writes its
    output (see the module docstring for why not earlier); the time it
    spends attaching is each batch's ``gap_seconds``.
    """

    name = "py-spy"

    def __init__(
        self,
        pid: int,
        rate: int = 100,
        nonblocking: bool | None = None,
        subprocesses: bool = False,
        window_seconds: int = 1,
        idle: bool = False,
        windows: int | None = None,
        first_window_seconds: int | None = None,
        gil_every: int = 0,
    ) -> None:
        """``nonblocking=None`` decides from the target's thread count at :meth:`start`.

        ``first_window_seconds`` (default: ``window_seconds``) sets the first
        run's length: a short first window shows data soon after attaching,
        longer ones after it start py-spy less often.
        ``idle=True`` also records idle threads' stacks (wall-clock view);
        the default records what runs, like ``py-spy record``; :meth:`set_idle`
        changes it for the next windows. ``windows`` stops after that many
        windows (``workbench record`` uses one window of the whole duration: no
        gap at all); None samples until :meth:`stop`. ``gil_every=N`` makes
        every Nth window a GIL probe (0: never).
        """
        first = window_seconds if first_window_seconds is None else first_window_seconds
        for seconds in (window_seconds, first):
            if seconds < 1 or int(seconds) != seconds:
                raise SamplingError("py-spy samples in whole seconds: use a window of 1 s or more")
        super().__init__(pid, rate, subprocesses, idle, gil_every)
        self.window_seconds = int(window_seconds)
        self.first_window_seconds = int(first)
        self.windows = windows
        self._requested_nonblocking = nonblocking
        self._nonblocking = bool(nonblocking)
        self._most_threads = 0

    # -- control ----------------------------------------------------------
    def start(self) -> None:
        """Check the target, decide blocking mode and start the first py-spy run."""
        self._pyspy = find_pyspy()
        self.info = info = check_target(self.pid)
        self._most_threads = info.threads
        self._nonblocking, self._reason = self._decide_blocking(info.threads)
        self._start_thread(self._loop)

    def _decide_blocking(self, threads: int) -> tuple[bool, str]:
        if self._requested_nonblocking is True:
            return True, "nonblocking, as asked: py-spy never pauses the target"
        if self._requested_nonblocking is False:
            return False, "blocking, as asked: py-spy pauses the target for each sample"
        if threads > NONBLOCKING_THREAD_THRESHOLD:
            return True, (
                f"nonblocking: {threads} threads > {NONBLOCKING_THREAD_THRESHOLD}, "
                "pausing them all would slow the target"
            )
        return False, (
            f"blocking: {threads} thread{'s' if threads != 1 else ''} "
            f"<= {NONBLOCKING_THREAD_THRESHOLD}, pauses cost ~2% at 100 Hz"
        )

    def _recheck_blocking(self) -> None:
        """Before each run: a target that started more threads switches to nonblocking.

        ``workbench run`` and ``demo`` attach while the program is still
        starting its threads; deciding once at :meth:`start` would leave a
        16-thread service paused for every sample. Only more threads than
        ever seen can change the decision, so the mode never flaps.
        """
        if self._requested_nonblocking is not None or self._nonblocking:
            return
        try:
            threads = psutil.Process(self.pid).num_threads()
        except psutil.Error:
            return
        if threads > self._most_threads:
            self._most_threads = threads
            self._nonblocking, self._reason = self._decide_blocking(threads)

    def _next_kind(self, spawned: int) -> WindowKind:
        """Most windows record what the sampler is asked to; the third one, and every
        ``gil_every``-th after it, is a GIL probe (early, so GIL shares show soon)."""
        if self.gil_every and spawned >= 2 and (spawned - 2) % self.gil_every == 0:
            return "gil"
        return "idle" if self.idle else "active"

    # -- the background loop ----------------------------------------------
    def _record_args(self, seconds: int, kind: WindowKind) -> list[str]:
        assert self._pyspy is not None
        return record_args(
            self._pyspy, self.pid, seconds, self.rate, kind, self._nonblocking, self.subprocesses
        )

    def _loop(self) -> None:
        """Spawn runs on a fixed cadence, read their output, turn each into a batch."""
        selector = selectors.DefaultSelector()
        runs: dict[int, PySpyRun] = {}
        spawned = failures = 0
        last_end: float | None = None
        reading: CpuReading | None = None
        stop_deadline: float | None = None
        try:
            while True:
                now = time.monotonic()
                may_spawn = not self._stopping.is_set() and not self._target_exited
                may_spawn = may_spawn and (self.windows is None or spawned < self.windows)
                if may_spawn and not runs:
                    self._recheck_blocking()
                    seconds = self.window_seconds if spawned else self.first_window_seconds
                    kind = self._next_kind(spawned)
                    reading = reading or self._read_cpu()
                    args = self._record_args(seconds, kind)
                    process = self._children.spawn(args, subprocess.PIPE, often=True)
                    assert process.stdout is not None
                    os.set_blocking(process.stdout.fileno(), False)
                    run = PySpyRun(process, now, self._nonblocking, seconds, kind, reading)
                    runs[process.stdout.fileno()] = run
                    selector.register(process.stdout, selectors.EVENT_READ)
                    spawned += 1
                    continue
                if not runs and not may_spawn:
                    return
                if self._stopping.is_set():
                    stop_deadline = stop_deadline or now + STOP_GRACE
                    if now >= stop_deadline:
                        return
                wait = 0.25
                if stop_deadline is not None:
                    wait = min(wait, max(0.0, stop_deadline - now))
                for key, _ in selector.select(wait):
                    run = runs[key.fd]
                    chunk = os.read(key.fd, 1 << 16)
                    if chunk:
                        if run.sampling_at is None and b"py-spy> Sampling" in chunk:
                            run.sampling_at = time.monotonic()
                        run.output += chunk
                        continue
                    selector.unregister(key.fileobj)
                    del runs[key.fd]
                    self._children.forget(run.process)
                    key.fileobj.close()  # type: ignore[union-attr]
                    ended_at = time.monotonic()
                    reading = self._read_cpu()
                    batch, exited = finish_run(
                        run, ended_at, last_end, reading, self.rate, self.pid
                    )
                    self._target_exited |= exited
                    if batch is None:
                        failures += 1
                        if self._target_exited or failures >= MAX_FAILURES:
                            if not self._target_exited:
                                self._error = self._failure(bytes(run.output), "py-spy")
                            self._stopping.set()
                            self._children.signal_all(signal.SIGKILL)
                        continue
                    failures = 0
                    last_end = batch.started_at + batch.duration
                    self._queue.put(batch)
                    if batch.final:
                        self._children.signal_all(signal.SIGKILL)
        except Exception as error:  # noqa: BLE001 - reported through .error, never silent
            self._error = f"sampler failed: {error!r}"
        finally:
            selector.close()
            self._children.kill_all()
            self._ended.set()
            self._queue.put(None)


def record_args(
    pyspy: Path,
    pid: int,
    seconds: int,
    rate: int,
    kind: WindowKind,
    nonblocking: bool,
    subprocesses: bool,
    output: str = "/dev/stdout",
) -> list[str]:
    """``py-spy record`` of one window, its speedscope output to ``output`` (stdout)."""
    args = [
        str(pyspy),
        "record",
        "--pid",
        str(pid),
        "--duration",
        str(seconds),
        "--rate",
        str(rate),
        "--format",
        "speedscope",
        "--output",
        output,
        "--full-filenames",
    ]
    if nonblocking:
        args.append("--nonblocking")
    if subprocesses:
        args.append("--subprocesses")
    if kind == "idle":
        args.append("--idle")
    elif kind == "gil":
        args.append("--gil")
    return args


def finish_run(
    run: PySpyRun,
    ended_at: float,
    last_end: float | None,
    reading: CpuReading,
    rate: int,
    pid: int,
) -> tuple[SampleBatch | None, bool]:
    """The batch of a finished run (None when py-spy failed), and whether the target exited."""
    text = run.output.decode("utf-8", "replace")
    succeeded = run.process.returncode == 0 or "py-spy> Wrote" in text
    exited = not running(pid)
    if not succeeded:
        return None, exited
    profile, busiest = parse_window(bytes(run.output), rate)
    started_at = run.sampling_at or run.spawned_at
    duration = max(ended_at - started_at, 1e-3)
    profile.meta.duration = duration
    profile.meta.pid = pid
    found = _ERRORS.search(text)
    errors = int(found.group(1)) if found else 0
    # py-spy takes exactly rate x window ticks unless the target exits first or it
    # was stopped (SIGINT, which it reports): then as many as the time it sampled.
    planned = rate * run.seconds - errors
    if exited:
        ticks = busiest
    elif "Control-C pressed" in text:
        ticks = min(planned, max(busiest, round(rate * duration)))
    else:
        ticks = planned
    gap = max(0.0, started_at - last_end) if last_end is not None else 0.0
    batch = SampleBatch(
        started_at=started_at,
        duration=duration,
        profile=profile,
        samples=ticks,
        expected=int(round(rate * duration)),
        gap_seconds=gap,
        errors=errors,
        final=exited,
        kind=run.kind,
        nonblocking=run.nonblocking,
        cpu=window_cpu(run.cpu_before, reading) if reading.processes else None,
    )
    return batch, exited

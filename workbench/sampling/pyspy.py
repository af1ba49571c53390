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

import json
import os
import queue
import re
import selectors
import signal
import subprocess
import threading
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import psutil

from workbench.errors import SamplingError
from workbench.profiles.model import Profile
from workbench.sampling.calibrate import WindowCpu, window_cpu
from workbench.sampling.children import ChildProcesses, signal_group
from workbench.sampling.processes import ProcessInfo, check_target, python_descendants
from workbench.sampling.pyspy_output import ThreadState, find_pyspy, parse_thread_dump, parse_window
from workbench.sampling.thread_cpu import CpuReading, read_cpu

__all__ = ["NONBLOCKING_THREAD_THRESHOLD", "PySpySampler", "SampleBatch"]

#: More OS threads than this and py-spy runs with ``--nonblocking`` by default.
NONBLOCKING_THREAD_THRESHOLD = 4

WindowKind = Literal["active", "gil", "idle"]
"""What a window recorded: running threads (py-spy's default), the GIL holder only
(``--gil``, a GIL probe), or every thread, waiting ones included (``--idle``)."""


@dataclass
class SampleBatch:
    """One window of samples (one ``py-spy record`` run of a few seconds)."""

    started_at: float
    """``time.monotonic()`` when py-spy said it started sampling this window."""
    duration: float
    """Wall seconds from then to py-spy's output: longer than the window when py-spy
    lagged (its ticks then came slower), shorter for a target that exited."""
    profile: Profile
    """Stacks of this window; ``meta.threads`` holds thread names, ``unit='samples'``."""
    samples: int
    """Sampling ticks taken: ``rate x window - errors`` (py-spy takes a fixed count per
    run), fewer when the run was stopped early; for the last window of an exited
    target, the busiest thread's sample count."""
    expected: int
    """Ticks asked for: ``rate * duration``."""
    gap_seconds: float
    """Time between the previous window's end and this one's start (not sampled)."""
    errors: int = 0
    """Samples py-spy reported as failed (``Errors: N`` in its status line)."""
    final: bool = False
    """The target exited during or right after this window: no more batches follow."""
    kind: WindowKind = "active"
    """What py-spy recorded in this window (see :data:`WindowKind`)."""
    nonblocking: bool = False
    """This window ran with ``--nonblocking`` (the mode can switch once, see
    :attr:`PySpySampler.reason`)."""
    cpu: WindowCpu | None = None
    """CPU each thread used from the previous window's end to this one's (from
    ``/proc``); None when it could not be read."""

    @property
    def includes_idle(self) -> bool:
        """Stacks of idle threads are included: a wall-clock view."""
        return self.kind == "idle"


#: How long a ``py-spy dump`` may take before it is killed (it normally takes 16-37 ms).
DUMP_TIMEOUT = 5.0
#: After :meth:`PySpySampler.stop` sends SIGINT, how long py-spy gets to write and exit.
STOP_GRACE = 1.0
#: Failed py-spy runs in a row (target still alive) before the sampler gives up.
MAX_FAILURES = 2

_ERRORS = re.compile(r"Errors: (\d+)")


@dataclass
class _Run:
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


class PySpySampler:
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
        if rate <= 0:
            raise SamplingError(f"sampling rate must be a positive number of Hz, not {rate}")
        first = window_seconds if first_window_seconds is None else first_window_seconds
        for seconds in (window_seconds, first):
            if seconds < 1 or int(seconds) != seconds:
                raise SamplingError("py-spy samples in whole seconds: use a window of 1 s or more")
        self.pid = pid
        self.rate = int(rate)
        self.subprocesses = subprocesses
        self.window_seconds = int(window_seconds)
        self.first_window_seconds = int(first)
        self.idle = idle
        self.windows = windows
        self.gil_every = max(0, int(gil_every))
        self.info: ProcessInfo | None = None
        """The target's :class:`~workbench.sampling.processes.ProcessInfo`, set by :meth:`start`."""
        self._requested_nonblocking = nonblocking
        self._nonblocking = bool(nonblocking)
        self._reason = "not started"
        self._children = ChildProcesses()
        self._finalizer = weakref.finalize(self, self._children.kill_all)
        self._queue: queue.Queue[SampleBatch | None] = queue.Queue()
        self._stopping = threading.Event()
        self._ended = threading.Event()
        self._thread: threading.Thread | None = None
        self._target_exited = False
        self._error: str | None = None
        self._pyspy: Path | None = None
        self._most_threads = 0

    # -- state ------------------------------------------------------------
    @property
    def nonblocking(self) -> bool:
        """Whether py-spy runs with ``--nonblocking`` now (see :attr:`reason`)."""
        return self._nonblocking

    @property
    def reason(self) -> str:
        """Why blocking mode is what it is, one short sentence for the status line.

        Can change once while sampling (blocking -> nonblocking when the target
        starts more threads); each batch's ``nonblocking`` says which mode it had.
        """
        return self._reason

    @property
    def alive(self) -> bool:
        """True while sampling goes on; False after :meth:`stop` or once the target exited."""
        return (
            self._thread is not None
            and not self._ended.is_set()
            and not self._stopping.is_set()
            and not self._target_exited
        )

    @property
    def target_exited(self) -> bool:
        """The target process has exited (batches already sampled remain valid).

        When py-spy saw the exit, the last batch is ``final``; when the exit fell
        between two runs, only this flag says so: after :meth:`batches` ends,
        check it and call ``LiveSession.mark_exited()``.
        """
        return self._target_exited

    @property
    def error(self) -> str | None:
        """Why sampling stopped early when it was not the target exiting (py-spy failed)."""
        return self._error

    # -- control ----------------------------------------------------------
    def start(self) -> None:
        """Check the target, decide blocking mode and start the first py-spy run."""
        if self._thread is not None:
            raise RuntimeError("PySpySampler.start() called twice")
        self._pyspy = find_pyspy()
        self.info = info = check_target(self.pid)
        self._most_threads = info.threads
        self._nonblocking, self._reason = self._decide_blocking(info.threads)
        self._thread = threading.Thread(
            target=self._loop, name=f"py-spy sampler {self.pid}", daemon=True
        )
        self._thread.start()

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

    def set_idle(self, idle: bool) -> None:
        """Record idle threads too (wall view) from the next window on, or stop doing so."""
        self.idle = idle

    def _next_kind(self, spawned: int) -> WindowKind:
        """Most windows record what the sampler is asked to; the third one, and every
        ``gil_every``-th after it, is a GIL probe (early, so GIL shares show soon)."""
        if self.gil_every and spawned >= 2 and (spawned - 2) % self.gil_every == 0:
            return "gil"
        return "idle" if self.idle else "active"

    def _read_cpu(self) -> CpuReading:
        pids = [self.pid, *python_descendants(self.pid)] if self.subprocesses else [self.pid]
        return read_cpu(pids)

    def poll(self, timeout: float | None = None) -> SampleBatch | None:
        """The next batch, waiting up to ``timeout`` s; None if none came or sampling ended."""
        try:
            batch = self._queue.get(timeout=timeout) if timeout else self._queue.get_nowait()
        except queue.Empty:
            return None
        if batch is None:
            self._queue.put(None)  # keep the end mark for later polls
        return batch

    def batches(self) -> Iterator[SampleBatch]:
        """Every batch until sampling ends (target exit or :meth:`stop`)."""
        while True:
            batch = self._queue.get()
            if batch is None:
                self._queue.put(None)
                return
            yield batch

    def dump_threads(self) -> list[ThreadState]:
        """Each thread's name, active and GIL flags and stack, right now.

        Runs ``py-spy dump --json --nonblocking`` (a py-spy start-up: ~8 ms of
        CPU). Always nonblocking, so it never pauses the target and never
        collides with the recording run (two py-spy pausing the same process
        at once make one of them fail). The live feed calls it only to name
        threads the samples have not named (ones that never ran): CPU and idle
        shares come from ``/proc``, GIL shares from GIL probes.
        Returns ``[]`` once the target has exited; raises
        :class:`~workbench.errors.SamplingError` on other failures.
        """
        if self._target_exited or self._stopping.is_set():
            return []
        states = self._dump(self.pid)
        if states is None:
            return []
        if self.subprocesses:  # ``dump --json`` ignores --subprocesses: one dump per process
            for child in python_descendants(self.pid):
                states += self._dump(child, required=False) or []
        return states

    def _dump(self, pid: int, required: bool = True) -> list[ThreadState] | None:
        """One ``py-spy dump --json`` of ``pid``; None when it has exited (or we stop)."""
        args = [str(self._pyspy or find_pyspy()), "dump", "--pid", str(pid), "--json"]
        # Always nonblocking: a dump that pauses the target collides with the
        # record run pausing it at the same moment, and one of them fails.
        args += ["--nonblocking", "--full-filenames"]
        process = self._children.spawn(args, subprocess.PIPE)
        try:
            output, _ = process.communicate(timeout=DUMP_TIMEOUT)
        except subprocess.TimeoutExpired:
            signal_group(process, signal.SIGKILL)
            output = b""
        finally:
            self._children.forget(process)
        if process.returncode == 0:
            try:
                return parse_thread_dump(json.loads(output), self.subprocesses)
            except json.JSONDecodeError:
                pass
        if not _running(pid):
            if pid == self.pid:
                self._target_exited = True
            return None
        if self._stopping.is_set() or not required:
            return None
        raise SamplingError(self._failure(output))

    def stop(self) -> None:
        """Stop sampling and kill every py-spy child (process group). Idempotent.

        py-spy first gets SIGINT (it then writes what it sampled, which
        becomes a last batch) and :data:`STOP_GRACE` seconds, then SIGKILL.
        """
        self._stopping.set()
        self._children.signal_all(signal.SIGINT)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(STOP_GRACE + 1.0)
        self._children.kill_all()
        self._queue.put(None)

    def __enter__(self) -> PySpySampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- the background loop ----------------------------------------------
    def _shared_flags(self) -> list[str]:
        flags = ["--full-filenames"]
        if self._nonblocking:
            flags.append("--nonblocking")
        if self.subprocesses:
            flags.append("--subprocesses")
        return flags

    def _record_args(self, seconds: int, kind: WindowKind) -> list[str]:
        args = [
            str(self._pyspy),
            "record",
            "--pid",
            str(self.pid),
            "--duration",
            str(seconds),
            "--rate",
            str(self.rate),
            "--format",
            "speedscope",
            "--output",
            "/dev/stdout",
            *self._shared_flags(),
        ]
        if kind == "idle":
            args.append("--idle")
        elif kind == "gil":
            args.append("--gil")
        return args

    def _loop(self) -> None:
        """Spawn runs on a fixed cadence, read their output, turn each into a batch."""
        selector = selectors.DefaultSelector()
        runs: dict[int, _Run] = {}
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
                    run = _Run(process, now, self._nonblocking, seconds, kind, reading)
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
                    batch = self._finish(run, ended_at, last_end, reading)
                    if batch is None:
                        failures += 1
                        if self._target_exited or failures >= MAX_FAILURES:
                            if not self._target_exited:
                                self._error = self._failure(bytes(run.output))
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

    def _finish(
        self, run: _Run, ended_at: float, last_end: float | None, reading: CpuReading
    ) -> SampleBatch | None:
        """The batch of a finished run, or None when py-spy failed or the target is gone."""
        text = run.output.decode("utf-8", "replace")
        succeeded = run.process.returncode == 0 or "py-spy> Wrote" in text
        exited = not _running(self.pid)
        if exited:
            self._target_exited = True
        if not succeeded:
            return None
        profile, busiest = parse_window(bytes(run.output), self.rate)
        started_at = run.sampling_at or run.spawned_at
        duration = max(ended_at - started_at, 1e-3)
        profile.meta.duration = duration
        profile.meta.pid = self.pid
        found = _ERRORS.search(text)
        errors = int(found.group(1)) if found else 0
        # py-spy takes exactly rate x window ticks unless the target exits first or it
        # was stopped (SIGINT, which it reports): then as many as the time it sampled.
        planned = self.rate * run.seconds - errors
        if exited:
            ticks = busiest
        elif "Control-C pressed" in text:
            ticks = min(planned, max(busiest, round(self.rate * duration)))
        else:
            ticks = planned
        gap = max(0.0, started_at - last_end) if last_end is not None else 0.0
        return SampleBatch(
            started_at=started_at,
            duration=duration,
            profile=profile,
            samples=ticks,
            expected=int(round(self.rate * duration)),
            gap_seconds=gap,
            errors=errors,
            final=exited,
            kind=run.kind,
            nonblocking=run.nonblocking,
            cpu=window_cpu(run.cpu_before, reading) if reading.processes else None,
        )

    def _failure(self, output: bytes) -> str:
        """The real cause of a py-spy failure: ask the system before quoting py-spy."""
        try:
            check_target(self.pid)
        except SamplingError as error:
            return str(error)
        lines = [
            line.strip()
            for line in output.decode("utf-8", "replace").splitlines()
            if line.strip() and not line.startswith("py-spy> ")
        ]
        said = lines[0] if lines else "no output"
        return f"py-spy failed on process {self.pid}: {said}"


def _running(pid: int) -> bool:
    """The process exists and is not a zombie (an exited child not yet reaped)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False

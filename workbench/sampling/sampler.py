"""What every live sampler shares: the batches it yields and the interface the Live feed uses.

Two samplers produce :class:`SampleBatch` windows: :class:`~workbench.sampling.pyspy.PySpySampler`
(chained ``py-spy record`` runs, one per window) and
:class:`~workbench.sampling.austin.AustinSampler` (one long-lived ``austin``
whose stream is cut into windows). :class:`Sampler` holds what they have in
common — the batch queue a background thread fills, the state flags, the
``/proc`` CPU reading around each window, thread naming through one
``py-spy dump``, stopping and killing every child — so a caller (the Live
feed, ``workbench record``) drives either the same way.
"""

from __future__ import annotations

import json
import queue
import signal
import subprocess
import threading
import weakref
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar, Literal

import psutil

from workbench.errors import SamplingError
from workbench.profiles.model import Profile
from workbench.sampling.calibrate import WindowCpu
from workbench.sampling.children import ChildProcesses, signal_group
from workbench.sampling.processes import ProcessInfo, check_target, python_descendants
from workbench.sampling.pyspy_output import ThreadState, find_pyspy, parse_thread_dump
from workbench.sampling.thread_cpu import CpuReading, read_cpu

__all__ = ["SampleBatch", "Sampler", "WindowKind", "running"]

WindowKind = Literal["active", "gil", "idle"]
"""What a window recorded: running threads (py-spy's default), the GIL holder only
(``--gil``, a GIL probe), or every thread, waiting ones included (``--idle``)."""

#: How long a ``py-spy dump`` may take before it is killed (it normally takes 16-37 ms).
DUMP_TIMEOUT = 5.0
#: After :meth:`Sampler.stop` sends SIGINT, how long the children get to write and exit.
STOP_GRACE = 1.0


@dataclass
class SampleBatch:
    """One window of samples (one ``py-spy record`` run, or one cut of austin's stream)."""

    started_at: float
    """``time.monotonic()`` when sampling of this window started."""
    duration: float
    """Wall seconds from then to the window's end: longer than asked when py-spy
    lagged (its ticks then came slower), shorter for a target that exited."""
    profile: Profile
    """Stacks of this window; ``meta.threads`` holds thread names, ``unit='samples'``."""
    samples: int
    """Sampling ticks taken (each tick samples every thread once): for py-spy
    ``rate x window - errors``, for austin the lines of the thread seen most often."""
    expected: int
    """Ticks asked for: ``rate * duration``."""
    gap_seconds: float
    """Time between the previous window's end and this one's start (not sampled)."""
    errors: int = 0
    """Samples the sampler reported as failed (py-spy's ``Errors: N`` status line,
    austin's ``:INVALID:`` stacks)."""
    final: bool = False
    """The target exited during or right after this window: no more batches follow."""
    kind: WindowKind = "active"
    """What this window recorded (see :data:`WindowKind`)."""
    nonblocking: bool = False
    """This window never paused the target (py-spy ``--nonblocking``, or austin)."""
    cpu: WindowCpu | None = None
    """CPU each thread used from the previous window's end to this one's (from
    ``/proc``); None when it could not be read."""

    @property
    def includes_idle(self) -> bool:
        """Stacks of idle threads are included: a wall-clock view."""
        return self.kind == "idle"


class Sampler:
    """A background thread that samples one process into :class:`SampleBatch` windows.

    Use: ``sampler.start()``, then from a worker thread loop on :meth:`poll`
    (or iterate :meth:`batches`) and call :meth:`dump_threads` now and then;
    :meth:`stop` when done (or use it as a context manager). Subclasses
    implement :meth:`start` and the thread's loop, and put batches (then
    ``None``, the end mark) on ``self._queue``.

    Every child goes through ``self._children``: its own process group,
    killed with us (``PR_SET_PDEATHSIG``), on :meth:`stop`, at interpreter
    exit and when the sampler is garbage-collected.
    """

    name: ClassVar[str] = ""
    """The sampling tool, as the status line names it."""

    def __init__(self, pid: int, rate: int, subprocesses: bool, idle: bool, gil_every: int) -> None:
        if rate <= 0:
            raise SamplingError(f"sampling rate must be a positive number of Hz, not {rate}")
        self.pid = pid
        self.rate = int(rate)
        self.subprocesses = subprocesses
        self.idle = idle
        self.gil_every = max(0, int(gil_every))
        self.info: ProcessInfo | None = None
        """The target's :class:`~workbench.sampling.processes.ProcessInfo`, set by :meth:`start`."""
        self.note = ""
        """Why this sampler runs rather than the default one (a fallback), for the status line."""
        self._nonblocking = False
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

    # -- state ------------------------------------------------------------
    @property
    def nonblocking(self) -> bool:
        """Whether sampling never pauses the target now (see :attr:`reason`)."""
        return self._nonblocking

    @property
    def reason(self) -> str:
        """Why sampling pauses the target or not, one short sentence for the status line."""
        return self._reason

    def describe(self) -> str:
        """The status line's words for this sampler: its name, any fallback note, the reason."""
        note = f" ({self.note})" if self.note else ""
        return f"{self.name}{note}: {self.reason}"

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

        When the sampler saw the exit, the last batch is ``final``; otherwise
        only this flag says so: after :meth:`batches` ends, check it and call
        ``LiveSession.mark_exited()``.
        """
        return self._target_exited

    @property
    def error(self) -> str | None:
        """Why sampling stopped early when it was not the target exiting."""
        return self._error

    # -- control ----------------------------------------------------------
    def start(self) -> None:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def _start_thread(self, loop: Callable[..., None], *args: object) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{type(self).__name__}.start() called twice")
        self._thread = threading.Thread(
            target=loop, args=args, name=f"{self.name} sampler {self.pid}", daemon=True
        )
        self._thread.start()

    def set_idle(self, idle: bool) -> None:
        """Record idle threads too (wall view) from the next window on, or stop doing so."""
        self.idle = idle

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
        CPU) whichever sampler records: austin gives only thread ids. Always
        nonblocking, so it never pauses the target and never collides with a
        recording py-spy run (two py-spy pausing the same process at once make
        one of them fail). The live feed calls it only to name threads the
        samples have not named. Returns ``[]`` once the target has exited;
        raises :class:`~workbench.errors.SamplingError` on other failures.
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
        self._pyspy = self._pyspy or find_pyspy()
        args = [str(self._pyspy), "dump", "--pid", str(pid), "--json"]
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
        if not running(pid):
            if pid == self.pid:
                self._target_exited = True
            return None
        if self._stopping.is_set() or not required:
            return None
        raise SamplingError(self._failure(output, "py-spy"))

    def stop(self) -> None:
        """Stop sampling and kill every child (process group). Idempotent.

        Children first get SIGINT (py-spy then writes what it sampled, which
        becomes a last batch) and :data:`STOP_GRACE` seconds, then SIGKILL.
        """
        self._stopping.set()
        self._children.signal_all(signal.SIGINT)
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(STOP_GRACE + 1.0)
        self._children.kill_all()
        self._queue.put(None)

    def __enter__(self) -> Sampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _failure(self, output: bytes, tool: str) -> str:
        """The real cause of a failure: ask the system before quoting the tool."""
        try:
            check_target(self.pid)
        except SamplingError as error:
            return str(error)
        lines = [
            line.strip()
            for line in output.decode("utf-8", "replace").splitlines()
            if line.strip() and not line.startswith(("py-spy> ", "#"))
        ]
        said = lines[0] if lines else "no output"
        return f"{tool} failed on process {self.pid}: {said}"


def running(pid: int) -> bool:
    """The process exists and is not a zombie (an exited child not yet reaped)."""
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False

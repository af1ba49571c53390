"""Drive the ``austin`` executable: one long-lived sampler whose stream is cut into windows.

Why austin for the Live pane: py-spy 0.4 streams nothing (``record`` writes
at its end), so a pane refreshing every second had to start a py-spy a
second, ~8-10 ms of CPU each before sampling anything. austin (a C frame
stack sampler, PyPI ``austin-dist``) writes one line per thread per sample
to stdout for as long as it runs, reads the target with
``process_vm_readv`` and never stops it (no ptrace pause: the target pays
nothing for being sampled but a busier machine). So
:class:`AustinSampler` starts one ``austin -s -P -i INTERVAL -p PID`` and
a reader thread cuts what arrives into one :class:`SampleBatch` every
``window_seconds``, with the same ``/proc`` CPU reading around each
window as :class:`~workbench.sampling.pyspy.PySpySampler`, so the
calibrated CPU view works unchanged.

The stream (``-P``: metadata as ``# key: value`` lines) holds, after a
header (``# austin: 3.7.0``, ``# interval: 10000``, ``# mode: cpu``,
``# python: 3.11.7``), lines like::

    P4242;T0:4243;/app/a.py:<module>:9;/app/a.py:Worker.run:40 10067

process, thread (interpreter id and native thread id), frames root first
(``file:qualified name:line``, the same qualified name, full path and line
``py-spy record --full-filenames`` gives, so one
:class:`~workbench.profiles.model.Frame` identity serves both), then the
time since the previous sampling tick in microseconds.

Which threads: ``-s`` (CPU mode) writes the threads that are running at
each tick, like ``py-spy record`` — the CPU and samples views; without it
(wall mode) every thread at every tick — the wall view, so
:meth:`~workbench.sampling.sampler.Sampler.set_idle` restarts austin in the
other mode at the next cut (like py-spy's ``--idle`` from the next window;
the restart's attach time is that window's ``gap_seconds``). One stream for
every view, with ``-f`` (full metrics: an idle flag on each line) was
measured and rejected: in that mode austin 3.7 writes no sample at a tick
where no thread holds the GIL, so a thread in GIL-free C code (zlib) lost
half its samples, and a process whose threads all wait wrote nothing at all.

Ticks: every line carries the time since the previous tick, idle ticks
included, so a window's tick count is its duration over the mean of those
intervals (austin's real sampling interval, slower when it lags), and at
least the line count of the thread seen most often. A window with no line
(every thread waiting, in CPU mode) uses the last interval measured.

Line buffering: on a pipe austin's stdio buffers 4 KB (60 ms of a
3-thread target, several tenths of a second for a small one), so windows
cut on arrival would take samples of the previous second. It runs under
coreutils' ``stdbuf -oL`` when that is installed, so each line arrives as
it is sampled; the reader still wakes only every :data:`READ_PAUSE`
seconds and reads what has come (a pipe holds far more than that), and
drains the pipe right before each cut.

GIL shares: austin does not say which thread holds the GIL. With
``gil_every=N``, one window in N (the third, then every Nth) also runs a
one-second ``py-spy record --gil --nonblocking`` beside austin, a *GIL
probe* batch (``kind='gil'``) as the py-spy chain makes, at one py-spy
start per N seconds. Thread names: austin has only native ids; the caller
names threads with :meth:`~workbench.sampling.sampler.Sampler.dump_threads`
(``py-spy dump``) as before.

A Python austin cannot read (3.7 reads CPython 3.8 to 3.13: it refuses
3.6 before its header and writes ``:INVALID:`` frames for 3.7, so the
header's version decides): :meth:`AustinSampler.start` then raises
:class:`AustinUnsupported`, and :func:`start_live_sampler` falls back to
py-spy windows, saying so in the sampler's ``note``.
"""

from __future__ import annotations

import os
import re
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import weakref
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workbench.errors import SamplingError
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.calibrate import window_cpu
from workbench.sampling.children import signal_group
from workbench.sampling.processes import check_target
from workbench.sampling.pyspy import PySpyRun, PySpySampler, finish_run, record_args
from workbench.sampling.pyspy_output import find_pyspy
from workbench.sampling.sampler import SampleBatch, Sampler, running
from workbench.sampling.thread_cpu import CpuReading

__all__ = [
    "AustinSampler",
    "AustinUnsupported",
    "find_austin",
    "parse_stack",
    "start_live_sampler",
]

#: Seconds between two reads of austin's stream (each reads what has arrived).
READ_PAUSE = 0.1
#: How long austin may take to attach and write its header before it counts as failed.
START_TIMEOUT = 10.0
#: The oldest Python austin 3.7 reads: it attaches to a 3.7 and writes ``:INVALID:``
#: frames, and refuses 3.6 and older.
OLDEST_PYTHON = (3, 8)
#: Distinct stacks remembered parsed across windows before the cache starts over.
STACK_CACHE = 20_000

SamplerChoice = Literal["austin", "py-spy"]
#: The frame austin writes for a stack it could not read.
INVALID = ":INVALID:"


class AustinUnsupported(SamplingError):
    """austin could not sample a target that py-spy may (its Python version, say)."""


def find_austin() -> Path | None:
    """The austin executable: beside ``sys.executable`` first (where the ``austin-dist``
    wheel installs it in a virtualenv), then on PATH; None when neither has it."""
    beside = Path(sys.executable).parent / "austin"
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("austin")
    return Path(found) if found else None


def parse_frame(text: str) -> Frame:
    """``/path/a.py:Qual.name:LINE`` as a frame (a path may hold ``:``, a qualname not)."""
    path, _, rest = text.rpartition(":")
    if not path or not rest.isdigit():
        return Frame(text, "", None)
    file, _, function = path.rpartition(":")
    return Frame(function, file, int(rest)) if file else Frame(path, "", int(rest))


def parse_stack(head: str, with_process: bool) -> tuple[str, tuple[Frame, ...] | None]:
    """``P<pid>;T<iid>:<tid>;frame;frame`` as the thread's label and its frames, root first.

    The label is py-spy's (``Thread TID ""``, ``Process PID Thread TID ""`` with
    subprocesses): austin has no names, a ``py-spy dump`` gives them later.
    Frames are None for a stack austin could not read (an ``:INVALID:`` frame).
    """
    parts = head.split(";")
    pid = parts[0][1:]
    tid = parts[1].rpartition(":")[2] if len(parts) > 1 else ""
    label = f'Thread {tid} ""'
    if with_process:
        label = f"Process {pid} {label}"
    if INVALID in parts:
        return label, None
    return label, tuple(parse_frame(frame) for frame in parts[2:] if frame)


class _Stream:
    """Lines of one austin's stream counted per stack until the next cut."""

    def __init__(self) -> None:
        self.pending = b""
        self.counts: Counter[bytes] = Counter()
        self.intervals = 0
        """Microseconds between ticks, summed over the lines since the last cut."""
        self.lines = 0
        self.said: list[str] = []
        """Lines that are neither samples nor metadata (austin's error text)."""
        self.python: tuple[int, int] | None = None
        """The target's Python version, from austin's ``# python: 3.11.7`` line."""

    def feed(self, chunk: bytes) -> None:
        lines = (self.pending + chunk).split(b"\n")
        self.pending = lines.pop()
        for line in lines:
            if line[:1] == b"P":
                head, _, interval = line.rpartition(b" ")
                self.counts[head] += 1
                if interval.isdigit():
                    self.intervals += int(interval)
                    self.lines += 1
            elif line.startswith(b"# python:"):
                found = re.match(rb"# python: (\d+)\.(\d+)", line)
                self.python = (int(found[1]), int(found[2])) if found else None
            elif line.strip() and line[:1] != b"#" and b"\x1b" not in line and len(self.said) < 12:
                self.said.append(line.decode("utf-8", "replace").strip())

    def first_sentence(self) -> str | None:
        """austin's own words, up to the end of its first sentence (it wraps lines)."""
        text = " ".join(self.said).strip()
        return text.split(". ")[0].rstrip(".") if text else None

    def take(self) -> tuple[Counter[bytes], float | None]:
        """The counts since the last cut, and the mean seconds between ticks (None: no line)."""
        counts, self.counts = self.counts, Counter()
        interval = self.intervals / self.lines / 1e6 if self.lines else None
        self.intervals = self.lines = 0
        return counts, interval


class AustinSampler(Sampler):
    """Samples one process with one ``austin`` child; batches every ``window_seconds``.

    Same use as :class:`~workbench.sampling.pyspy.PySpySampler`. ``start``
    checks the target (one-line :class:`~workbench.errors.SamplingError`
    for a gone PID, not Python, no permission), starts austin from the
    reader thread (the death signal follows the thread that started a
    child, and this one lives as long as austin should) and waits for its
    header; :class:`AustinUnsupported` when austin cannot read that Python.
    """

    name = "austin"

    def __init__(
        self,
        pid: int,
        rate: int = 100,
        subprocesses: bool = False,
        window_seconds: float = 1.0,
        idle: bool = False,
        gil_every: int = 0,
    ) -> None:
        if window_seconds <= 0:
            raise SamplingError("use a window of more than 0 s")
        super().__init__(pid, rate, subprocesses, idle, gil_every)
        self.window_seconds = float(window_seconds)
        self._nonblocking = True
        self._started = threading.Event()
        self._start_error: SamplingError | None = None
        self._stacks: dict[bytes, tuple[str, tuple[Frame, ...] | None]] = {}
        self.process: subprocess.Popen[bytes] | None = None
        """The austin child, once started (tests look for it)."""

    def start(self) -> None:
        """Check the target, start austin and wait for its header (or its failure)."""
        austin = find_austin()
        if austin is None:
            raise SamplingError(
                f"austin not found next to {sys.executable} nor on PATH; install it: "
                f"{sys.executable} -m pip install 'austin-dist>=3.7,<4'"
            )
        self.info = check_target(self.pid)
        self._reason = "streams, never pauses the target"
        self._start_thread(_read, weakref.ref(self), austin)
        self._started.wait()
        if self._start_error is not None:
            self.stop()
            raise self._start_error

    def _command(self, austin: Path, idle: bool) -> list[str]:
        """austin in wall mode for the wall view, else in CPU mode (``-s``: running threads)."""
        interval = max(1, round(1_000_000 / self.rate))
        args = [str(austin), "-P", "-i", f"{interval}us", "-p", str(self.pid)]
        if not idle:
            args.append("-s")
        if self.subprocesses:
            args.append("-C")
        stdbuf = shutil.which("stdbuf")
        return [stdbuf, "-oL", *args] if stdbuf else args

    # -- the reader thread -------------------------------------------------
    def _begin(self, austin: Path) -> _Reading | None:
        """Start austin; the reading state, or None when it failed (``_start_error`` says why)."""
        state = _Reading(austin, self.idle, 0.0, CpuReading(0.0))
        self._start_error = self._spawn(state)
        if self._start_error is not None:
            return None
        state.before = self._read_cpu()
        self._started.set()
        return state

    def _spawn(self, state: _Reading) -> SamplingError | None:
        """Start austin in ``state.idle``'s mode and read its header; why not, if it failed."""
        stream = _Stream()
        process = self._children.spawn(self._command(state.austin, state.idle), subprocess.PIPE)
        self.process = process
        assert process.stdout is not None
        fd = process.stdout.fileno()
        began = self._wait_for_header(fd, stream)
        if began is None:
            return self._why_not(process, stream)
        if stream.python is not None and stream.python < OLDEST_PYTHON:
            self._children.kill_all()
            version = ".".join(map(str, stream.python))
            return AustinUnsupported(
                f"austin cannot sample process {self.pid}: it reads Python 3.8 and later, "
                f"not {version}"
            )
        os.set_blocking(fd, False)
        state.process, state.fd, state.stream, state.started_at = process, fd, stream, began
        return None

    def _switch(self, state: _Reading, now: float) -> bool:
        """Restart austin in the mode :attr:`idle` asks for; False when it failed."""
        assert state.process is not None
        signal_group(state.process, signal.SIGKILL)
        self._children.forget(state.process)
        state.idle = self.idle
        failed = self._spawn(state)
        if failed is not None:
            if running(self.pid):
                self._error = str(failed)
            else:
                self._target_exited = True
            return False
        state.gap = state.started_at - now
        return True

    def _wait_for_header(self, fd: int, stream: _Stream) -> float | None:
        """Read until austin's ``# python:`` line; when it came (None: austin ended first)."""
        header = b""
        deadline = time.monotonic() + START_TIMEOUT
        while b"# python:" not in header:
            left = deadline - time.monotonic()
            if left <= 0 or self._stopping.is_set() or not select.select([fd], [], [], left)[0]:
                return None
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                stream.feed(header + b"\n")
                return None
            header += chunk
        stream.feed(header[header.index(b"# python:") :])
        return time.monotonic()

    def _why_not(self, process: subprocess.Popen[bytes], stream: _Stream) -> SamplingError:
        """The target's own problem if it has one, else austin's words (unsupported)."""
        self._children.kill_all()
        try:
            check_target(self.pid)
        except SamplingError as error:
            return error
        said = stream.first_sentence() or f"exit status {process.poll()}"
        return AustinUnsupported(f"austin cannot sample process {self.pid}: {said}")

    def _step(self, state: _Reading) -> bool:
        """Read what austin wrote; cut a window when it is due. False: reading is over."""
        assert state.stream is not None
        ended = _drain(state.fd, state.stream)
        stopping = self._stopping.is_set()
        now = time.monotonic()
        if state.probe is not None and state.probe.done():
            self._put(state.probe.batch(self, now))
            state.probe = None
        next_cut = state.started_at + self.window_seconds
        if not (ended or stopping or now >= next_cut):
            state.wait = max(0.0, min(READ_PAUSE, next_cut - now))
            return True
        reading = self._read_cpu()
        exited = ended and not running(self.pid)
        counts, interval = state.stream.take()
        state.interval = interval or state.interval or 1.0 / self.rate
        batch = self._cut(counts, state, now, reading, exited)
        if batch.samples or not (ended or stopping):
            self._put(batch)
        if ended:
            self._target_exited = exited
            if not exited and not stopping:
                said = state.stream.first_sentence() or ""
                self._error = self._failure(said.encode(), "austin")
            return False
        if stopping:
            return False
        state.started_at, state.before, state.cuts, state.gap = now, reading, state.cuts + 1, 0.0
        if self.idle != state.idle and not self._switch(state, now):
            return False
        if state.probe is None and self._probe_due(state.cuts):
            state.probe = _Probe.start(self, reading, now)
        state.wait = min(READ_PAUSE, self.window_seconds)
        return True

    def _probe_due(self, cuts: int) -> bool:
        """A GIL probe after the second window, then after every ``gil_every``-th."""
        return bool(self.gil_every) and cuts >= 2 and (cuts - 2) % self.gil_every == 0

    def _put(self, batch: SampleBatch | None) -> None:
        if batch is not None:
            self._queue.put(batch)

    def _cut(
        self,
        counts: Counter[bytes],
        state: _Reading,
        ended_at: float,
        reading: CpuReading,
        final: bool,
    ) -> SampleBatch:
        """One window: its lines as a profile; ticks from austin's tick interval."""
        duration = max(ended_at - state.started_at, 1e-3)
        meta = ProfileMeta(format="live", unit="samples", rate=self.rate, duration=duration)
        meta.pid = self.pid
        profile = Profile(meta)
        per_thread: Counter[str] = Counter()
        errors = 0
        for head, count in counts.items():
            label, frames = self._stack(head)
            per_thread[label] += count
            if frames is None:
                errors += count
            elif frames:
                profile.add_frames(frames, count, profile.thread_index(label))
        busiest = max(per_thread.values(), default=0)
        return SampleBatch(
            started_at=state.started_at,
            duration=duration,
            profile=profile,
            samples=max(busiest, round(duration / state.interval)),
            expected=int(round(self.rate * duration)),
            gap_seconds=state.gap,
            errors=errors,
            final=final,
            kind="idle" if state.idle else "active",
            nonblocking=True,
            cpu=window_cpu(state.before, reading) if reading.processes else None,
        )

    def _stack(self, head: bytes) -> tuple[str, tuple[Frame, ...] | None]:
        """Parsed once per distinct stack: a busy target repeats the same few."""
        known = self._stacks.get(head)
        if known is None:
            if len(self._stacks) >= STACK_CACHE:
                self._stacks.clear()
            known = parse_stack(head.decode("utf-8", "replace"), self.subprocesses)
            self._stacks[head] = known
        return known


@dataclass
class _Reading:
    """Where the reader thread is in austin's stream (no reference to the sampler)."""

    austin: Path
    idle: bool
    """The running austin's mode: wall (every thread) or CPU (running threads)."""
    started_at: float
    """When the current window began (the previous cut, or austin's header)."""
    before: CpuReading
    """The threads' CPU at the previous cut."""
    process: subprocess.Popen[bytes] | None = None
    fd: int = -1
    stream: _Stream | None = None
    gap: float = 0.0
    """Seconds the current window's austin spent attaching (a restart for the wall view)."""
    interval: float = 0.0
    """Seconds between ticks, as last measured from the stream."""
    cuts: int = 0
    probe: _Probe | None = None
    wait: float = 0.0
    """Seconds to sleep before the next read."""


def _read(ref: weakref.ref[AustinSampler], austin: Path) -> None:
    """The reader thread: holds the sampler only while it reads, never while it waits.

    So a sampler dropped without :meth:`~AustinSampler.stop` is garbage-collected, its
    finalizer kills austin, and this thread ends on the next read.
    """
    sampler = ref()
    if sampler is None:
        return
    started, stopping, ended = sampler._started, sampler._stopping, sampler._ended
    children, batches = sampler._children, sampler._queue
    try:
        state = sampler._begin(austin)
        del sampler
        while state is not None:
            stopping.wait(state.wait)
            sampler = ref()
            if sampler is None or not sampler._step(state):
                return
            del sampler
    except Exception as error:  # noqa: BLE001 - reported through .error, never silent
        sampler = ref()
        if sampler is not None:
            sampler._error = f"sampler failed: {error!r}"
    finally:
        sampler = None
        started.set()
        children.kill_all()
        ended.set()
        batches.put(None)


def _drain(fd: int, stream: _Stream) -> bool:
    """Read everything austin has written so far; True when it has ended (EOF)."""
    while True:
        try:
            chunk = os.read(fd, 1 << 16)
        except BlockingIOError:
            return False
        if not chunk:
            return True
        stream.feed(chunk)


class _Probe:
    """A one-second ``py-spy record --gil --nonblocking`` beside austin (a GIL probe).

    py-spy writes to a temporary file of ours, not to a pipe, so it never
    blocks on a full pipe while the reader thread waits for its next read.
    """

    def __init__(self, run: PySpyRun, path: Path) -> None:
        self.run = run
        self.path = path

    @classmethod
    def start(cls, sampler: AustinSampler, reading: CpuReading, now: float) -> _Probe:
        sampler._pyspy = sampler._pyspy or find_pyspy()
        handle, name = tempfile.mkstemp(prefix="workbench-gil-", suffix=".json")
        os.close(handle)
        args = record_args(
            sampler._pyspy, sampler.pid, 1, sampler.rate, "gil", True, False, output=name
        )
        process = sampler._children.spawn(args, subprocess.DEVNULL, often=True)
        return cls(PySpyRun(process, now, True, 1, "gil", reading), Path(name))

    def done(self) -> bool:
        return self.run.process.poll() is not None

    def batch(self, sampler: AustinSampler, now: float) -> SampleBatch | None:
        """The probe's batch (None when py-spy failed: a probe is best effort)."""
        sampler._children.forget(self.run.process)
        try:
            self.run.output += self.path.read_bytes()
        except OSError:
            return None
        finally:
            self.path.unlink(missing_ok=True)
        # No CPU reading: austin's windows already count this span's CPU.
        batch, _ = finish_run(self.run, now, None, CpuReading(now), sampler.rate, sampler.pid)
        return batch


def start_live_sampler(
    choice: SamplerChoice | None,
    pid: int,
    rate: int = 100,
    *,
    nonblocking: bool | None = None,
    subprocesses: bool = False,
    window_seconds: int = 1,
    idle: bool = False,
    gil_every: int = 0,
) -> Sampler:
    """The Live pane's sampler, started: austin unless told otherwise or unavailable.

    ``choice=None`` picks austin when its executable is found and the
    blocking mode was not forced (austin never pauses, so ``--blocking``
    asks for py-spy), else py-spy; ``"austin"`` insists (a missing austin is
    an error); ``"py-spy"`` always chains py-spy windows. A target austin
    cannot read falls back to py-spy, the sampler's ``note`` saying why.
    """
    use_austin = choice == "austin" or (
        choice is None and nonblocking is not False and find_austin() is not None
    )
    note = ""
    if use_austin:
        austin = AustinSampler(pid, rate, subprocesses, window_seconds, idle, gil_every)
        try:
            austin.start()
            return austin
        except AustinUnsupported as error:
            note = f"{error}; sampling with py-spy windows"
    sampler = PySpySampler(
        pid,
        rate=rate,
        nonblocking=nonblocking,
        subprocesses=subprocesses,
        window_seconds=window_seconds,
        first_window_seconds=1,
        gil_every=gil_every,
        idle=idle,
    )
    sampler.note = note
    sampler.start()
    return sampler

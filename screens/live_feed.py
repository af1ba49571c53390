"""The Live pane's feed: attach (or launch), sample, and report back in messages.

:meth:`Feed.run` is the body of the pane's long-running thread worker. It
does every blocking thing — launching the command, waiting for its Python,
py-spy, ``py-spy dump``, psutil — and adds what it reads to a thread-safe
:class:`~workbench.sampling.session.LiveSession`; the messages it posts only
say *that* something changed, so a burst of them collapses (``can_replace``)
without losing data, and the UI thread never waits on py-spy.

:meth:`Feed.stop` may be called from any thread (the screen calls it when it
unmounts): it kills py-spy and the launched command at once rather than
waiting for the worker loop to notice it was cancelled.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from textual.message import Message

from workbench.errors import SamplingError
from workbench.sampling.metrics import MetricsReader, MetricsSample
from workbench.sampling.processes import (
    ProcessInfo,
    check_target,
    launch_target,
    stop_target,
    wait_for_python,
)
from workbench.sampling.pyspy import PySpySampler, SampleBatch
from workbench.sampling.pyspy_output import ThreadState
from workbench.sampling.session import LiveSession

#: Seconds between ``py-spy dump`` calls. Each costs py-spy 16-37 ms of CPU (2-4%
#: of a core at 1 Hz, as much as the sampling itself); the dumps only give the
#: GIL share now (the active share comes from the samples), which a dump every
#: few seconds estimates as well over a session.
DUMP_INTERVAL = 4.0
#: Seconds before a failed ``py-spy dump`` is tried again: soon enough that the
#: thread list fills early, not so soon that a target py-spy cannot dump (torn
#: reads of a busy interpreter) gets a py-spy start every loop turn.
DUMP_RETRY = 1.0
#: Seconds between psutil reads (about 0.2 ms each).
METRICS_INTERVAL = 1.0
#: Longest the loop waits for a batch before it looks at the clock and its flags.
POLL_TIMEOUT = 0.2


class _Latest(Message):
    """A notice that only its newest instance matters: a burst collapses to one."""

    def can_replace(self, message: Message) -> bool:
        return type(message) is type(self)


@dataclass
class Attached(Message):
    """Sampling has started; ``session`` is where the data accumulates."""

    session: LiveSession
    nonblocking: bool
    reason: str


@dataclass
class SamplesArrived(_Latest):
    """A batch was added to the session (``batch`` is the newest one)."""

    batch: SampleBatch
    reason: str = ""
    """The sampler's blocking mode and why, as of this batch (it can switch once)."""


@dataclass
class ThreadsUpdated(_Latest):
    """A thread dump was added to the session."""

    states: list[ThreadState]


@dataclass
class MetricsUpdated(_Latest):
    """A psutil reading was added to the session."""

    sample: MetricsSample


class TargetExited(Message):
    """The target process ended; the session keeps everything sampled."""


@dataclass
class SamplingStopped(Message):
    """py-spy failed for a reason other than the target exiting."""

    reason: str


@dataclass
class FeedConfig:
    """What to sample and how: a PID, or a command to launch and sample."""

    pid: int | None = None
    command: list[str] = field(default_factory=list)
    rate: int = 100
    nonblocking: bool | None = None
    subprocesses: bool = False
    window_seconds: float = 5.0
    """The rolling window the pane shows."""
    batch_seconds: int = 2
    """Length of each ``py-spy record`` run after the first (which lasts 1 s, so data
    shows soon): every py-spy start costs ~12 ms of CPU and an attach pause of the
    target, so 2 s windows cut the pane's py-spy cost from 2.6% to ~2% of a core."""

    @property
    def label(self) -> str:
        """What the user asked to sample, for the status line before attaching."""
        return " ".join(self.command) if self.command else f"PID {self.pid}"


class Feed:
    """One target being sampled; owns the py-spy sampler and any launched process."""

    def __init__(self, config: FeedConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._stopped = False
        self._sampler: PySpySampler | None = None
        self._process: subprocess.Popen[bytes] | None = None

    def run(self, post: Callable[[Message], object], cancelled: Callable[[], bool]) -> None:
        """Attach, then feed the session until the target exits or the feed stops.

        Raises :class:`SamplingError` when the target cannot be sampled.
        """
        info = self._attach()
        sampler = PySpySampler(
            info.pid,
            rate=self.config.rate,
            nonblocking=self.config.nonblocking,
            subprocesses=self.config.subprocesses,
            window_seconds=self.config.batch_seconds,
            first_window_seconds=1,
        )
        if not self._adopt(sampler):
            return
        sampler.start()
        session = LiveSession(
            info.pid,
            self.config.rate,
            command=info.command,
            window_seconds=self.config.window_seconds,
        )
        post(Attached(session, sampler.nonblocking, sampler.reason))
        reader = MetricsReader(info.pid, include_children=self.config.subprocesses)
        try:
            self._loop(sampler, reader, session, post, cancelled)
        finally:
            sampler.stop()
        for batch in sampler.batches():  # windows py-spy finished while stopping
            session.add_batch(batch)
        if sampler.target_exited:
            session.mark_exited()
            post(TargetExited())
        elif sampler.error and not cancelled():
            post(SamplingStopped(sampler.error))

    def stop(self) -> None:
        """Kill py-spy and the launched command (if any). Idempotent, any thread."""
        with self._lock:
            self._stopped = True
            sampler, process = self._sampler, self._process
        if sampler is not None:
            sampler.stop()
        if process is not None:
            stop_target(process)

    def _attach(self) -> ProcessInfo:
        """The process to sample: the PID given, or the Python of the launched command."""
        if not self.config.command:
            if self.config.pid is None:
                raise SamplingError("no process to sample: give a PID or a command")
            return check_target(self.config.pid)
        process = launch_target(self.config.command)
        with self._lock:
            self._process = process
            stopped = self._stopped
        if stopped:
            stop_target(process)
            raise SamplingError("stopped before the command started")
        return wait_for_python(process.pid)

    def _adopt(self, sampler: PySpySampler) -> bool:
        """Hold ``sampler`` so :meth:`stop` can reach it; False if already stopped."""
        with self._lock:
            if self._stopped:
                return False
            self._sampler = sampler
            return True

    def _loop(
        self,
        sampler: PySpySampler,
        reader: MetricsReader,
        session: LiveSession,
        post: Callable[[Message], object],
        cancelled: Callable[[], bool],
    ) -> None:
        next_dump = next_metrics = time.monotonic()
        while not cancelled() and sampler.alive:
            batch = sampler.poll(timeout=POLL_TIMEOUT)
            if batch is not None:
                session.add_batch(batch)
                post(SamplesArrived(batch, sampler.reason))
            if self._process is not None:
                self._process.poll()  # reap a launched target so it reads as exited
            now = time.monotonic()
            if now >= next_metrics:
                next_metrics = now + METRICS_INTERVAL
                self._read_metrics(reader, session, post)
            if now >= next_dump:
                next_dump = now + (
                    DUMP_INTERVAL if self._dump(sampler, session, post) else DUMP_RETRY
                )

    @staticmethod
    def _read_metrics(
        reader: MetricsReader, session: LiveSession, post: Callable[[Message], object]
    ) -> None:
        try:
            metrics = reader.read()
        except SamplingError:
            return  # the target is going away; the sampler notices and ends the loop
        session.add_metrics(metrics)
        post(MetricsUpdated(metrics))

    @staticmethod
    def _dump(
        sampler: PySpySampler, session: LiveSession, post: Callable[[Message], object]
    ) -> bool:
        """One thread dump into the session; False when py-spy could not take it.

        Dumps are nonblocking (they never collide with the recording run), but
        one can still fail on a torn read of a busy interpreter: it is retried
        after :data:`DUMP_RETRY` instead of a whole interval later.
        """
        try:
            states = sampler.dump_threads()
        except SamplingError:
            return False
        session.add_threads(states)
        post(ThreadsUpdated(states))
        return True

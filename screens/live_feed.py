"""The Live pane's feed: attach (or launch), sample, and post finished views.

:meth:`Feed.run` is the body of the pane's long-running thread worker. It
does every blocking thing — launching the command, waiting for its Python,
py-spy, psutil, ``/proc`` — adds what it reads to a thread-safe
:class:`~workbench.sampling.session.LiveSession`, and after each window
builds the view the user asked for (:func:`~screens.live_view.build_view`)
and posts it in one :class:`ViewReady` message: the UI thread only draws.

The process model, chosen for cost (see ``docs/live.md``): one long-lived
``austin`` whose stream is cut into windows (or, without austin, a chain of
``py-spy record`` windows, one py-spy process at a time), a one-second
``py-spy record --gil`` probe every :attr:`FeedConfig.gil_every` windows,
one ``/proc`` read per thread per window for the threads' CPU, one psutil
read a second, and a ``py-spy dump`` only when a thread appears that no
sample has named.
Views are built only while the pane is on screen and not paused.

:meth:`Feed.stop` may be called from any thread (the screen calls it when it
unmounts): it kills the sampler's children and the launched command at once rather than
waiting for the worker loop to notice it was cancelled.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from textual.message import Message

from screens.live_view import ViewSettings, build_view
from workbench.context import Preparation
from workbench.errors import SamplingError

if TYPE_CHECKING:  # the sampling core (psutil, the samplers) loads in the feed's thread
    from screens.live_view import LiveView
    from workbench.sampling.austin import SamplerChoice
    from workbench.sampling.metrics import MetricsReader
    from workbench.sampling.processes import ProcessInfo
    from workbench.sampling.sampler import Sampler
    from workbench.sampling.session import LiveSession

#: Seconds between psutil reads (about 0.2 ms each).
METRICS_INTERVAL = 1.0
#: Seconds before another ``py-spy dump`` to name new threads (one costs ~8 ms of CPU).
NAMING_INTERVAL = 10.0
#: Longest the loop waits for a batch before it looks at the clock and its flags.
POLL_TIMEOUT = 0.2
#: Without a batch for this long, a view is posted on the metrics' clock instead.
STALE_SECONDS = 1.5


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
class ViewReady(_Latest):
    """A finished view of the session, ready to draw."""

    view: LiveView
    reason: str = ""
    """The sampler, its blocking mode and why, as of this view (py-spy's can switch once)."""


class TargetExited(Message):
    """The target process ended; the session keeps everything sampled."""


@dataclass
class SamplingStopped(Message):
    """The sampler failed for a reason other than the target exiting."""

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
    batch_seconds: int = 1
    """Length of each window: the pane's refresh period. With py-spy, each window is
    one ``py-spy record`` run whose start costs ~7 ms of CPU, so 2 s halves that cost."""
    gil_every: int = 10
    """One window in this many has a GIL probe (``py-spy record --gil``)."""
    sampler: SamplerChoice | None = None
    """``austin`` or ``py-spy``; None: austin when it is installed (see
    :func:`~workbench.sampling.austin.start_live_sampler`)."""
    view: str = "cpu"
    """The view shown first."""
    preparation: Preparation | None = None
    """Made before the command is launched: ``workbench demo`` runs its service from the
    repository it builds after the first frame (see :class:`~workbench.context.Preparation`)."""

    @property
    def label(self) -> str:
        """What the user asked to sample, for the status line before attaching."""
        return " ".join(self.command) if self.command else f"PID {self.pid}"


class Feed:
    """One target being sampled; owns the sampler and any launched process."""

    def __init__(self, config: FeedConfig) -> None:
        self.config = config
        self._lock = threading.Lock()
        self._stopped = False
        self._sampler: Sampler | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._settings = ViewSettings(view=config.view)  # type: ignore[arg-type]
        self._wanted = threading.Event()
        """Set while the pane is on screen and not paused: only then are views built."""
        self._wanted.set()
        self._redraw = threading.Event()
        """The settings changed (or the pane came back): build a view now."""

    # -- called from the UI thread ---------------------------------------------
    def show(self, settings: ViewSettings) -> None:
        """Build views with ``settings`` from now on, starting right away."""
        self._settings = settings
        self._wanted.set()
        self._redraw.set()

    def hide(self) -> None:
        """The pane is hidden or paused: keep sampling, build no views."""
        self._wanted.clear()

    def stop(self) -> None:
        """Kill the sampler's children and the launched command (if any). Idempotent."""
        with self._lock:
            self._stopped = True
            sampler, process = self._sampler, self._process
        if sampler is not None:
            sampler.stop()
        if process is not None:
            from workbench.sampling.processes import stop_target

            stop_target(process)

    # -- the worker ----------------------------------------------------------
    def run(self, post: Callable[[Message], object], cancelled: Callable[[], bool]) -> None:
        """Attach, then feed the session until the target exits or the feed stops.

        Raises :class:`SamplingError` when the target cannot be sampled.
        """
        from workbench.sampling.austin import start_live_sampler
        from workbench.sampling.metrics import MetricsReader
        from workbench.sampling.session import LiveSession

        info = self._attach()
        sampler = start_live_sampler(
            self.config.sampler,
            info.pid,
            self.config.rate,
            nonblocking=self.config.nonblocking,
            subprocesses=self.config.subprocesses,
            window_seconds=self.config.batch_seconds,
            gil_every=self.config.gil_every,
            idle=self._settings.view == "wall",
        )
        if not self._adopt(sampler):
            sampler.stop()
            return
        session = LiveSession(
            info.pid,
            self.config.rate,
            command=info.command,
            window_seconds=self.config.window_seconds,
        )
        post(Attached(session, sampler.nonblocking, sampler.describe()))
        reader = MetricsReader(info.pid, include_children=self.config.subprocesses)
        try:
            self._loop(sampler, reader, session, post, cancelled)
        finally:
            sampler.stop()
        for batch in sampler.batches():  # windows finished while stopping
            session.add_batch(batch)
        if sampler.target_exited:
            session.mark_exited()
            self._post_view(session, sampler, post)
            post(TargetExited())
        elif sampler.error and not cancelled():
            post(SamplingStopped(sampler.error))

    def _attach(self) -> ProcessInfo:
        """The process to sample: the PID given, or the Python of the launched command."""
        from workbench.sampling.processes import (
            check_target,
            launch_target,
            stop_target,
            wait_for_python,
        )

        if not self.config.command:
            if self.config.pid is None:
                raise SamplingError("no process to sample: give a PID or a command")
            return check_target(self.config.pid)
        if self.config.preparation is not None:
            self.config.preparation.wait()
        process = launch_target(self.config.command)
        with self._lock:
            self._process = process
            stopped = self._stopped
        if stopped:
            stop_target(process)
            raise SamplingError("stopped before the command started")
        return wait_for_python(process.pid)

    def _adopt(self, sampler: Sampler) -> bool:
        """Hold ``sampler`` so :meth:`stop` can reach it; False if already stopped."""
        with self._lock:
            if self._stopped:
                return False
            self._sampler = sampler
            return True

    def _loop(
        self,
        sampler: Sampler,
        reader: MetricsReader,
        session: LiveSession,
        post: Callable[[Message], object],
        cancelled: Callable[[], bool],
    ) -> None:
        next_metrics = next_naming = time.monotonic()
        last_view = 0.0
        while not cancelled() and sampler.alive:
            sampler.set_idle(self._settings.view == "wall")
            batch = sampler.poll(timeout=POLL_TIMEOUT)
            fresh = batch is not None
            if batch is not None:
                session.add_batch(batch)
            if self._process is not None:
                self._process.poll()  # reap a launched target so it reads as exited
            now = time.monotonic()
            if now >= next_metrics:
                next_metrics = now + METRICS_INTERVAL
                fresh |= self._read_metrics(reader, session) and now - last_view > STALE_SECONDS
            if now >= next_naming and session.unnamed_threads():
                next_naming = now + NAMING_INTERVAL
                self._name_threads(sampler, session)
            if self._redraw.is_set() or (fresh and self._wanted.is_set()):
                self._redraw.clear()
                self._post_view(session, sampler, post)
                last_view = time.monotonic()

    def _post_view(
        self, session: LiveSession, sampler: Sampler, post: Callable[[Message], object]
    ) -> None:
        post(ViewReady(build_view(session, self._settings), sampler.describe()))

    @staticmethod
    def _read_metrics(reader: MetricsReader, session: LiveSession) -> bool:
        try:
            session.add_metrics(reader.read())
        except SamplingError:
            return False  # the target is going away; the sampler notices and ends the loop
        return True

    @staticmethod
    def _name_threads(sampler: Sampler, session: LiveSession) -> None:
        """One nonblocking ``py-spy dump`` for the names of threads no sample named."""
        try:
            states = sampler.dump_threads()
        except SamplingError:
            return  # a torn read of a busy interpreter: the next interval tries again
        session.add_threads(states)

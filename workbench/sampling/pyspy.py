"""Drive the ``py-spy`` executable: a gapless stream of one-second batches.

py-spy has no Python API and ``record`` writes its output only when it ends,
so :class:`PySpySampler` chains short ``py-spy record --duration 1`` runs,
starting each one slightly before the previous one ends (py-spy spends
50-70 ms attaching before it samples). What is still lost between two
windows is measured and reported in :attr:`SampleBatch.gap_seconds`.
Thread state (name, active, holding the GIL) comes from ``py-spy dump
--json`` at 1-2 Hz (:meth:`PySpySampler.dump_threads`, 16-37 ms a call).

Blocking or not: by default py-spy pauses the target while it reads each
sample, ~2% of the target's time at 100 Hz with a few threads but 18-64%
with 16-64 threads. The sampler therefore passes ``--nonblocking`` when the
target has more than :data:`NONBLOCKING_THREAD_THRESHOLD` OS threads, unless
told otherwise, and says why in :attr:`PySpySampler.reason`.

Every py-spy child runs in its own process group and is killed on
:meth:`PySpySampler.stop`, at interpreter exit and when the sampler is
garbage-collected: no py-spy is ever left behind.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from workbench.profiles.model import Frame, Profile

__all__ = [
    "NONBLOCKING_THREAD_THRESHOLD",
    "PySpySampler",
    "SampleBatch",
    "ThreadState",
    "find_pyspy",
]

#: More OS threads than this and py-spy runs with ``--nonblocking`` by default.
NONBLOCKING_THREAD_THRESHOLD = 4


@dataclass
class SampleBatch:
    """One window of samples (about one second) from one py-spy run."""

    started_at: float
    """``time.monotonic()`` when py-spy started sampling this window (estimated)."""
    duration: float
    """Seconds this window covered."""
    profile: Profile
    """Stacks of this window; ``meta.threads`` holds thread names, ``unit='samples'``."""
    samples: int
    """Sampling ticks achieved: the busiest thread's sample count (see module doc)."""
    expected: int
    """Ticks asked for: ``rate * duration``."""
    gap_seconds: float
    """Time between the previous window's end and this one's start (not sampled)."""
    errors: int = 0
    """Samples py-spy reported as failed (``Errors: N`` in its status line)."""
    final: bool = False
    """The target exited during or right after this window: no more batches follow."""


@dataclass
class ThreadState:
    """One thread as ``py-spy dump --json`` saw it at one instant."""

    thread_id: int
    """OS thread id when known (what ``ps -L`` shows), else Python's ident."""
    name: str | None
    active: bool
    """Running (on CPU or runnable) rather than waiting."""
    owns_gil: bool
    frames: list[Frame] = field(default_factory=list)
    """Stack, root first (same order as profile stacks)."""
    pid: int | None = None
    """Process it belongs to (differs from the target with ``subprocesses``)."""

    @property
    def label(self) -> str:
        """Name to show: the thread name, else ``thread <id>``."""
        return self.name or f"thread {self.thread_id}"


def find_pyspy() -> Path:
    """The py-spy executable: beside ``sys.executable`` first, then on PATH.

    Raises :class:`~workbench.errors.SamplingError` saying ``pip install
    py-spy`` when neither has it.
    """
    raise NotImplementedError


class PySpySampler:
    """Samples one process with chained ``py-spy record`` runs.

    Use: ``sampler = PySpySampler(pid); sampler.start()``, then from a worker
    thread loop on :meth:`poll` (or iterate :meth:`batches`) and call
    :meth:`dump_threads` every second or so; :meth:`stop` when done. Batches
    are produced by a background thread, so :meth:`poll` never waits on
    py-spy longer than its timeout. ``start`` calls
    :func:`~workbench.sampling.processes.check_target` and raises
    :class:`~workbench.errors.SamplingError` with the real cause.
    """

    def __init__(
        self,
        pid: int,
        rate: int = 100,
        nonblocking: bool | None = None,
        subprocesses: bool = False,
        window_seconds: int = 1,
        idle: bool = False,
    ) -> None:
        """``nonblocking=None`` decides from the target's thread count at :meth:`start`.

        ``idle=True`` also records idle threads' stacks (wall-clock view);
        the default records what runs, like ``py-spy record``.
        """
        raise NotImplementedError

    @property
    def nonblocking(self) -> bool:
        """Whether py-spy runs with ``--nonblocking`` (decided by :meth:`start`)."""
        raise NotImplementedError

    @property
    def reason(self) -> str:
        """Why blocking mode is what it is, one short sentence for the status line."""
        raise NotImplementedError

    @property
    def alive(self) -> bool:
        """True while sampling goes on; False after :meth:`stop` or once the target exited."""
        raise NotImplementedError

    @property
    def target_exited(self) -> bool:
        """The target process has exited (batches already sampled remain valid)."""
        raise NotImplementedError

    @property
    def error(self) -> str | None:
        """Why sampling stopped early when it was not the target exiting (py-spy failed)."""
        raise NotImplementedError

    def start(self) -> None:
        """Check the target, decide blocking mode and start the first py-spy run."""
        raise NotImplementedError

    def poll(self, timeout: float | None = None) -> SampleBatch | None:
        """The next batch, waiting up to ``timeout`` s; None if none came or sampling ended."""
        raise NotImplementedError

    def batches(self) -> Iterator[SampleBatch]:
        """Every batch until sampling ends (target exit or :meth:`stop`)."""
        raise NotImplementedError

    def dump_threads(self) -> list[ThreadState]:
        """Each thread's name, active and GIL flags and stack, right now.

        Runs ``py-spy dump --json`` (16-37 ms). Returns ``[]`` once the target
        has exited; raises :class:`~workbench.errors.SamplingError` on other
        failures.
        """
        raise NotImplementedError

    def stop(self) -> None:
        """Kill every py-spy child (process group) and end :meth:`batches`. Idempotent."""
        raise NotImplementedError

    def __enter__(self) -> PySpySampler:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

"""A live sampling session: rolling window, running total, thread shares, snapshots.

Pure aggregation over :class:`~workbench.sampling.pyspy.SampleBatch`,
:class:`~workbench.sampling.pyspy.ThreadState` and
:class:`~workbench.sampling.metrics.MetricsSample`: the caller (the Live
pane's workers, or ``workbench record``) feeds it, so it is tested without
py-spy or a terminal. Thread-safe: workers add while the UI thread reads.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from workbench.profiles.model import Profile
from workbench.sampling.metrics import MetricsSample
from workbench.sampling.pyspy import SampleBatch, ThreadState

__all__ = ["LiveSession", "ThreadShare", "default_snapshot_name"]

Which = Literal["window", "total"]
SnapshotFormat = Literal["speedscope", "collapsed"]


@dataclass(frozen=True)
class ThreadShare:
    """How one thread spent the session, from the periodic thread dumps."""

    name: str
    active_percent: float
    """Share of dumps in which the thread was running."""
    gil_percent: float
    """Share of dumps in which it held the GIL."""
    samples: float
    """Stack samples attributed to it in the total profile."""


class LiveSession:
    """Everything sampled from one target since the session began.

    ``window_seconds`` is the rolling window the Live pane shows;
    ``history`` is how many metrics readings the sparklines keep.
    """

    def __init__(
        self,
        pid: int,
        rate: int,
        command: str | None = None,
        window_seconds: float = 5.0,
        history: int = 120,
        cwd: Path | None = None,
    ) -> None:
        """``cwd`` is where the git revision for snapshots is looked up (default: cwd)."""
        self.pid = pid
        self.requested_rate = rate
        self.command = command
        self.window_seconds = window_seconds
        self.cpu_history: deque[float] = deque(maxlen=history)
        """CPU % per metrics reading, oldest first (for a sparkline)."""
        self.rss_history: deque[int] = deque(maxlen=history)
        """RSS bytes per metrics reading."""
        self.thread_history: deque[int] = deque(maxlen=history)
        """OS thread count per metrics reading."""
        self.latest_metrics: MetricsSample | None = None
        self.latest_threads: list[ThreadState] = []
        """The most recent thread dump."""
        self.target_exited = False
        """Set by :meth:`mark_exited`; everything sampled so far is kept."""
        raise NotImplementedError

    # -- feeding ----------------------------------------------------------
    def add_batch(self, batch: SampleBatch) -> None:
        """Add one window of samples to the rolling window and the total."""
        raise NotImplementedError

    def add_threads(self, states: list[ThreadState]) -> None:
        """Record one thread dump (for :meth:`thread_shares`)."""
        raise NotImplementedError

    def add_metrics(self, sample: MetricsSample) -> None:
        """Record one metrics reading (sparkline histories, latest figures)."""
        raise NotImplementedError

    def mark_exited(self) -> None:
        """The target has exited: stop expecting data, keep what was sampled."""
        raise NotImplementedError

    # -- reading ----------------------------------------------------------
    @property
    def version(self) -> int:
        """Bumped on every batch, so a view can skip redraws when nothing changed."""
        raise NotImplementedError

    @property
    def elapsed(self) -> float:
        """Seconds since the first batch started (sampled wall time incl. gaps)."""
        raise NotImplementedError

    @property
    def achieved_rate(self) -> float:
        """Sampling ticks per second actually achieved over the rolling window."""
        raise NotImplementedError

    @property
    def gap_seconds(self) -> float:
        """Total unsampled time between batches over the session."""
        raise NotImplementedError

    @property
    def total_samples(self) -> int:
        raise NotImplementedError

    def window_profile(self) -> Profile:
        """The last ``window_seconds`` of samples as a new :class:`Profile`."""
        raise NotImplementedError

    def previous_window_profile(self) -> Profile:
        """The window before the current one, for the trend marks (may be empty)."""
        raise NotImplementedError

    def total_profile(self) -> Profile:
        """Every sample of the session as a new :class:`Profile`."""
        raise NotImplementedError

    def thread_shares(self) -> list[ThreadShare]:
        """Per thread: active % and GIL % over the dumps, busiest first."""
        raise NotImplementedError

    def snapshot(
        self,
        path: Path,
        which: Which = "window",
        fmt: SnapshotFormat = "speedscope",
    ) -> Path:
        """Write the window or the total to ``path`` with its metadata; return the path.

        Metadata: pid, command, rate, duration, captured_at (ISO 8601), git
        revision of the working directory when it is in a git repository.
        Raises :class:`~workbench.errors.SamplingError` when there is nothing
        sampled yet.
        """
        raise NotImplementedError


def default_snapshot_name(pid: int, fmt: SnapshotFormat = "speedscope") -> str:
    """``profile-PID-YYYYmmdd-HHMMSS.speedscope.json`` (or ``.collapsed.txt``)."""
    raise NotImplementedError

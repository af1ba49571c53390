"""A live sampling session: rolling window, running total, thread shares, snapshots.

Pure aggregation over :class:`~workbench.sampling.pyspy.SampleBatch`,
:class:`~workbench.sampling.pyspy.ThreadState` and
:class:`~workbench.sampling.metrics.MetricsSample`: the caller (the Live
pane's workers, or ``workbench record``) feeds it, so it is tested without
py-spy or a terminal. Thread-safe: workers add while the UI thread reads.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter, deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import psutil

from workbench.errors import SamplingError
from workbench.profiles.io import write_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.metrics import MetricsSample
from workbench.sampling.pyspy import SampleBatch
from workbench.sampling.pyspy_output import ThreadState

__all__ = ["LiveSession", "ThreadShare", "default_snapshot_name", "git_revision"]

Which = Literal["window", "total"]
SnapshotFormat = Literal["speedscope", "collapsed"]
#: One stack of one thread: the unit the window and the total are counted in.
StackKey = tuple[str, tuple[Frame, ...]]
_SUFFIXES = {"speedscope": ".speedscope.json", "collapsed": ".collapsed.txt"}


@dataclass(frozen=True)
class _Window:
    """What the session keeps of one batch."""

    started_at: float
    ended_at: float
    samples: int
    gap: float
    stacks: Counter[StackKey]


@dataclass(frozen=True)
class ThreadShare:
    """How one thread spent the session."""

    name: str
    """Thread label, ``Thread ID "NAME"``, as in the profiles' ``meta.threads``."""
    active_percent: float
    """Share of sampling ticks in which the thread was running: its samples over the
    ticks taken (py-spy records running threads only), so it has the full sampling
    rate's resolution. Falls back to the share of thread dumps when the batches
    include idle stacks or no tick was counted yet."""
    gil_percent: float
    """Share of thread dumps in which it held the GIL (dumps come at 0.5-2 Hz)."""
    samples: float
    """Stack samples attributed to it in the total profile."""


class LiveSession:
    """Everything sampled from one target since the session began.

    ``window_seconds`` is the rolling window the Live pane shows;
    ``history`` is how many metrics readings the sparklines keep. Batches are
    kept as counters of ``(thread, stack)`` so the window and the total are
    cheap to rebuild as :class:`Profile` objects on demand.
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
        """``cwd`` is where the git revision for snapshots is looked up (default: the target's)."""
        self.pid = pid
        self.requested_rate = rate
        self.command = command
        self.window_seconds = window_seconds
        self.cwd = cwd or _process_cwd(pid)
        self.started_at = time.monotonic()
        """Monotonic time the session began."""
        self.started_wall = datetime.now(UTC)
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
        """Set by :meth:`mark_exited` (or a final batch); everything sampled so far is kept."""
        self.exited_at: float | None = None
        self._lock = threading.Lock()
        self._windows: deque[_Window] = deque()
        self._total: Counter[StackKey] = Counter()
        self._total_samples = 0
        self._total_gap = 0.0
        self._first_start: float | None = None
        self._last_end: float | None = None
        self._version = 0
        self._idle_included = False
        self._dumps: Counter[str] = Counter()
        self._active: Counter[str] = Counter()
        self._gil: Counter[str] = Counter()

    # -- feeding ----------------------------------------------------------
    def add_batch(self, batch: SampleBatch) -> None:
        """Add one window of samples to the rolling window and the total."""
        stacks = _stack_counter(batch.profile)
        ended_at = batch.started_at + batch.duration
        with self._lock:
            self._windows.append(
                _Window(batch.started_at, ended_at, batch.samples, batch.gap_seconds, stacks)
            )
            self._total.update(stacks)
            self._total_samples += batch.samples
            self._total_gap += batch.gap_seconds
            self._idle_included |= batch.includes_idle
            if self._first_start is None:
                self._first_start = batch.started_at
            self._last_end = max(self._last_end or ended_at, ended_at)
            horizon = self._last_end - 2 * self.window_seconds  # keep the previous window too
            while self._windows and self._windows[0].ended_at <= horizon:
                self._windows.popleft()
            self._version += 1
        if batch.final:
            self.mark_exited()

    def add_threads(self, states: list[ThreadState]) -> None:
        """Record one thread dump (for :meth:`thread_shares`)."""
        with self._lock:
            self.latest_threads = list(states)
            for state in states:
                self._dumps[state.label] += 1
                self._active[state.label] += state.active
                self._gil[state.label] += state.owns_gil

    def add_metrics(self, sample: MetricsSample) -> None:
        """Record one metrics reading (sparkline histories, latest figures)."""
        with self._lock:
            self.latest_metrics = sample
            self.cpu_history.append(sample.cpu_percent)
            self.rss_history.append(sample.rss_bytes)
            self.thread_history.append(sample.threads)

    def mark_exited(self) -> None:
        """The target has exited: stop expecting data, keep what was sampled."""
        with self._lock:
            if not self.target_exited:
                self.target_exited = True
                self.exited_at = time.monotonic()
                self._version += 1

    # -- reading ----------------------------------------------------------
    @property
    def version(self) -> int:
        """Bumped on every batch, so a view can skip redraws when nothing changed."""
        return self._version

    @property
    def elapsed(self) -> float:
        """Seconds since the session began, frozen when the target exited."""
        return (self.exited_at or time.monotonic()) - self.started_at

    @property
    def achieved_rate(self) -> float:
        """Sampling ticks per wall second over the rolling window, gaps included."""
        with self._lock:
            windows = self._current()
        span = sum(w.ended_at - w.started_at + w.gap for w in windows)
        return sum(w.samples for w in windows) / span if span > 0 else 0.0

    @property
    def gap_seconds(self) -> float:
        """Total unsampled time between batches over the session."""
        return self._total_gap

    @property
    def coverage(self) -> float:
        """Share of the sampled span (first batch start to last end) not lost in gaps."""
        if self._first_start is None or self._last_end is None:
            return 0.0
        span = self._last_end - self._first_start
        return max(0.0, 1.0 - self._total_gap / span) if span > 0 else 0.0

    @property
    def total_samples(self) -> int:
        """Sampling ticks taken over the whole session."""
        return self._total_samples

    def window_profile(self) -> Profile:
        """The last ``window_seconds`` of samples as a new :class:`Profile`."""
        with self._lock:
            windows = self._current()
        return self._profile(windows, "window")

    def previous_window_profile(self) -> Profile:
        """The window before the current one, for the trend marks (may be empty)."""
        with self._lock:
            current = self._current()
            earlier = [w for w in self._windows if w not in current]
        return self._profile(earlier, "previous window")

    def total_profile(self) -> Profile:
        """Every sample of the session as a new :class:`Profile`."""
        with self._lock:
            stacks = Counter(self._total)
            first, last = self._first_start, self._last_end
        span = last - first if first is not None and last is not None else 0.0
        return _build(stacks, self._meta(span, self.started_wall, "total"))

    def thread_shares(self) -> list[ThreadShare]:
        """Per thread: active % (from samples) and GIL % (from dumps), busiest first.

        Threads seen only in samples (no dump yet) have a 0 % GIL share.
        """
        with self._lock:
            per_thread: Counter[str] = Counter()
            for (label, _), weight in self._total.items():
                per_thread[label] += weight
            labels = list(dict.fromkeys([*self._dumps, *per_thread]))
            from_samples = self._total_samples > 0 and not self._idle_included
            shares = [
                ThreadShare(
                    name=label,
                    active_percent=min(100.0, _percent(per_thread[label], self._total_samples))
                    if from_samples
                    else _percent(self._active[label], self._dumps[label]),
                    gil_percent=_percent(self._gil[label], self._dumps[label]),
                    samples=float(per_thread[label]),
                )
                for label in labels
            ]
        shares.sort(key=lambda share: (-share.active_percent, -share.samples, share.name))
        return shares

    def snapshot(
        self,
        path: Path,
        which: Which = "window",
        fmt: SnapshotFormat = "speedscope",
    ) -> Path:
        """Write the window or the total to ``path`` with its metadata; return the path.

        Metadata: pid, command, rate, duration, captured_at (ISO 8601), git
        revision of the target's working directory when it is in a git
        repository. Raises :class:`~workbench.errors.SamplingError` when there
        is nothing sampled yet or the file cannot be written.
        """
        if which not in ("window", "total"):
            raise SamplingError(f"snapshot of {which!r}: choose window or total")
        profile = self.window_profile() if which == "window" else self.total_profile()
        if not len(profile):
            raise SamplingError("nothing sampled yet: no stacks to save (is the target idle?)")
        profile.meta.git_revision = git_revision(self.cwd)
        path = Path(path)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_profile(profile, path, fmt)
        except OSError as error:
            raise SamplingError(f"cannot write {path}: {error.strerror or error}") from None
        return path

    # -- helpers ----------------------------------------------------------
    def _current(self) -> list[_Window]:
        """Batches that ended within the rolling window (lock held by the caller)."""
        if self._last_end is None:
            return []
        horizon = self._last_end - self.window_seconds
        return [w for w in self._windows if w.ended_at > horizon]

    def _profile(self, windows: list[_Window], name: str) -> Profile:
        stacks: Counter[StackKey] = Counter()
        for window in windows:
            stacks.update(window.stacks)
        start = min((w.started_at for w in windows), default=self.started_at)
        captured = datetime.fromtimestamp(time.time() - (time.monotonic() - start), UTC)
        return _build(stacks, self._meta(_span(windows), captured, name))

    def _meta(self, duration: float, captured: datetime, name: str) -> ProfileMeta:
        return ProfileMeta(
            format="live",
            unit="samples",
            rate=float(self.requested_rate),
            duration=round(duration, 3),
            command=self.command,
            pid=self.pid,
            captured_at=captured.isoformat(timespec="seconds"),
            name=f"pid {self.pid} {name}",
        )


def _stack_counter(profile: Profile) -> Counter[StackKey]:
    """``(thread label, frames)`` -> weight for one batch's profile."""
    threads = profile.meta.threads
    frames = profile.frames
    stacks: Counter[StackKey] = Counter()
    for ids, weight, thread in profile.stacks():
        label = threads[thread] if 0 <= thread < len(threads) else ""
        stacks[(label, tuple(frames[i] for i in ids))] += weight
    return stacks


def _build(stacks: Counter[StackKey], meta: ProfileMeta) -> Profile:
    profile = Profile(meta)
    for (label, frames), weight in stacks.items():
        thread = profile.thread_index(label) if label else -1
        profile.add_frames(frames, weight, thread)
    return profile


def _span(windows: list[_Window]) -> float:
    if not windows:
        return 0.0
    return max(w.ended_at for w in windows) - min(w.started_at for w in windows)


def _percent(part: int, whole: int) -> float:
    return 100.0 * part / whole if whole else 0.0


def _process_cwd(pid: int) -> Path:
    try:
        return Path(psutil.Process(pid).cwd())
    except (psutil.Error, OSError):
        return Path.cwd()


def git_revision(directory: Path) -> str | None:
    """HEAD of the git repository holding ``directory``, or None (no git, no repo)."""
    try:
        result = subprocess.run(
            ["git", "-C", str(directory), "rev-parse", "--verify", "--quiet", "HEAD"],
            capture_output=True,
            text=True,
            timeout=5,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    revision = result.stdout.strip()
    return revision if result.returncode == 0 and revision else None


def default_snapshot_name(pid: int, fmt: SnapshotFormat = "speedscope") -> str:
    """``profile-PID-YYYYmmdd-HHMMSS.speedscope.json`` (or ``.collapsed.txt``)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    return f"profile-{pid}-{stamp}{_SUFFIXES[fmt]}"

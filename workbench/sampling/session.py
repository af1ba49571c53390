"""A live sampling session: windows of samples and CPU, three views, thread shares, snapshots.

Pure aggregation over :class:`~workbench.sampling.sampler.SampleBatch`,
:class:`~workbench.sampling.pyspy_output.ThreadState` and
:class:`~workbench.sampling.metrics.MetricsSample`: the caller (the Live
pane's feed, or ``workbench record``) feeds it, so it is tested without
py-spy or a terminal. Thread-safe: the feed adds while another thread reads.

Views (:data:`~workbench.profiles.model.VIEWS`), each from the windows that
measure it:

* ``cpu`` — the calibrated CPU view (:mod:`~workbench.sampling.calibrate`):
  each thread's samples in a window weighed to the CPU time the kernel
  measured for it in that window, in CPU seconds;
* ``samples`` — the same windows as py-spy reported them, in samples;
* ``wall`` — windows recorded with ``--idle``: every thread, waiting included.

Threads are keyed by their OS thread id, never by label: py-spy names a
thread ``""`` until it can read the name, and one thread must stay one row.
GIL-probe windows (``--gil``) only measure GIL shares; they are left out of
the function views.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

import psutil

from workbench.errors import SamplingError
from workbench.profiles.io import write_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta, View
from workbench.profiles.readers import NO_PYTHON_FRAME
from workbench.profiles.readers.threads import split_label
from workbench.sampling.calibrate import label_tid, weigh
from workbench.sampling.diagnosis import Evidence
from workbench.sampling.evidence import MetricsHistory
from workbench.sampling.metrics import MetricsSample
from workbench.sampling.pyspy_output import ThreadState
from workbench.sampling.sampler import SampleBatch, WindowKind

__all__ = [
    "LiveSession",
    "ThreadShare",
    "default_snapshot_name",
    "git_revision",
]

Span = Literal["window", "total"]
SnapshotFormat = Literal["speedscope", "collapsed"]
#: One stack of one thread (its key: the OS thread id), the unit views are counted in.
StackKey = tuple[int, tuple[Frame, ...]]
#: Key of samples py-spy gave no thread.
NO_THREAD = -(10**9)
#: Which windows each view is made of.
VIEW_WINDOWS: dict[View, WindowKind] = {"cpu": "active", "samples": "active", "wall": "idle"}
#: A thread's samples share exceeding its CPU and run-queue share by this many points
#: (and by half) is py-spy's idle misdetection: it was sampled as running while it slept.
MISDETECTION_POINTS = 10.0
#: GIL probes kept for the rolling window's GIL shares.
RECENT_PROBES = 3
#: Percent of a core from which a thread counts as busy in the diagnosis.
BUSY_THREAD = 20.0
_SUFFIXES = {"speedscope": ".speedscope.json", "collapsed": ".collapsed.txt"}


@dataclass(frozen=True)
class _Window:
    """What the session keeps of one batch."""

    started_at: float
    ended_at: float
    gap: float
    ticks: int
    kind: WindowKind
    counts: Counter[StackKey]
    """Samples per (thread, stack), as py-spy reported them."""
    samples: dict[int, float]
    """Samples per thread."""
    cpu: dict[int, float] | None
    """CPU seconds per thread in the window, living threads with no sample included."""
    cpu_span: float
    """Wall seconds the CPU readings cover (the window and the gap before it)."""
    waiting: dict[int, float]
    """Seconds each thread was runnable but waited for a core (a busy machine)."""
    weighted: Counter[StackKey] | None
    """CPU seconds per (thread, stack): the calibrated view of an active window."""


@dataclass(frozen=True)
class ThreadShare:
    """How one thread spent a span (the rolling window or the session)."""

    key: int
    """OS thread id (or a negative key for a thread py-spy could not name by id)."""
    name: str
    """Thread label, ``Thread ID "NAME"``, as in the views' ``meta.threads``."""
    cpu_percent: float
    """CPU time over wall time, percent of one core (from ``/proc``)."""
    samples_percent: float | None
    """py-spy's samples of it over the sampling ticks; None without active windows."""
    gil_percent: float | None
    """Its samples in GIL probes over their ticks; None before the first probe."""
    cpu_seconds: float
    """What its functions add up to in the CPU view of the same span."""
    queued_percent: float = 0.0
    """Runnable but waiting for a core, percent of wall time: py-spy rightly samples such
    a thread as running, though it does not run (a busy machine)."""
    misdetected: bool = False
    """Sampled as running far more often than it ran or queued: py-spy's idle
    misdetection, the error the CPU view corrects."""

    @property
    def idle_percent(self) -> float:
        """Neither on a CPU nor queued for one: waiting on I/O, a lock, a sleep, the GIL."""
        return max(0.0, 100.0 - self.cpu_percent - self.queued_percent)


@dataclass
class _Totals:
    """Running sums over the session, so the total view never walks every window."""

    stacks: dict[View, Counter[StackKey]] = field(
        default_factory=lambda: {"cpu": Counter(), "samples": Counter(), "wall": Counter()}
    )
    cpu: Counter[int] = field(default_factory=Counter)
    waiting: Counter[int] = field(default_factory=Counter)
    samples: Counter[int] = field(default_factory=Counter)
    gil: Counter[int] = field(default_factory=Counter)
    cpu_span: float = 0.0
    active_ticks: int = 0
    gil_ticks: int = 0
    spans: dict[WindowKind, float] = field(default_factory=lambda: Counter())


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
        """``cwd`` is where the git revision for snapshots is looked up (default: the target's)."""
        self.pid = pid
        self.requested_rate = rate
        self.command = command
        self.window_seconds = window_seconds
        self.cwd = cwd or _process_cwd(pid)
        self.started_at = time.monotonic()
        """Monotonic time the session began."""
        self.started_wall = datetime.now(UTC)
        self.metrics = MetricsHistory(history)
        """Process metrics over time (sparklines and the diagnosis)."""
        self.latest_threads: list[ThreadState] = []
        """The most recent thread dump."""
        self.target_exited = False
        """Set by :meth:`mark_exited` (or a final batch); everything sampled so far is kept."""
        self.exited_at: float | None = None
        self._lock = threading.Lock()
        self._windows: deque[_Window] = deque()
        self._probes: deque[_Window] = deque(maxlen=RECENT_PROBES)
        self._totals = _Totals()
        self._labels: dict[int, str] = {}
        self._shapes: dict[int, Counter[tuple[Frame, ...]]] = {}
        """Each thread's latest stacks: where CPU without a sample is put."""
        self._alive: set[int] = set()
        """Threads alive at the latest CPU reading."""
        self._asked: set[int] = set()
        """Threads alive at a dump: a dump names Python threads, so these need no other."""
        self._ticks = 0
        self._total_gap = 0.0
        self._first_start: float | None = None
        self._last_end: float | None = None
        self._version = 0

    # -- feeding ----------------------------------------------------------
    def add_batch(self, batch: SampleBatch) -> None:
        """Add one window: its samples, its calibrated CPU view, its threads' CPU."""
        counts, samples, labels = _window_counts(batch.profile)
        cpu = weighted = None
        if batch.cpu is not None:
            weighing = weigh(samples, batch.cpu)
            cpu = {key: samples[key] * scale for key, scale in weighing.scales.items()}
            for tid, seconds in weighing.unsampled.items():
                cpu[tid] = cpu.get(tid, 0.0) + seconds
        with self._lock:
            for key, label in labels.items():
                self._name(key, label)
            if batch.cpu is not None:
                self._alive = set(batch.cpu.threads)
            if batch.kind == "active" and batch.cpu is not None:
                weighted = self._calibrated(counts, weighing.scales, weighing.unsampled)
            if batch.kind == "active":
                self._remember_shapes(counts)
            window = _Window(
                batch.started_at,
                batch.started_at + batch.duration,
                batch.gap_seconds,
                batch.samples,
                batch.kind,
                counts,
                samples,
                cpu,
                batch.cpu.seconds if batch.cpu is not None else 0.0,
                dict(batch.cpu.waiting) if batch.cpu is not None else {},
                weighted,
            )
            self._add(window)
        if batch.final:
            self.mark_exited()

    def _calibrated(
        self,
        counts: Counter[StackKey],
        scales: dict[int, float],
        unsampled: dict[int, float],
    ) -> Counter[StackKey]:
        """CPU seconds per stack: samples times their thread's scale, plus CPU no sample saw.

        A thread with CPU but no sample in this window gets it on its latest
        stacks when it had any (a short burst the sampler missed), else under
        ``(no Python frame)`` (native code). Lock held by the caller.
        """
        weighted: Counter[StackKey] = Counter()
        for (key, frames), count in counts.items():
            seconds = count * scales.get(key, 0.0)
            if seconds > 0:
                weighted[(key, frames)] += seconds
        for tid, seconds in unsampled.items():
            shape = self._shapes.get(tid)
            if not shape:
                weighted[(tid, (NO_PYTHON_FRAME,))] += seconds
                continue
            whole = sum(shape.values())
            for frames, count in shape.items():
                weighted[(tid, frames)] += seconds * count / whole
        return weighted

    def _remember_shapes(self, counts: Counter[StackKey]) -> None:
        fresh: dict[int, Counter[tuple[Frame, ...]]] = {}
        for (key, frames), count in counts.items():
            fresh.setdefault(key, Counter())[frames] += count
        self._shapes.update(fresh)

    def _add(self, window: _Window) -> None:
        """Keep ``window`` and update the running totals (lock held)."""
        totals = self._totals
        totals.spans[window.kind] += window.ended_at - window.started_at
        if window.cpu is not None:
            totals.cpu.update(window.cpu)
            totals.waiting.update(window.waiting)
            totals.cpu_span += window.cpu_span
        if window.kind == "gil":
            self._probes.append(window)
            totals.gil.update(window.samples)
            totals.gil_ticks += window.ticks
        else:
            self._windows.append(window)
            if window.kind == "active":
                totals.stacks["samples"].update(window.counts)
                totals.stacks["cpu"].update(window.weighted or {})
                totals.samples.update(window.samples)
                totals.active_ticks += window.ticks
            else:
                totals.stacks["wall"].update(window.counts)
        self._ticks += window.ticks
        self._total_gap += window.gap
        if self._first_start is None:
            self._first_start = window.started_at
        self._last_end = max(self._last_end or window.ended_at, window.ended_at)
        horizon = self._last_end - 2 * self.window_seconds  # keep the previous window too
        while self._windows and self._windows[0].ended_at <= horizon:
            self._windows.popleft()
        self._version += 1

    def add_threads(self, states: list[ThreadState]) -> None:
        """Record one thread dump: names of threads that never ran, and where they wait."""
        with self._lock:
            self.latest_threads = list(states)
            self._asked |= self._alive
            for state in states:
                key = state.thread_id
                self._name(key, state.label)
                if key not in self._shapes and state.frames:
                    self._shapes[key] = Counter({tuple(state.frames): 1})
            self._version += 1

    def add_metrics(self, sample: MetricsSample) -> None:
        """Record one metrics reading (sparklines, the diagnosis)."""
        with self._lock:
            self.metrics.add(sample)

    def mark_exited(self) -> None:
        """The target has exited: stop expecting data, keep what was sampled."""
        with self._lock:
            if not self.target_exited:
                self.target_exited = True
                self.exited_at = time.monotonic()
                self._version += 1

    def _name(self, key: int, label: str) -> None:
        """Keep the best label of a thread: one with a name beats ``""`` (lock held)."""
        known = self._labels.get(key)
        if known is None or (not _named(known) and _named(label)):
            self._labels[key] = label

    # -- reading ----------------------------------------------------------
    @property
    def version(self) -> int:
        """Bumped on every batch and dump, so a view can skip work when nothing changed."""
        return self._version

    @property
    def latest_metrics(self) -> MetricsSample | None:
        return self.metrics.latest

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
        return sum(w.ticks for w in windows) / span if span > 0 else 0.0

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
        """Sampling ticks taken over the whole session (every kind of window)."""
        return self._ticks

    def unnamed_threads(self) -> list[int]:
        """Living threads the samples and dumps have not named yet (the feed dumps them)."""
        with self._lock:
            unnamed = self._alive - self._asked
            return sorted(tid for tid in unnamed if not _named(self._labels.get(tid, "")))

    def has_view(self, view: View) -> bool:
        """Whether any window measured ``view`` yet (``wall`` needs ``--idle`` windows)."""
        with self._lock:
            if view == "cpu" and not self._totals.cpu_span:
                return False
            return bool(self._totals.spans[VIEW_WINDOWS[view]])

    def profile(
        self, view: View = "cpu", span: Span = "window", thread: int | None = None
    ) -> Profile:
        """The rolling window's or the whole session's ``view`` as a new :class:`Profile`.

        ``thread`` (a key from :meth:`thread_shares`) keeps one thread's stacks.
        """
        kind = VIEW_WINDOWS[view]
        with self._lock:
            if span == "total":
                stacks = Counter(self._totals.stacks[view])
                duration = self._totals.spans[kind]
                start = self._first_start
            else:
                windows = [w for w in self._current() if w.kind == kind]
                stacks = _merged(windows, view)
                duration = sum(w.ended_at - w.started_at for w in windows)
                start = min((w.started_at for w in windows), default=self.started_at)
            labels = dict(self._labels)
        name = "total" if span == "total" else "window"
        return self._build(stacks, labels, view, duration, start, name, thread)

    def previous_profile(self, view: View = "cpu", thread: int | None = None) -> Profile:
        """The window before the rolling one, for the trend marks (may be empty)."""
        kind = VIEW_WINDOWS[view]
        with self._lock:
            current = self._current()
            earlier = [w for w in self._windows if w not in current and w.kind == kind]
            stacks = _merged(earlier, view)
            labels = dict(self._labels)
        duration = sum(w.ended_at - w.started_at for w in earlier)
        start = min((w.started_at for w in earlier), default=self.started_at)
        return self._build(stacks, labels, view, duration, start, "previous window", thread)

    def thread_shares(self, span: Span = "total") -> list[ThreadShare]:
        """Per thread: CPU % (kernel), samples % (py-spy), GIL % (probes); busiest first.

        Computed from the same windows as :meth:`profile` with the same
        ``span``, so the threads table and the functions table agree: a
        thread's ``cpu_seconds`` is what its functions add up to in the CPU view.
        Threads never named and never on a CPU are left out (native helpers).
        """
        with self._lock:
            if span == "total":
                totals = self._totals
                cpu, cpu_span = Counter(totals.cpu), totals.cpu_span
                waiting = Counter(totals.waiting)
                samples, ticks = Counter(totals.samples), totals.active_ticks
                gil, gil_ticks = Counter(totals.gil), totals.gil_ticks
            else:
                windows = self._current()
                cpu, cpu_span = Counter(), sum(w.cpu_span for w in windows if w.cpu is not None)
                samples, ticks, waiting = Counter(), 0, Counter()
                for window in windows:
                    cpu.update(window.cpu or {})
                    waiting.update(window.waiting)
                    if window.kind == "active":
                        samples.update(window.samples)
                        ticks += window.ticks
                gil, gil_ticks = Counter(), sum(w.ticks for w in self._probes)
                for probe in self._probes:
                    gil.update(probe.samples)
            labels = dict(self._labels)
            keys = set(cpu) | set(samples) | set(gil) | (self._alive & set(labels))
        shares = []
        for key in keys:
            label = labels.get(key) or (f"Thread {key}" if key >= 0 else "(unknown thread)")
            if key == NO_THREAD or (not _named(label) and not cpu[key] and not samples[key]):
                continue
            cpu_pct = _percent(cpu[key], cpu_span)
            queued_pct = _percent(waiting[key], cpu_span)
            samples_pct = _percent(samples[key], ticks) if ticks else None
            wanted = cpu_pct + queued_pct
            misdetected = (
                samples_pct is not None
                and cpu_span > 0
                and samples_pct - wanted >= MISDETECTION_POINTS
                and samples_pct >= 1.5 * wanted
            )
            shares.append(
                ThreadShare(
                    key=key,
                    name=label,
                    cpu_percent=cpu_pct,
                    samples_percent=samples_pct,
                    gil_percent=_percent(gil[key], gil_ticks) if gil_ticks else None,
                    cpu_seconds=cpu[key],
                    queued_percent=queued_pct,
                    misdetected=misdetected,
                )
            )
        shares.sort(
            key=lambda share: (-share.cpu_percent, -(share.samples_percent or 0), share.name)
        )
        return shares

    def evidence(self, seconds: float | None = None) -> Evidence:
        """The last ``seconds`` (default: the rolling window) as diagnosis evidence."""
        seconds = seconds or self.window_seconds
        with self._lock:
            recent = self.metrics.recent(seconds)
            ticks = sum(probe.ticks for probe in self._probes)
            held = sum(sum(probe.samples.values()) for probe in self._probes)
            measured = [w for w in self._current() if w.cpu is not None]
            span = sum(w.cpu_span for w in measured)
            queued = sum(_queued(w) for w in measured)
        if recent is None:
            return Evidence(seconds=0.0, cpu_percent=0.0)
        busy = sum(1 for share in self.thread_shares("window") if share.cpu_percent >= BUSY_THREAD)
        return Evidence(
            seconds=recent.seconds,
            cpu_percent=recent.cpu_percent,
            busy_threads=busy,
            gil_percent=min(100.0, _percent(held, ticks)) if ticks else None,
            queued_percent=_percent(queued, span),
            read_per_s=recent.read_per_s,
            write_per_s=recent.write_per_s,
            ctx_per_s=recent.ctx_per_s,
            fds=recent.fds,
            fds_per_min=recent.fds_per_min,
            threads=recent.threads,
            threads_per_min=recent.threads_per_min,
            rss_bytes=recent.rss_bytes,
            rss_per_min=recent.rss_per_min,
            history_seconds=recent.history_seconds,
        )

    def snapshot(
        self,
        path: Path,
        which: Span = "window",
        fmt: SnapshotFormat = "speedscope",
        view: View = "cpu",
    ) -> Path:
        """Write the window or the total of ``view`` to ``path`` with its metadata.

        Metadata: pid, command, rate, duration, captured_at (ISO 8601), the
        view, git revision of the target's working directory when it is in a
        git repository. Raises :class:`~workbench.errors.SamplingError` when
        there is nothing sampled yet or the file cannot be written.
        """
        if which not in ("window", "total"):
            raise SamplingError(f"snapshot of {which!r}: choose window or total")
        profile = self.profile(view, which)
        if not len(profile):
            raise SamplingError(_nothing_in(view))
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
        """Windows that ended within the rolling window (lock held by the caller)."""
        if self._last_end is None:
            return []
        horizon = self._last_end - self.window_seconds
        return [w for w in self._windows if w.ended_at > horizon]

    def _build(
        self,
        stacks: Counter[StackKey],
        labels: dict[int, str],
        view: View,
        duration: float,
        start: float | None,
        name: str,
        thread: int | None,
    ) -> Profile:
        started = start if start is not None else self.started_at
        captured = datetime.fromtimestamp(time.time() - (time.monotonic() - started), UTC)
        meta = ProfileMeta(
            format="live",
            unit="seconds" if view == "cpu" else "samples",
            rate=float(self.requested_rate),
            duration=round(duration, 3),
            command=self.command,
            pid=self.pid,
            captured_at=captured.isoformat(timespec="seconds"),
            name=f"pid {self.pid} {name}",
            view=view,
        )
        profile = Profile(meta)
        index: dict[int, int] = {}
        for (key, frames), weight in stacks.items():
            if thread is not None and key != thread:
                continue
            if key not in index:
                label = labels.get(key) or (f"Thread {key}" if key >= 0 else "")
                index[key] = profile.thread_index(label) if label else -1
            profile.add_frames(frames, weight, index[key])
        return profile


def _window_counts(
    profile: Profile,
) -> tuple[Counter[StackKey], dict[int, float], dict[int, str]]:
    """Samples per (thread key, stack) and per thread of one batch, and the labels seen."""
    keys, labels = [], {}
    for index, label in enumerate(profile.meta.threads):
        tid = label_tid(label)
        key = tid if tid is not None else -1 - index
        keys.append(key)
        labels[key] = label
    frames = profile.frames
    counts: Counter[StackKey] = Counter()
    samples: Counter[int] = Counter()
    for ids, weight, thread in profile.stacks():
        key = keys[thread] if thread >= 0 else NO_THREAD
        counts[(key, tuple(frames[i] for i in ids))] += weight
        samples[key] += weight
    return counts, dict(samples), labels


def _merged(windows: Iterable[_Window], view: View) -> Counter[StackKey]:
    stacks: Counter[StackKey] = Counter()
    for window in windows:
        stacks.update((window.weighted or {}) if view == "cpu" else window.counts)
    return stacks


def _queued(window: _Window) -> float:
    """Seconds the threads waited for a core in ``window`` (a thread never wants more
    than one core: what it ran and queued together is capped at the window)."""
    cpu = window.cpu or {}
    return sum(
        min(window.cpu_span - cpu.get(key, 0.0), seconds) for key, seconds in window.waiting.items()
    )


def _named(label: str) -> bool:
    parts = split_label(label)
    return bool(parts and parts[1])


def _percent(part: float, whole: float) -> float:
    return 100.0 * part / whole if whole else 0.0


def _nothing_in(view: View) -> str:
    if view == "cpu":
        return "nothing in the CPU view yet: no thread used CPU while sampled (is the target idle?)"
    if view == "wall":
        return "nothing in the wall view yet: switch to it and let a window pass"
    return "nothing sampled yet: no stacks to save (is the target idle?)"


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

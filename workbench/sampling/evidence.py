"""The process metrics the Live pane shows as evidence: levels and rates over time.

psutil's I/O and context-switch counters are cumulative; what a reader
wants is a rate ("2.3 MB/s reads", "1,200 switches/s") and its peak over the
session, next to CPU, memory, threads and file descriptors. A
:class:`MetricsHistory` turns successive
:class:`~workbench.sampling.metrics.MetricsSample` readings into one bounded
series per metric (:data:`SERIES`), and :meth:`MetricsHistory.recent`
averages the last seconds for the diagnosis. Pure: fed by the caller.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

from workbench.sampling.metrics import MetricsSample

__all__ = ["SERIES", "MetricsHistory", "RecentMetrics"]

#: Series kept, in the order the pane draws them: id -> what one value is.
SERIES: dict[str, str] = {
    "cpu": "CPU % of one core",
    "rss": "resident memory, bytes",
    "threads": "OS threads",
    "read": "bytes read per second (files, sockets, pipes)",
    "write": "bytes written per second",
    "ctx": "context switches per second",
    "fds": "open file descriptors",
}


@dataclass(frozen=True)
class RecentMetrics:
    """Averages over the last seconds, and the trends over the whole history."""

    seconds: float
    """Span the averages cover (0 when fewer than two readings)."""
    cpu_percent: float
    read_per_s: float
    write_per_s: float
    ctx_per_s: float
    fds: int
    threads: int
    rss_bytes: int
    fds_per_min: float
    """Slope of the FD count over the history (a leak grows steadily)."""
    threads_per_min: float
    rss_per_min: float
    history_seconds: float
    """Span the slopes cover."""


class MetricsHistory:
    """Bounded series of each metric, one value per reading, oldest first."""

    def __init__(self, length: int = 120) -> None:
        self.series: dict[str, deque[float]] = {key: deque(maxlen=length) for key in SERIES}
        self._times: deque[float] = deque(maxlen=length)
        self._previous: MetricsSample | None = None
        self.latest: MetricsSample | None = None

    def add(self, sample: MetricsSample) -> None:
        """Append one reading; rates are over the time since the previous one."""
        previous, self._previous, self.latest = self._previous, sample, sample
        elapsed = sample.time - previous.time if previous is not None else 0.0

        def rate(now: int, before: int) -> float:
            return max(0.0, (now - before) / elapsed) if elapsed > 0 else 0.0

        series = self.series
        series["cpu"].append(sample.cpu_percent)
        series["rss"].append(float(sample.rss_bytes))
        series["threads"].append(float(sample.threads))
        series["fds"].append(float(sample.fds))
        if previous is None:
            series["read"].append(0.0)
            series["write"].append(0.0)
            series["ctx"].append(0.0)
        else:
            series["read"].append(rate(sample.io_read_chars, previous.io_read_chars))
            series["write"].append(rate(sample.io_write_chars, previous.io_write_chars))
            series["ctx"].append(rate(sample.ctx_switches, previous.ctx_switches))
        self._times.append(sample.time)

    def values(self) -> dict[str, list[float]]:
        """Every series as a list, oldest first (what the sparklines draw)."""
        return {key: list(values) for key, values in self.series.items()}

    def recent(self, seconds: float) -> RecentMetrics | None:
        """Averages over the readings of the last ``seconds``; None before two readings."""
        times = list(self._times)
        if len(times) < 2 or self.latest is None:
            return None
        first = next(i for i, t in enumerate(times) if t >= times[-1] - seconds)
        first = min(first, len(times) - 2)  # at least one interval
        start = first + 1  # rates of the first reading in the span cover time before it

        def mean(key: str) -> float:
            values = list(self.series[key])[start:]
            return sum(values) / len(values) if values else 0.0

        span_minutes = (times[-1] - times[0]) / 60.0

        def slope(key: str) -> float:
            values = list(self.series[key])
            return _slope(times, values) * 60.0 if span_minutes > 0 else 0.0

        latest = self.latest
        return RecentMetrics(
            seconds=times[-1] - times[first],
            cpu_percent=mean("cpu"),
            read_per_s=mean("read"),
            write_per_s=mean("write"),
            ctx_per_s=mean("ctx"),
            fds=latest.fds,
            threads=latest.threads,
            rss_bytes=latest.rss_bytes,
            fds_per_min=slope("fds"),
            threads_per_min=slope("threads"),
            rss_per_min=slope("rss"),
            history_seconds=times[-1] - times[0],
        )


def _slope(times: list[float], values: list[float]) -> float:
    """Least-squares slope of ``values`` over ``times`` (per second); 0 when flat or too few."""
    count = len(times)
    if count < 2:
        return 0.0
    mean_t, mean_v = sum(times) / count, sum(values) / count
    spread = sum((t - mean_t) ** 2 for t in times)
    if spread == 0:
        return 0.0
    return sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values, strict=True)) / spread

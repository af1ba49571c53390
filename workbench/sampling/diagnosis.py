"""A one-line diagnosis from what was measured: "likely I/O bound: 71% idle, 2.3 MB/s reads".

:func:`diagnose` is a pure function over :class:`Evidence`, a small record of
measured figures (CPU, GIL share, I/O and context-switch rates, FD, thread
and memory trends), so the Live pane, ``record`` and the pattern analysis can
all ask the same question of their own numbers. It names one pattern with a
confidence and the figures behind it, or says honestly that it does not know.

The signatures (DESIGN.md, "Diagnose"), in the order they are checked:

* *leaks* first, because they grow until they hurt: file descriptors, threads
  or resident memory rising steadily over at least :data:`TREND_SECONDS`;
* *CPU bound*: the process wants most of a core — it runs, or it is runnable
  and waits for a core other processes hold (then it is *starved*, and says
  so); several busy threads on about one core with the GIL held nearly all
  the time is *GIL contention*; well over one core means native code running
  outside the GIL;
* *I/O bound*: mostly idle while bytes flow through reads and writes or the
  process switches context often;
* *waiting*: mostly idle with little I/O — locks, sleeps or a slow peer; the
  wall view shows where.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Diagnosis", "Evidence", "diagnose"]

#: Seconds of figures below which nothing is concluded.
MIN_SECONDS = 2.0
#: Seconds of history a trend needs before it can be called a leak.
TREND_SECONDS = 30.0
#: Percent of one core above which the process is busy.
BUSY_CPU = 80.0
#: Percent idle (of one core) above which the process mostly waits.
IDLE = 50.0
#: Bytes per second through reads and writes that count as real I/O.
IO_BYTES = 512 * 1024
#: Context switches per second that count as I/O-style waiting.
IO_SWITCHES = 500.0
#: Growth per minute that makes a leak: FDs, threads, resident bytes.
FD_LEAK, THREAD_LEAK, RSS_LEAK = 20.0, 5.0, 50 * 2**20


@dataclass(frozen=True)
class Evidence:
    """Measured figures of one process over a span."""

    seconds: float
    """Span the rates and shares cover."""
    cpu_percent: float
    """Process CPU, percent of one core (above 100 with threads outside the GIL)."""
    busy_threads: int = 0
    """Threads that used at least a fifth of a core."""
    runnable_percent: float | None = None
    """Percent of a core the threads wanted: on a CPU, or runnable and waiting in the
    run queue because other processes had the cores. None when not measured."""
    gil_percent: float | None = None
    """Share of sampling ticks some thread held the GIL; None when not measured."""
    read_per_s: float = 0.0
    """Bytes through read calls per second (files, sockets, pipes)."""
    write_per_s: float = 0.0
    ctx_per_s: float = 0.0
    """Context switches per second."""
    fds: int = 0
    fds_per_min: float = 0.0
    threads: int = 0
    threads_per_min: float = 0.0
    rss_bytes: int = 0
    rss_per_min: float = 0.0
    history_seconds: float = 0.0
    """Span the per-minute trends cover."""


@dataclass(frozen=True)
class Diagnosis:
    """A named pattern, how sure, and the figures that say so."""

    pattern: str
    """``cpu-bound``, ``gil-contention``, ``io-bound``, ``waiting``, ``fd-leak``,
    ``thread-leak``, ``memory-growth`` or ``unknown``."""
    confidence: float
    """0 to 1: how far past its thresholds the evidence is, and for how long."""
    line: str
    """One line for a status bar or an item title."""
    evidence: tuple[str, ...] = ()
    """The figures behind it, one per entry."""


def diagnose(evidence: Evidence) -> Diagnosis:
    """The most likely pattern in ``evidence`` (see the module docstring for the order)."""
    e = evidence
    figures = _figures(e)
    if e.seconds < MIN_SECONDS:
        return Diagnosis("unknown", 0.0, f"gathering evidence ({e.seconds:.0f} s so far)", figures)
    for found in (_leak(e, figures), _busy(e, figures), _idle(e, figures)):
        if found is not None:
            return found
    idle = max(0.0, 100.0 - _demand(e))
    line = f"no clear pattern: {_demand(e) / 100:.2f} cores, {idle:.0f}% idle"
    return Diagnosis("unknown", 0.0, line, figures)


def _leak(e: Evidence, figures: tuple[str, ...]) -> Diagnosis | None:
    if e.history_seconds < TREND_SECONDS:
        return None
    trust = min(1.0, e.history_seconds / (4 * TREND_SECONDS))
    if e.fds_per_min >= FD_LEAK:
        line = f"likely FD leak: +{e.fds_per_min:.0f} FDs/min, {e.fds} open"
        return Diagnosis("fd-leak", _sure(e.fds_per_min / FD_LEAK, trust), line, figures)
    if e.threads_per_min >= THREAD_LEAK:
        line = f"likely thread leak: +{e.threads_per_min:.0f} threads/min, {e.threads} now"
        return Diagnosis(
            "thread-leak", _sure(e.threads_per_min / THREAD_LEAK, trust), line, figures
        )
    if e.rss_per_min >= RSS_LEAK:
        line = f"memory growing: +{_mb(e.rss_per_min)}/min, {_mb(e.rss_bytes)} resident"
        return Diagnosis("memory-growth", _sure(e.rss_per_min / RSS_LEAK, trust), line, figures)
    return None


def _demand(e: Evidence) -> float:
    """Percent of a core the process wanted: what it ran, or ran plus what it queued for."""
    return max(e.cpu_percent, e.runnable_percent or 0.0)


def _starved(e: Evidence) -> str:
    queued = _demand(e) - e.cpu_percent
    return f", {queued / 100:.2f} more queued for a CPU" if queued >= 20 else ""


def _busy(e: Evidence, figures: tuple[str, ...]) -> Diagnosis | None:
    demand = _demand(e)
    if demand < BUSY_CPU:
        return None
    trust = min(1.0, e.seconds / 5)
    if demand - e.cpu_percent >= max(20.0, e.cpu_percent):  # queued longer than it ran
        line = (
            f"likely CPU bound but starved: wants {demand / 100:.2f} cores, "
            f"runs on {e.cpu_percent / 100:.2f} (other processes hold the cores)"
        )
        return Diagnosis("cpu-bound", _sure(demand / BUSY_CPU, trust), line, figures)
    cores = e.cpu_percent / 100
    gil = e.gil_percent
    if e.busy_threads >= 2 and gil is not None and gil >= 85 and cores <= 1.3:
        line = (
            f"likely GIL contention: {e.busy_threads} busy threads share one GIL "
            f"(held {gil:.0f}%), {cores:.2f} cores{_starved(e)}"
        )
        return Diagnosis("gil-contention", _sure(gil / 85, trust), line, figures)
    if cores > 1.3:
        line = f"likely CPU bound, partly outside the GIL: {cores:.2f} cores{_starved(e)}"
        return Diagnosis("cpu-bound", _sure(cores, trust), line, figures)
    held = f", GIL held {gil:.0f}%" if gil is not None else ""
    line = f"likely CPU bound: {max(cores, demand / 100):.2f} cores{held}{_starved(e)}"
    return Diagnosis("cpu-bound", _sure(demand / BUSY_CPU, trust), line, figures)


def _idle(e: Evidence, figures: tuple[str, ...]) -> Diagnosis | None:
    idle = max(0.0, 100.0 - _demand(e))
    if idle < IDLE:
        return None
    trust = min(1.0, e.seconds / 5)
    flow = e.read_per_s + e.write_per_s
    if flow >= IO_BYTES or e.ctx_per_s >= IO_SWITCHES:
        if flow >= IO_BYTES:
            what = "reads" if e.read_per_s >= e.write_per_s else "writes"
            rate = f"{_mb(max(e.read_per_s, e.write_per_s))}/s {what}"
        else:
            rate = f"{e.ctx_per_s:,.0f} switches/s"
        strength = max(flow / IO_BYTES, e.ctx_per_s / IO_SWITCHES)
        line = f"likely I/O bound: {idle:.0f}% idle, {rate}"
        return Diagnosis("io-bound", _sure(strength * idle / 100, trust), line, figures)
    line = (
        f"mostly waiting: {idle:.0f}% idle, little I/O "
        "(locks, sleeps or a slow peer: the wall view shows where)"
    )
    return Diagnosis("waiting", _sure(idle / IDLE * 0.8, trust), line, figures)


def _sure(strength: float, trust: float) -> float:
    """Confidence from how far past the threshold (1 = just at it) and how long it was seen."""
    return round(max(0.0, min(1.0, 0.5 + 0.25 * (strength - 1.0))) * trust, 2)


def _figures(e: Evidence) -> tuple[str, ...]:
    figures = [
        f"CPU {e.cpu_percent:.0f}% of a core over {e.seconds:.0f} s",
        f"reads {_mb(e.read_per_s)}/s, writes {_mb(e.write_per_s)}/s",
        f"{e.ctx_per_s:,.0f} context switches/s",
        f"{e.fds} FDs ({e.fds_per_min:+.1f}/min), {e.threads} threads "
        f"({e.threads_per_min:+.1f}/min), {_mb(e.rss_bytes)} resident",
    ]
    if e.gil_percent is not None:
        figures.insert(1, f"GIL held {e.gil_percent:.0f}% of ticks, {e.busy_threads} busy threads")
    if e.runnable_percent is not None:
        figures.insert(1, f"wanted {e.runnable_percent:.0f}% of a core (ran or queued for one)")
    return tuple(figures)


def _mb(value: float) -> str:
    """Decimal megabytes, as rates are usually read (2.3 MB/s)."""
    return f"{value / 1e6:.1f} MB"

"""The calibrated CPU view: each thread's sampled stacks weighed to its measured CPU time.

Why: py-spy records the threads it believes are running, and on Linux that
belief is racy (it reads each thread's state just before pausing the
process), so sleeping threads collect samples — up to tens of points of
"self %" in functions that used no CPU at all. The kernel knows better: it
counts every thread's on-CPU time (:mod:`workbench.sampling.thread_cpu`).

The method, per thread and per window (two CPU readings around one py-spy
run): a thread with ``n`` samples and ``c`` CPU seconds gives each of its
stacks ``c / n`` seconds. Stacks keep their shape within a thread; the
thread's total becomes its CPU time, so shares across threads are CPU
shares, and a thread that used no CPU contributes nothing however many
samples py-spy gave it. The edge cases:

* a thread that started inside the window counts its CPU from its start
  (it was absent from the first reading);
* a thread that ended inside the window is gone from the second reading:
  the processes' own totals still count it, so CPU of the process not
  accounted for by living threads is shared among the sampled threads that
  have no reading, in proportion to their samples;
* a thread that used CPU but has no sample in the window (native code
  without a Python frame, or activity too short for the sampler) keeps its
  CPU: :func:`calibrate` puts it under ``(no Python frame)``;
* when no thread label carries an OS thread id (py-spy before Python 3.11
  may only know Python's ids), threads cannot be matched: the whole process
  CPU is then shared by samples, which still removes the idle samples'
  weight in windows where the process slept.

Limits: CPU is attributed at window resolution (one to a few seconds), so a
thread that alternates between two functions within a window gets their
sampled proportions of its CPU; a thread py-spy saw only while it slept
(never while it ran) puts its CPU on its sleeping stack.

Everything here is pure: the callers (the live session, ``workbench record``,
``record -- CMD``) read the CPU and pass it in.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace

from workbench.profiles.model import Profile
from workbench.profiles.readers import NO_PYTHON_FRAME
from workbench.sampling.thread_cpu import CpuReading

__all__ = [
    "ThreadCpu",
    "WindowCpu",
    "calibrate",
    "label_tid",
    "thread_cpu_table",
    "weigh",
    "window_cpu",
]

_TID = re.compile(r"(?:^|\s)Thread (\d+)(?:\s|$)")


@dataclass(frozen=True)
class WindowCpu:
    """What each thread ran between two readings."""

    seconds: float
    """Wall seconds between the readings."""
    threads: Mapping[int, float]
    """TID -> CPU seconds in the window, for threads alive at its end."""
    process: float
    """CPU seconds of the processes in the window, threads that ended included."""
    waiting: Mapping[int, float] = field(default_factory=dict)
    """TID -> seconds it was runnable but waited for a core (a busy machine's mark)."""

    @property
    def departed(self) -> float:
        """CPU of threads that ended inside the window (never negative).

        The process total is counted in clock ticks while threads are counted
        in nanoseconds, so this is precise to a tick or two.
        """
        return max(0.0, self.process - sum(self.threads.values()))


def window_cpu(before: CpuReading, after: CpuReading) -> WindowCpu:
    """CPU per thread between ``before`` and ``after``.

    A thread absent from ``before`` started in between: all its CPU is inside.
    A thread whose counter went down is a recycled TID: counted from zero.
    """
    threads = {}
    for tid, seconds in after.threads.items():
        start = before.threads.get(tid, 0.0)
        threads[tid] = seconds - start if seconds >= start else seconds
    process = sum(
        max(0.0, seconds - before.processes.get(pid, 0.0))
        for pid, seconds in after.processes.items()
    )
    waiting = {
        tid: max(0.0, seconds - before.waiting.get(tid, 0.0))
        for tid, seconds in after.waiting.items()
    }
    return WindowCpu(max(0.0, after.time - before.time), threads, process, waiting)


@dataclass(frozen=True)
class ThreadCpu:
    """How one thread's samples were weighed in one window (or summed over several)."""

    tid: int | None
    samples: float
    """Samples py-spy gave the thread."""
    cpu_seconds: float
    """CPU it used, as the kernel measured it."""

    @property
    def seconds_per_sample(self) -> float:
        return self.cpu_seconds / self.samples if self.samples else 0.0


@dataclass(frozen=True)
class Weighing:
    """The outcome of :func:`weigh` for one window."""

    scales: dict[int, float]
    """Thread key -> CPU seconds each of its samples stands for."""
    unsampled: dict[int, float]
    """TID -> CPU seconds of living threads with no sample in the window."""


def weigh(samples: Mapping[int, float], cpu: WindowCpu) -> Weighing:
    """Seconds per sample of each sampled thread, and the CPU no sample accounts for.

    ``samples`` maps a thread key to its sample count in the window: its OS
    thread id, or a key that matches no TID (a negative number) when the
    label has none. See the module docstring for the rules.
    """
    sampled = {key: count for key, count in samples.items() if count > 0}
    matched = {key for key in sampled if key in cpu.threads}
    unmatched = [key for key in sampled if key not in matched]
    scales = {key: cpu.threads[key] / sampled[key] for key in matched}
    unsampled = {
        tid: seconds for tid, seconds in cpu.threads.items() if seconds > 0 and tid not in sampled
    }
    if unmatched:
        if matched:
            pool = cpu.departed
        else:  # no label names an OS thread: share the whole process by samples
            pool = max(cpu.process, sum(cpu.threads.values()))
            unsampled = {}
        count = sum(sampled[key] for key in unmatched)
        scales.update({key: pool / count for key in unmatched})
    return Weighing(scales, unsampled)


def label_tid(label: str) -> int | None:
    """The OS thread id in a py-spy thread label (``Thread 4242 "name"``), if any."""
    found = _TID.search(label)
    return int(found.group(1)) if found else None


def thread_keys(labels: Iterable[str]) -> list[int]:
    """A key per label: its TID, or a distinct negative number when it has none."""
    keys = []
    for index, label in enumerate(labels):
        tid = label_tid(label)
        keys.append(tid if tid is not None else -1 - index)
    return keys


def calibrate(profile: Profile, cpu: WindowCpu, names: Mapping[int, str] | None = None) -> Profile:
    """The CPU view of one window's ``profile`` (py-spy samples, idle threads excluded).

    Returns a new profile in seconds of CPU with ``meta.view = "cpu"``.
    Threads with CPU but no sample get a ``(no Python frame)`` stack, labelled
    from ``names`` (TID -> label) when given, else ``Thread TID``.
    ``profile`` must hold one window: weights are sample counts.
    """
    keys = thread_keys(profile.meta.threads)
    counts: dict[int, float] = {}
    for _, weight, thread in profile.stacks():
        key = keys[thread] if thread >= 0 else -(10**9)
        counts[key] = counts.get(key, 0.0) + weight
    weighing = weigh(counts, cpu)
    out = Profile(replace(profile.meta, unit="seconds", view="cpu", threads=[]))
    frames = profile.frames
    for stack, weight, thread in profile.stacks():
        key = keys[thread] if thread >= 0 else -(10**9)
        seconds = weight * weighing.scales.get(key, 0.0)
        if seconds > 0:
            label = profile.meta.threads[thread] if thread >= 0 else ""
            index = out.thread_index(label) if label else -1
            out.add_frames([frames[i] for i in stack], seconds, index)
    for tid, seconds in weighing.unsampled.items():
        label = (names or {}).get(tid) or f"Thread {tid}"
        out.add_frames([NO_PYTHON_FRAME], seconds, out.thread_index(label))
    return out


def thread_cpu_table(profile: Profile, cpu: WindowCpu) -> dict[str, ThreadCpu]:
    """Per thread label of ``profile``: its samples and the CPU it used in the window."""
    keys = thread_keys(profile.meta.threads)
    counts: dict[int, float] = {}
    for _, weight, thread in profile.stacks():
        if thread >= 0:
            counts[keys[thread]] = counts.get(keys[thread], 0.0) + weight
    weighing = weigh(counts, cpu)
    table = {}
    for label, key in zip(profile.meta.threads, keys, strict=True):
        samples = counts.get(key, 0.0)
        table[label] = ThreadCpu(
            key if key >= 0 else None, samples, samples * weighing.scales.get(key, 0.0)
        )
    return table

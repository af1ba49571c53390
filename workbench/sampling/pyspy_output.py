"""Reading what py-spy writes: its speedscope windows and its ``dump --json`` documents.

Kept apart from the sampler so the parsing can be tested (and reused by
``record`` and the live feed) without starting a process.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from workbench.errors import ProfileFormatError, SamplingError
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.readers.speedscope import read_speedscope


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
    with_process: bool = False
    """Sampled with ``subprocesses``: the label names the process too, as py-spy does."""

    @property
    def label(self) -> str:
        """``Thread ID "NAME"`` (``Process PID Thread ID "NAME"`` with subprocesses):
        the same label the batches' profiles give this thread. py-spy's
        speedscope output quotes an unknown name as ``""`` (a program that never
        imported ``threading`` has no thread names), so this does too."""
        label = f'Thread {self.thread_id} "{self.name or ""}"'
        return f"Process {self.pid} {label}" if self.with_process and self.pid else label


def find_pyspy() -> Path:
    """The py-spy executable: beside ``sys.executable`` first, then on PATH.

    Raises :class:`~workbench.errors.SamplingError` saying ``pip install
    py-spy`` when neither has it. The first choice matters: the py-spy wheel
    installs its binary into the same ``bin/`` as the interpreter, which need
    not be on PATH when the workbench runs from a virtualenv without activating it.
    """
    beside = Path(sys.executable).parent / ("py-spy.exe" if os.name == "nt" else "py-spy")
    if beside.is_file() and os.access(beside, os.X_OK):
        return beside
    found = shutil.which("py-spy")
    if found:
        return Path(found)
    raise SamplingError(
        f"py-spy not found next to {sys.executable} nor on PATH; "
        f"install it: {sys.executable} -m pip install py-spy"
    )


def parse_window(output: bytes, rate: float) -> tuple[Profile, int]:
    """Stacks of one ``py-spy record --format speedscope`` output, and its tick count.

    Weights are sample counts (py-spy writes 1/rate seconds per sample).

    Speedscope rather than ``raw --threads``: both name each stack's thread,
    but ``--threads`` makes py-spy look thread ids up while the target is
    paused, which lengthened the pauses measurably here (median paused share
    7.6% vs 4.1% at 100 Hz). The status lines around the JSON are skipped.
    The tick count is the busiest thread's sample count: py-spy writes only
    running threads' stacks, so this is exact while one thread stays busy and
    a lower bound when every thread idles.
    """
    start, end = output.find(b"{"), output.rfind(b"}")
    empty = Profile(ProfileMeta(format="live", unit="samples", rate=rate))
    if start < 0 or end < start:
        return empty, 0
    try:
        document = json.loads(output[start : end + 1])
        if not document.get("profiles"):
            return empty, 0
        profile = read_speedscope(document, "py-spy output")
    except (ValueError, AttributeError, ProfileFormatError) as error:
        raise SamplingError(f"py-spy wrote output we cannot read: {error}") from None
    profile.meta.format = "live"
    profile.meta.rate = rate
    profile.meta.name = None
    threads = np.frombuffer(profile.stack_threads, dtype=np.int32)
    weights = np.frombuffer(profile.weights, dtype=np.float64)
    if profile.meta.unit == "seconds":  # py-spy weighs each sample 1/rate s: count them
        np.round(weights * rate, out=weights)
        profile.meta.unit = "samples"
    per_thread = np.bincount(threads + 1, weights=weights)
    ticks = float(per_thread[1:].max()) if len(per_thread) > 1 else float(weights.sum())
    return profile, int(round(ticks))


def parse_thread_dump(document: Any, with_process: bool = False) -> list[ThreadState]:
    """Threads of one ``py-spy dump --json`` document (frames turned root first).

    ``with_process``: the dump was taken with ``--subprocesses`` (see
    :attr:`ThreadState.with_process`).
    """
    states = []
    for thread in document if isinstance(document, list) else []:
        frames = [
            Frame(frame.get("name") or "?", frame.get("filename") or "", frame.get("line"))
            for frame in reversed(thread.get("frames") or [])
        ]
        states.append(
            ThreadState(
                thread_id=int(thread.get("os_thread_id") or thread.get("thread_id") or 0),
                name=thread.get("thread_name"),
                active=bool(thread.get("active")),
                owns_gil=bool(thread.get("owns_gil")),
                frames=frames,
                pid=thread.get("pid"),
                with_process=with_process,
            )
        )
    return states

"""A headless recording: one py-spy run over a fixed duration, kept when cut short.

``workbench record PID`` and the cycle's baseline/after steps (py-spy on the
server while locust loads it) both need the same thing: start sampling, let
it run while something else happens, and end with one profile — including
when the user presses Ctrl-C, the workbench gets SIGTERM or SIGHUP
(:class:`~workbench.sampling.children.Stopped`), or the target exits early,
because what was measured is kept. One py-spy run covers the whole duration,
so there is no gap between windows; the threads' CPU is read from ``/proc``
before and after it, which is all the calibrated CPU view needs
(:mod:`~workbench.sampling.calibrate`).
"""

from __future__ import annotations

import os
from pathlib import Path

from workbench.errors import SamplingError
from workbench.profiles.model import Profile, View
from workbench.sampling.children import Stopped
from workbench.sampling.pyspy import PySpySampler
from workbench.sampling.session import VIEW_WINDOWS, LiveSession, SnapshotFormat


class Recording:
    """Sample ``pid`` for ``seconds``: :meth:`start`, then :meth:`collect` (blocking).

    ``view`` is what the profile measures: ``cpu`` (default, calibrated),
    ``samples`` (py-spy's samples as recorded) or ``wall`` (``--idle``:
    every thread, waiting included). ``idle=True`` is the same as ``view="wall"``.
    """

    def __init__(
        self,
        pid: int,
        seconds: int,
        *,
        rate: int = 100,
        nonblocking: bool | None = None,
        subprocesses: bool = False,
        idle: bool = False,
        view: View = "cpu",
    ) -> None:
        self.pid = pid
        self.seconds = seconds
        self.rate = rate
        self.view: View = "wall" if idle else view
        self.sampler = PySpySampler(
            pid,
            rate=rate,
            nonblocking=nonblocking,
            subprocesses=subprocesses,
            window_seconds=seconds,
            windows=1,
            idle=VIEW_WINDOWS[self.view] == "idle",
        )
        self.session: LiveSession | None = None
        self.interrupted: str | None = None
        """What stopped it before its duration: ``SIGINT``, ``SIGTERM``, ``SIGHUP``
        (or ``stop()`` by the caller); None when it ran its course."""

    @property
    def reason(self) -> str:
        """Why py-spy blocks the target or not (see ``PySpySampler.reason``)."""
        return self.sampler.reason

    def start(self) -> None:
        """Check the target and start py-spy; SamplingError with the cause otherwise."""
        self.sampler.start()
        info = self.sampler.info
        self.session = LiveSession(
            self.pid,
            self.rate,
            command=info.command if info else None,
            window_seconds=self.seconds,
        )

    def stop(self, why: str = "stop") -> None:
        """End early: py-spy gets SIGINT and writes what it sampled (collect it next)."""
        self.interrupted = self.interrupted or why
        self.sampler.stop()

    def collect(self) -> None:
        """Wait for the samples; a stop signal ends early and keeps them. py-spy is
        stopped after, whatever happens."""
        assert self.session is not None, "start() first"
        try:
            for batch in self.sampler.batches():
                self.session.add_batch(batch)
        except (KeyboardInterrupt, Stopped) as signal:
            self.stop("SIGINT" if isinstance(signal, KeyboardInterrupt) else str(signal))
            for batch in self.sampler.batches():
                self.session.add_batch(batch)
        finally:
            self.sampler.stop()

    def profile(self) -> Profile:
        """Everything sampled, in the recording's view; SamplingError when there is nothing."""
        session = self.session
        if session is None or not session.total_samples:
            raise SamplingError(self._nothing_sampled())
        profile = session.profile(self.view, "total")
        if not len(profile):
            raise SamplingError(self._nothing_sampled())
        return profile

    def save(self, path: Path, fmt: SnapshotFormat = "speedscope") -> Path:
        """Write the profile with its metadata (pid, command, rate, view, git revision)."""
        self.profile()
        assert self.session is not None
        return self.session.snapshot(path, "total", fmt, self.view)

    @property
    def total_samples(self) -> int:
        """Sampling ticks taken (what py-spy really took, not rate x duration)."""
        return self.session.total_samples if self.session else 0

    def note(self) -> str | None:
        """Why the profile is partial (exited, interrupted, py-spy failed), or None."""
        sampled = self.profile().meta.duration or 0.0
        if self.sampler.target_exited or (self.session and self.session.target_exited):
            return (
                f"process {self.pid} exited after {sampled:.1f} s of the {self.seconds} s "
                "asked; the partial profile is kept"
            )
        if self.interrupted:
            return (
                f"stopped by {self.interrupted} after {sampled:.1f} s; the partial profile is kept"
            )
        if self.sampler.error:
            return f"sampling ended early: {self.sampler.error}; the partial profile is kept"
        return None

    def _nothing_sampled(self) -> str:
        sampler = self.sampler
        if sampler.error:
            return sampler.error
        if sampler.target_exited:
            return f"process {self.pid} exited before any sample was taken; nothing to write"
        if self.interrupted:
            return f"stopped by {self.interrupted} before any sample was taken; nothing to write"
        if self.view == "cpu":
            return (
                f"no CPU sampled from process {self.pid}: none of its threads ran while "
                "sampled (the wall view, --view wall, shows where they wait)"
            )
        return (
            f"no stacks sampled from process {self.pid}: it was idle the whole time "
            "(py-spy records running threads only); record longer or while it works"
        )


def check_output_path(path: Path) -> None:
    """Refuse, before any sampling, an output path that cannot be written.

    A folder, a path below a file, a missing or read-only folder: one
    :class:`~workbench.errors.SamplingError` naming it, so the user does not
    wait for the whole duration to learn it. Folders that do not exist yet
    are fine when the nearest existing one is writable (they are created).
    """
    if path.is_dir():
        raise SamplingError(
            f"{path} is a folder: give a file name, e.g. {path / 'profile.speedscope.json'}"
        )
    if path.exists() and not os.access(path, os.W_OK):
        raise SamplingError(f"cannot write {path}: permission denied; choose another -o path")
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise SamplingError(f"cannot write {path}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise SamplingError(f"cannot write {path}: {parent} is read-only; choose another -o path")

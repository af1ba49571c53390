"""A headless recording: one py-spy run over a fixed duration, kept when cut short.

``workbench record PID`` and the cycle's baseline/after steps (py-spy on the
server while locust loads it) both need the same thing: start sampling, let
it run while something else happens, and end with one profile — including
when the user presses Ctrl-C or the target exits early, because what was
measured is kept. One py-spy run covers the whole duration, so there is no
gap between windows.
"""

from __future__ import annotations

from pathlib import Path

from workbench.errors import SamplingError
from workbench.profiles.model import Profile
from workbench.sampling.pyspy import PySpySampler
from workbench.sampling.session import LiveSession, SnapshotFormat


class Recording:
    """Sample ``pid`` for ``seconds``: :meth:`start`, then :meth:`collect` (blocking)."""

    def __init__(
        self,
        pid: int,
        seconds: int,
        *,
        rate: int = 100,
        nonblocking: bool | None = None,
        subprocesses: bool = False,
        idle: bool = False,
    ) -> None:
        self.pid = pid
        self.seconds = seconds
        self.rate = rate
        self.sampler = PySpySampler(
            pid,
            rate=rate,
            nonblocking=nonblocking,
            subprocesses=subprocesses,
            window_seconds=seconds,
            windows=1,
            idle=idle,
        )
        self.session: LiveSession | None = None
        self.interrupted = False
        """Stopped before its duration (Ctrl-C, or :meth:`stop` by the caller)."""

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

    def stop(self) -> None:
        """End early: py-spy gets SIGINT and writes what it sampled (collect it next)."""
        self.interrupted = True
        self.sampler.stop()

    def collect(self) -> None:
        """Wait for the samples (Ctrl-C ends early and keeps them); py-spy is stopped after."""
        assert self.session is not None, "start() first"
        try:
            for batch in self.sampler.batches():
                self.session.add_batch(batch)
        except KeyboardInterrupt:
            self.stop()
            for batch in self.sampler.batches():
                self.session.add_batch(batch)
        finally:
            self.sampler.stop()

    def profile(self) -> Profile:
        """Everything sampled; SamplingError when there is nothing (idle, gone, failed)."""
        session = self.session
        if session is None or not session.total_samples or not len(session.total_profile()):
            raise SamplingError(self._nothing_sampled())
        return session.total_profile()

    def save(self, path: Path, fmt: SnapshotFormat = "speedscope") -> Path:
        """Write the profile with its metadata (pid, command, rate, git revision)."""
        self.profile()
        assert self.session is not None
        return self.session.snapshot(path, "total", fmt)

    @property
    def total_samples(self) -> int:
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
            return f"interrupted after {sampled:.1f} s; the partial profile is kept"
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
            return "interrupted before any sample was taken; nothing to write"
        return (
            f"no stacks sampled from process {self.pid}: it was idle the whole time "
            "(py-spy records running threads only); record longer or while it works"
        )

"""``JobLine``: a long measurement started from a pane (a capture, a bisect), and its line.

The widget owns what such a job needs in the UI, once for every kind: the
thread worker that runs it (the UI never waits), the stop flag the core
checks (set by the pane's stop key, and when the pane goes away — the app
quitting — so the command and its profiler die with us and the worktrees are
removed), and the one line that says how far it got. One job at a time: the
core jobs share the machine's cores, and two would skew each other's timings.

When the job ends, the widget posts the job's own message (it bubbles to the
pane, which shows the outcome).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.message import Message
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from workbench.errors import WorkbenchError

if TYPE_CHECKING:  # the capture's runner loads with the first job, not the pane's first frame
    from workbench.capture.runner import Progress, ProgressCallback


@dataclass
class Job:
    """One kind of measurement: how to run it and how to say where it is."""

    name: str
    """What the user started, as the notices say it ("Capture", "Bisect")."""
    run: Callable[[ProgressCallback, threading.Event], Message]
    """Runs in the worker thread (reporting progress, stopping when the event is set);
    returns the message that says how it ended."""
    failed: Callable[[str], Message]
    """The message saying it could not run, and why (bad input, or a bug)."""
    describe: Callable[[Progress], str]
    """The progress line for an update."""


@dataclass
class JobProgressed(Message):
    """The job moved on; replaces the previous update (only the latest is drawn)."""

    progress: Progress

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, JobProgressed)


@dataclass
class JobEnded(Message):
    """The worker is done; ``ended`` is the job's own message, posted on from the UI thread."""

    ended: Message


class JobLine(Static):
    """The progress line of the running job (hidden when none runs)."""

    DEFAULT_CSS = """
    JobLine {
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.job: Job | None = None
        """The job running, or None."""
        self._stop: threading.Event | None = None

    def start(self, job: Job) -> bool:
        """Run ``job`` in a worker, unless one is running (then say so; False)."""
        if self.job is not None:
            self.notify(
                f"{self.job.name} under way: wait for it, or stop it first.",
                severity="warning",
                markup=False,
            )
            return False
        self.job, self._stop = job, threading.Event()
        self._say(f"Starting the {job.name.lower()}…")
        self._run(job, self._stop)
        return True

    def stop(self) -> bool:
        """Ask the running job to stop (what was measured is kept); False when none runs."""
        if self.job is None or self._stop is None:
            return False
        self._stop.set()
        self._say(f"Stopping the {self.job.name.lower()} (what was measured is kept)…")
        return True

    def on_unmount(self) -> None:
        """The pane is going (the app quits): the job's children must not outlive us."""
        if self._stop is not None:
            self._stop.set()

    @work(thread=True, exclusive=True, group="job", exit_on_error=False)
    def _run(self, job: Job, stop: threading.Event) -> None:
        try:
            ended = job.run(lambda update: self.post_message(JobProgressed(update)), stop)
        except WorkbenchError as error:
            ended = job.failed(error.in_app())
        self.post_message(JobEnded(ended))

    def on_job_progressed(self, message: JobProgressed) -> None:
        message.stop()
        if self.job is not None and not (self._stop and self._stop.is_set()):
            self._say(f"{self.job.describe(message.progress)}   (X stops it)")

    def on_job_ended(self, message: JobEnded) -> None:
        message.stop()
        self.job = self._stop = None
        self.display = False
        self.post_message(message.ended)  # bubbles to the pane

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """A failure in the worker is a bug: said, never swallowed."""
        if event.worker.group == "job" and event.state == WorkerState.ERROR and self.job:
            self.post_message(JobEnded(self.job.failed(f"internal error: {event.worker.error!r}")))

    def _say(self, text: str) -> None:
        self.update(Text(text))
        self.display = True

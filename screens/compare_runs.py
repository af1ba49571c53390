"""The measurements the Compare pane starts: a capture and a bisect, as :class:`Job` s.

Each is the core function (``run_capture``, ``bisect``) run in the pane's
:class:`~screens.widgets.job_line.JobLine` worker, the message that says how it
ended, and how its progress line reads. The pane only shows the outcome.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

from screens.widgets.job_line import Job
from workbench.capture.bisect_request import BisectRequest
from workbench.capture.runner import CaptureRequest, Progress, ProgressCallback, run_capture

if TYPE_CHECKING:  # the search (and NumPy) load in the worker, not with the first frame
    from workbench.capture.bisect import BisectResult


@dataclass
class CaptureFinished(Message):
    """A capture started from the pane ended: its folder, or why it could not run."""

    folder: Path | None
    interrupted: bool = False
    error: str | None = None
    comparable: bool = True
    """Both sides have a successful run (a capture stopped early may have none)."""


@dataclass
class BisectFinished(Message):
    """A bisect started from the pane ended: its result (stopped: what was measured), or
    why it could not run."""

    result: BisectResult | None
    error: str | None = None


def capture_job(request: CaptureRequest) -> Job:
    def run(progress: ProgressCallback, stop: threading.Event) -> Message:
        manifest = run_capture(request, progress=progress, cancel=stop)
        comparable = all(manifest.runs_of(role, ok_only=True) for role in ("base", "branch"))
        return CaptureFinished(manifest.folder, manifest.interrupted, comparable=comparable)

    def describe(step: Progress) -> str:
        return (
            f"Capture: run {min(step.done + 1, step.total)} of {step.total}, "
            f"{step.elapsed:.0f} s — {step.message}"
        )

    return Job("Capture", run, lambda error: CaptureFinished(None, error=error), describe)


def bisect_job(request: BisectRequest) -> Job:
    def run(progress: ProgressCallback, stop: threading.Event) -> Message:
        from workbench.capture.bisect import bisect

        return BisectFinished(bisect(request, progress=progress, cancel=stop))

    def describe(step: Progress) -> str:
        doing = step.message  # "step 3: run 1 of 5 (good)": the step is said first already
        if doing.startswith("step "):
            doing = doing.split(": ", 1)[-1]
        return (
            f"Bisect: step {step.done + 1} of ~{step.total} · {step.revision or '…'} · "
            f"{step.standing} · {step.elapsed:.0f} s — {doing}"
        )

    return Job("Bisect", run, lambda error: BisectFinished(None, error), describe)

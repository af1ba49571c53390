"""Load and profile at once: locust drives the service while py-spy samples its PID.

The cycle's baseline and after steps are one command each: py-spy starts the
moment locust does and samples for the plan's duration plus a second (locust
takes about that long to import before the first request), so the profile
covers the time under load. Without a PID only the load test runs and the
profile is "not measured". An interrupted load test keeps both: the CSVs so
far and the samples so far.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.cycle.loadtest import run_loadtest
from workbench.cycle.plans import LoadPlan
from workbench.cycle.results import LoadResult
from workbench.cycle.run_files import PROFILE_FILE
from workbench.errors import LoadTestError, SamplingError
from workbench.sampling.processes import check_target
from workbench.sampling.recording import Recording


@dataclass
class CapturedRun:
    """One load test with the profile taken during it."""

    result: LoadResult
    folder: Path
    profile: Path | None
    """The speedscope file, None when no PID was given or nothing was sampled."""
    notes: list[str]
    """What the user should know: a partial profile, why there is none."""


def load_and_profile(
    plan: LoadPlan,
    folder: Path,
    *,
    pid: int | None = None,
    rate: int = 100,
    idle: bool = False,
    allow_remote: bool = False,
    locustfile: Path | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CapturedRun:
    """Run ``plan`` into ``folder`` while py-spy samples ``pid`` (if given); ``cancelled``
    stops both early, keeping what they measured (see ``run_loadtest``)."""
    recording = None
    if pid is not None:
        check_target(pid)  # a bad PID is one error line before any load is sent
        recording = Recording(pid, math.ceil(plan.duration_s) + 1, rate=rate, idle=idle)
    try:
        result = run_loadtest(
            plan,
            folder,
            allow_remote=allow_remote,
            locustfile=locustfile,
            on_started=recording.start if recording else None,
            cancelled=cancelled,
        )
    except LoadTestError:
        if recording is not None and recording.session is not None:
            recording.stop()
            recording.collect()
            _keep_profile(recording, folder, [])
        raise
    notes: list[str] = []
    profile = None
    if recording is not None:
        recording.collect()
        profile = _keep_profile(recording, folder, notes)
    else:
        notes.append("no --pid: the load test ran without a profile (profile: not measured)")
    return CapturedRun(result, folder, profile, notes)


def _keep_profile(recording: Recording, folder: Path, notes: list[str]) -> Path | None:
    """Write what py-spy sampled into ``folder``; a note instead when there is nothing."""
    try:
        path = recording.save(folder / PROFILE_FILE)
        if note := recording.note():
            notes.append(note)
        return path
    except SamplingError as error:
        notes.append(f"no profile: {error}")
        return None

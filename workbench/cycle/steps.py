"""The cycle's baseline and after steps, for the CLI and the Cycle pane alike.

A step is one load test with its profile (:func:`record_phase`) or results
made elsewhere (:func:`import_phase`), stored as a new run folder of the
cycle; nothing already stored is changed.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.cycle.folder import Cycle, write_json
from workbench.cycle.plans import LoadPlan, make_plan, split_url
from workbench.cycle.readers import read_results
from workbench.cycle.results import LoadResult
from workbench.cycle.run_files import PROFILE_FILE, RESULT_FILE
from workbench.errors import CycleError

if TYPE_CHECKING:
    from workbench.cycle.capture import CapturedRun


def record_phase(
    cycle: Cycle,
    phase: str,
    *,
    pid: int | None = None,
    profile: str | None = None,
    url: str | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> CapturedRun:
    """Run the cycle's load (another ``profile`` if given; at ``url``'s address if given)
    while py-spy samples ``pid`` (else the PID the cycle was started with)."""
    from workbench.cycle.capture import load_and_profile  # locust's driver and py-spy

    config = cycle.config
    plan = phase_plan(cycle, profile=profile, url=url)
    return load_and_profile(
        plan,
        cycle.new_run_folder(phase, plan.profile),
        pid=pid or config.pid,
        rate=config.rate,
        idle=config.idle,
        allow_remote=config.allow_remote,
        locustfile=Path(config.locustfile) if config.locustfile else None,
        cancelled=cancelled,
    )


def phase_plan(cycle: Cycle, *, profile: str | None = None, url: str | None = None) -> LoadPlan:
    """The load a step runs: the cycle's, with another ``profile`` and at another address.

    ``url`` moves the load to a service that came back elsewhere (a restart on
    another port): its scheme, host and port replace the cycle's; the paths stay
    the cycle's, since the SLOs and the before/after table name them. A URL whose
    path differs is refused rather than silently measuring something else.
    """
    plan = cycle.config.plan
    if plan is None:
        raise CycleError(
            f"cycle {cycle.name!r} has no URL to load; pass --from RESULTS, or start a cycle "
            "with --url"
        )
    if profile is not None:
        plan = replan(plan, profile)
    if url is None:
        return plan
    host, path = split_url(url)
    if path not in ("/", plan.paths[0]):
        raise CycleError(
            f"--url {url!r} changes what the load visits, not only where: give "
            f"scheme://host:port (the cycle's paths stay: {', '.join(plan.paths)})"
        )
    return replace(plan, host=host)


def replan(plan: LoadPlan, profile: str) -> LoadPlan:
    """The cycle's load with another profile (its default duration, the same users)."""
    return make_plan(
        profile, plan.url, extra_paths=plan.paths[1:], users=plan.users, wait_s=plan.wait_s
    )


def import_phase(
    cycle: Cycle,
    phase: str,
    results: Path,
    *,
    profile: str | None = None,
    profile_file: Path | None = None,
) -> tuple[LoadResult, Path]:
    """Store ``results`` (locust CSV, k6 JSON, wrk output) and optionally a profile of that
    run as a new run of ``phase``; the source file is copied beside them."""
    from workbench.profiles.io import read_profile, write_profile

    name = profile or "baseline"
    result = read_results(results, profile=name)
    captured = read_profile(profile_file) if profile_file else None
    folder = cycle.new_run_folder(phase, name)
    folder.mkdir(parents=True)
    if results.is_file():
        shutil.copy2(results, folder / results.name)
    if captured is not None:
        write_profile(captured, folder / PROFILE_FILE, "speedscope")
    write_json(folder / RESULT_FILE, result.to_json())
    return result, folder

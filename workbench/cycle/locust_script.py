"""The locustfiles a load test runs, written beside its results.

Two files, so a user's own locustfile can take the place of ours: one with
the users (every user visits the plan's paths in turn, waiting ``wait_s``
between requests) and one with the plan as a ``LoadTestShape`` (locust calls
its ``tick`` once a second; it returns the stage's users and spawn rate, zero
users while draining, then None to end the run). The plan goes in as Python
literals (``repr``), never as code, and the files are kept with the CSVs so a
run can be repeated by hand with locust alone.
"""

from __future__ import annotations

from pathlib import Path

from workbench.cycle.plans import DRAIN_S, LoadPlan

USERS_FILE = "locust_users.py"
SHAPE_FILE = "locust_shape.py"

_USERS = '''\
"""Users of a workbench load test ({profile}); run by locust's CLI."""

from locust import HttpUser, constant, task

PATHS = {paths!r}


class Visitor(HttpUser):
    """Visits each path in turn, {wait_s:g} s apart."""

    wait_time = constant({wait_s!r})

    def on_start(self):
        self.turn = 0

    @task
    def visit(self):
        path = PATHS[self.turn % len(PATHS)]
        self.turn += 1
        self.client.get(path, name=path)
'''

_SHAPE = '''\
"""Load shape of a workbench load test ({profile}); run by locust's CLI."""

from locust import LoadTestShape

#: (until second, users, spawn rate per second)
STAGES = {stages!r}
DRAIN_S = {drain!r}


class WorkbenchPlan(LoadTestShape):
    """The stages, then zero users for DRAIN_S so the last CSV write has the totals."""

    def tick(self):
        run_time = self.get_run_time()
        for until, users, rate in STAGES:
            if run_time < until:
                return users, rate
        if run_time < STAGES[-1][0] + DRAIN_S:
            return 0, {stop_rate!r}
        return None
'''


def write_locustfiles(plan: LoadPlan, folder: Path, *, own_users: Path | None = None) -> list[Path]:
    """Write the shape (and our users unless ``own_users`` is given); the ``-f`` list."""
    stages = [(stage.until_s, stage.users, stage.spawn_rate) for stage in plan.stages]
    shape = folder / SHAPE_FILE
    shape.write_text(
        _SHAPE.format(
            profile=plan.profile,
            stages=stages,
            drain=DRAIN_S,
            stop_rate=float(max(plan.peak_users, 1)),
        ),
        encoding="utf-8",
    )
    if own_users is not None:
        return [own_users, shape]
    users = folder / USERS_FILE
    users.write_text(
        _USERS.format(profile=plan.profile, paths=plan.paths, wait_s=plan.wait_s), encoding="utf-8"
    )
    return [users, shape]

"""Load profiles: baseline, stress, spike and soak as stages of users over time.

``users`` is the expected peak (the load the service must carry). Defaults:

* baseline — ``users`` for 30 s: the steady state the SLOs are judged on;
* stress — four equal steps to 50%, 100%, 150% and 200% of ``users`` over
  60 s: it ramps past the expected peak to find where latency breaks;
* spike — ``users`` for the first third of 45 s, five times as many for the
  second (all spawned at once), back to ``users`` for the last: does it recover?
* soak — ``users`` for 30 minutes: leaks and slow drifts need time.

Every duration is configurable and bounded (1 s to 24 h); users are bounded
too, so a typo cannot start a million-user test. After the last stage the
plan holds zero users for :data:`DRAIN_S` seconds, so locust's CSV writer
(which writes once a second) records the final totals before the run ends.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from workbench.documents import number, text
from workbench.errors import LoadTestError

PROFILES = ("baseline", "stress", "spike", "soak")
DEFAULT_USERS = 10
DEFAULT_DURATION_S = {"baseline": 30.0, "stress": 60.0, "spike": 45.0, "soak": 1800.0}
DEFAULT_WAIT_S = 0.1
MAX_DURATION_S = 86_400.0
MAX_USERS = 10_000
SPIKE_FACTOR = 5
STRESS_STEPS = (0.5, 1.0, 1.5, 2.0)
DRAIN_S = 2.0


@dataclass(frozen=True)
class Stage:
    """Hold ``users`` (reached at ``spawn_rate`` users/s) until ``until_s`` into the run."""

    until_s: float
    users: int
    spawn_rate: float


@dataclass(frozen=True)
class LoadPlan:
    """What one load test does: where, which paths, and the stages."""

    profile: str
    host: str
    """``scheme://host:port`` of the service."""
    paths: list[str]
    """Paths each user visits in turn (locust names its rows by them)."""
    users: int
    spawn_rate: float
    duration_s: float
    wait_s: float
    stages: list[Stage] = field(default_factory=list)

    @property
    def peak_users(self) -> int:
        return max(stage.users for stage in self.stages)

    @property
    def url(self) -> str:
        return self.host + self.paths[0]

    def describe(self) -> str:
        """``stress: 5 → 20 users in 4 steps over 60 s``: one line for the console."""
        steps = " → ".join(str(stage.users) for stage in self.stages)
        return f"{self.profile}: {steps} users over {self.duration_s:g} s against {self.url}"

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.profile,
            "host": self.host,
            "paths": self.paths,
            "users": self.users,
            "spawn_rate": self.spawn_rate,
            "duration_s": self.duration_s,
            "wait_s": self.wait_s,
            "stages": [
                {"until_s": s.until_s, "users": s.users, "spawn_rate": s.spawn_rate}
                for s in self.stages
            ],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> LoadPlan:
        """The plan :meth:`to_json` wrote, rebuilt (and so checked) by :func:`make_plan`."""
        paths = [text(path, "plan path") for path in data["paths"]]
        return make_plan(
            text(data["profile"], "plan profile"),
            text(data["host"], "plan host") + paths[0],
            extra_paths=paths[1:],
            users=number(data["users"], "plan users", integer=True, high=MAX_USERS),
            spawn_rate=number(data["spawn_rate"], "plan spawn_rate"),
            duration_s=number(data["duration_s"], "plan duration_s"),
            wait_s=number(data["wait_s"], "plan wait_s"),
        )


def split_url(url: str) -> tuple[str, str]:
    """``(scheme://host:port, /path?query)`` of an http(s) URL; LoadTestError otherwise."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise LoadTestError(f"{url!r} is not an http(s) URL; e.g. http://127.0.0.1:8000/search")
    try:
        parts.port  # noqa: B018 - a malformed port raises here
    except ValueError:
        raise LoadTestError(f"{url!r} has an invalid port") from None
    path = parts.path or "/"
    return f"{parts.scheme}://{parts.netloc}", path + (f"?{parts.query}" if parts.query else "")


def make_plan(
    profile: str,
    url: str,
    *,
    extra_paths: list[str] | None = None,
    users: int | None = None,
    spawn_rate: float | None = None,
    duration_s: float | None = None,
    wait_s: float | None = None,
) -> LoadPlan:
    """The plan of ``profile`` with the defaults of the module doc for what is not given."""
    if profile not in PROFILES:
        raise LoadTestError(f"unknown load profile {profile!r}; use one of {', '.join(PROFILES)}")
    host, path = split_url(url)
    paths = [path]
    for extra in extra_paths or []:
        if not extra.startswith("/"):
            raise LoadTestError(f"--path {extra!r} must start with '/', e.g. /search?q=x")
        paths.append(extra)
    users = DEFAULT_USERS if users is None else users
    duration = DEFAULT_DURATION_S[profile] if duration_s is None else duration_s
    wait = DEFAULT_WAIT_S if wait_s is None else wait_s
    rate = float(users) if spawn_rate is None else spawn_rate
    _check_bounds(users, rate, duration, wait)
    stages = _stages(profile, users, rate, duration)
    if max(stage.users for stage in stages) > MAX_USERS:
        raise LoadTestError(
            f"{profile} with {users} users peaks at {max(s.users for s in stages)}, above "
            f"{MAX_USERS}; lower --users"
        )
    return LoadPlan(profile, host, paths, users, rate, duration, wait, stages)


def _stages(profile: str, users: int, rate: float, duration: float) -> list[Stage]:
    if profile == "stress":
        step = duration / len(STRESS_STEPS)
        return [
            Stage(step * (index + 1), max(1, math.ceil(users * share)), rate)
            for index, share in enumerate(STRESS_STEPS)
        ]
    if profile == "spike":
        third = duration / 3
        peak = users * SPIKE_FACTOR
        return [
            Stage(third, users, rate),
            Stage(2 * third, peak, float(peak)),  # all at once: that is the spike
            Stage(duration, users, float(peak)),
        ]
    return [Stage(duration, users, rate)]


def _check_bounds(users: int, rate: float, duration: float, wait: float) -> None:
    checks = (
        (isinstance(users, int) and 1 <= users <= MAX_USERS, f"--users must be 1 to {MAX_USERS}"),
        (
            math.isfinite(rate) and 0 < rate <= MAX_USERS,
            f"--spawn-rate must be above 0, at most {MAX_USERS}",
        ),
        (
            math.isfinite(duration) and 1 <= duration <= MAX_DURATION_S,
            f"--duration must be 1 to {MAX_DURATION_S:g} seconds",
        ),
        (math.isfinite(wait) and 0 <= wait <= 60, "--wait must be 0 to 60 seconds"),
    )
    for ok, message in checks:
        if not ok:
            raise LoadTestError(message)

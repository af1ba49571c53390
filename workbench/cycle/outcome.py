"""What the cycle achieved: every SLI before and after, the items done, the return.

The before/after table compares the baseline run of each load profile with
the after run of the same profile (profile by profile: a stress run is never
compared with a baseline run), for every endpoint both measured and every
SLI either tool reported; % change is ``(after - before) / before``.

The return on the effort: effort spent is the estimate (``EFFORT_DAYS``) of
the items closed as done since the cycle started; time saved is the sampled
CPU time per request, before against after, scaled to a day of traffic at the
baseline's throughput (and to money when the SLOs give a cost per CPU-hour).
Anything without both sides is "not measured", never zero.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.cycle.optimisation_plan import EFFORT_DAYS
from workbench.cycle.results import EndpointStats, LoadResult
from workbench.cycle.slo import SLI_KINDS
from workbench.triage.model import Item, Status

DAY_S = 86_400.0


@dataclass(frozen=True)
class SliChange:
    """One SLI of one endpoint in one profile, before and after."""

    profile: str
    endpoint: str
    sli: str
    before: float | None
    after: float | None

    @property
    def unit(self) -> str:
        """``ms``, ``req/s`` or ``%``: the SLI's unit, shown beside the figures."""
        return SLI_KINDS[self.sli].unit

    @property
    def change_pct(self) -> float | None:
        if self.before is None or self.after is None or self.before == 0:
            return None
        return 100.0 * (self.after - self.before) / self.before

    @property
    def better(self) -> bool | None:
        """True when it moved the good way, None when unchanged or not measured."""
        if self.before is None or self.after is None or self.before == self.after:
            return None
        if SLI_KINDS[self.sli].direction == "max":
            return self.after < self.before
        return self.after > self.before


@dataclass(frozen=True)
class Roi:
    """Effort spent against CPU time (and money) saved."""

    items_done: list[Item]
    effort_days: float
    cpu_ms_before: float | None
    cpu_ms_after: float | None
    baseline_rps: float | None
    cost_per_cpu_hour: float | None

    @property
    def cpu_hours_saved_per_day(self) -> float | None:
        """CPU-hours a day saved at the baseline's throughput (negative: more spent)."""
        if None in (self.cpu_ms_before, self.cpu_ms_after, self.baseline_rps):
            return None
        saved_ms = self.cpu_ms_before - self.cpu_ms_after  # type: ignore[operator]
        return saved_ms / 1000.0 * self.baseline_rps * DAY_S / 3600.0  # type: ignore[operator]

    @property
    def cost_saved_per_month(self) -> float | None:
        hours = self.cpu_hours_saved_per_day
        if hours is None or self.cost_per_cpu_hour is None:
            return None
        return hours * 30 * self.cost_per_cpu_hour


def before_after(pairs: list[tuple[str, LoadResult, LoadResult]]) -> list[SliChange]:
    """Every SLI of every endpoint both runs of a profile measured (``pairs``: name, a, b)."""
    changes = []
    for profile, before, after in pairs:
        for stats in [before.aggregate, *before.endpoints]:
            other = after.endpoint(stats.label if stats.method else stats.name)
            if other is not None:
                changes.extend(_changes(profile, stats, other))
    return changes


def _changes(profile: str, before: EndpointStats, after: EndpointStats) -> list[SliChange]:
    rows = []
    for sli in SLI_KINDS:
        was, now = before.sli(sli), after.sli(sli)
        if was is None and now is None:
            continue
        rows.append(SliChange(profile, before.label, sli, was, now))
    return rows


def done_since(items: list[Item], since: str) -> list[Item]:
    """Items closed as done at or after ``since`` (ISO time: text order is time order)."""
    return [
        item for item in items if item.status is Status.DONE and (item.updated_at or "") >= since
    ]


def return_on_effort(
    done: list[Item],
    cpu_ms_before: float | None,
    cpu_ms_after: float | None,
    baseline_rps: float | None,
    cost_per_cpu_hour: float | None,
) -> Roi:
    return Roi(
        items_done=done,
        effort_days=sum(EFFORT_DAYS[item.effort] for item in done),
        cpu_ms_before=cpu_ms_before,
        cpu_ms_after=cpu_ms_after,
        baseline_rps=baseline_rps,
        cost_per_cpu_hour=cost_per_cpu_hour,
    )

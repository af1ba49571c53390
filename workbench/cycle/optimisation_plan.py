"""The optimisation plan: the matrix turned into work, each with how to prove and undo it.

Categories from the impact/effort matrix (the backlog's split decides "high"):

* quick win — high impact, low effort (the Immediate PR quadrant);
* strategic — high impact, high effort below the top score (Design review);
* major — high impact at the top effort score (5): a project, not a PR;
* batch — low impact, low effort: grouped into one clean-up change;
* deferred — low impact, high effort: listed, not planned.

Effort scores become estimates with :data:`EFFORT_DAYS` (engineer-days). The
success criterion is the item's KPI going from its baseline to its target;
for a latency or throughput KPI without a target the SLO's target stands in.
The rollback note names what to revert (linked commits, else the linked
functions) and the figure that says to do it.
"""

from __future__ import annotations

from dataclasses import dataclass

from workbench.cycle.results import LoadResult
from workbench.cycle.slo import AGGREGATE, SloSet
from workbench.triage.model import EvidenceKind, Item, Quadrant, Taxonomy

#: Effort score → engineer-days: ½ day, 2 days, a week, two weeks, a month.
EFFORT_DAYS = {1: 0.5, 2: 2.0, 3: 5.0, 4: 10.0, 5: 20.0}
CATEGORIES = ("quick win", "strategic", "major", "batch", "deferred")
MAJOR_EFFORT = 5


@dataclass(frozen=True)
class PlanEntry:
    """One backlog item as planned work."""

    item: Item
    category: str
    effort_days: float
    success: str
    rollback: str


def category_of(item: Item) -> str:
    """The plan category of ``item`` (see the module doc)."""
    quadrant = item.quadrant
    if quadrant is Quadrant.IMMEDIATE_PR:
        return "quick win"
    if quadrant is Quadrant.DESIGN_REVIEW:
        return "major" if item.effort >= MAJOR_EFFORT else "strategic"
    return "batch" if quadrant is Quadrant.BATCH_FIXES else "deferred"


def plan_items(items: list[Item], slos: SloSet, baseline: LoadResult | None) -> list[PlanEntry]:
    """``items`` (the cycle's: open, or done since it started) as :class:`PlanEntry` objects,
    in category order, then in the order given."""
    entries = [
        PlanEntry(
            item=item,
            category=category_of(item),
            effort_days=EFFORT_DAYS[item.effort],
            success=success_criterion(item, slos, baseline),
            rollback=rollback_note(item, baseline),
        )
        for item in items
    ]
    entries.sort(key=lambda entry: CATEGORIES.index(entry.category))
    return entries


def success_criterion(item: Item, slos: SloSet, baseline: LoadResult | None) -> str:
    """``p95 latency (ms): 240 → ≤ 150`` from the KPI, else the SLO, else what is missing."""
    kpi = item.kpi_name
    start = item.kpi_baseline
    target = item.kpi_target
    if target is None:
        target, start = _slo_stand_in(item, slos, baseline, start)
    if target is None:
        return f"{kpi}: no target set (workbench backlog edit {item.id} --kpi-target N)"
    sign = "≥" if _higher_is_better(item) else "≤"
    origin = "not measured" if start is None else f"{start:g}"
    return f"{kpi}: {origin} → {sign} {target:g}"


def _slo_stand_in(
    item: Item, slos: SloSet, baseline: LoadResult | None, start: float | None
) -> tuple[float | None, float | None]:
    """For a latency or throughput KPI without a target: the aggregate SLO and baseline."""
    sli = {Taxonomy.PREVENTIVE: "p95", Taxonomy.STRATEGIC: "throughput"}.get(item.taxonomy)
    if sli is None or item.kpi:
        return None, start
    for objective in slos.objectives:
        if objective.endpoint == AGGREGATE and objective.sli == sli:
            measured = baseline.aggregate.sli(sli) if baseline else None
            return objective.target, start if start is not None else measured
    return None, start


def _higher_is_better(item: Item) -> bool:
    name = item.kpi_name.lower()
    return any(word in name for word in ("throughput", "coverage", "req/s", "win rate"))


def rollback_note(item: Item, baseline: LoadResult | None) -> str:
    """What to revert and when: the linked commits or functions, and the guard figure."""
    commits = [e.ref[:12] for e in item.evidence if e.kind is EvidenceKind.COMMIT]
    functions = item.functions()
    if commits:
        what = "git revert " + " ".join(commits)
    elif functions:
        what = "revert the change to " + ", ".join(functions[:3])
    else:
        what = f"revert the pull request of #{item.id}"
    guard = "an SLO turns FAIL"
    if baseline is not None and baseline.aggregate.p95_ms is not None:
        guard = (
            f"p95 rises above the baseline's {baseline.aggregate.p95_ms:g} ms or an SLO turns FAIL"
        )
    return f"{what} if, after `workbench cycle after`, {guard}"

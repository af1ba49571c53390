"""Profile drift → backlog items: each new hotspot or regression becomes a hypothesis.

A function whose self share grew by at least ``drift_pct`` points, or that is
a new hotspot, is proposed once: an open item already holding the same
function as evidence is not duplicated. The root-cause pattern comes from
measured evidence (:mod:`workbench.analysis.patterns`), never from the name.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbench.analysis.patterns import Evidence as Measured
from workbench.analysis.patterns import guess_patterns
from workbench.triage.model import (
    DEFAULT_DRIFT_PCT,
    DEFAULT_KPI,
    Evidence,
    EvidenceKind,
    Item,
    ItemFilter,
    Pattern,
    Signal,
    Source,
    Taxonomy,
)
from workbench.triage.store import BacklogStore

if TYPE_CHECKING:
    from workbench.profiles.diff import FunctionDelta, ProfileDiff


def guess_pattern(delta: FunctionDelta, drift_pct: float = DEFAULT_DRIFT_PCT) -> Pattern:
    """The suspected root cause of one drifted function, from measured evidence only.

    A profile diff measures shares, not names: it can show that the cost moved
    into what the function calls (call path); anything else (algorithmic
    growth, lock waits, I/O) needs the evidence of ``scaling`` or a live
    session, so the honest answer here is often "unknown".
    """
    del drift_pct  # kept for callers; the evidence, not a threshold, decides
    evidence = Measured(
        str(delta.key),
        self_delta_pct=delta.delta_self_pct,
        total_delta_pct=delta.delta_total_pct,
    )
    return Pattern.parse(guess_patterns(evidence)[0].pattern)


def drifted(diff: ProfileDiff, drift_pct: float = DEFAULT_DRIFT_PCT) -> list[FunctionDelta]:
    """New hotspots, then regressions of at least ``drift_pct`` self points, once each."""
    chosen: dict[str, FunctionDelta] = {}
    for delta in [*diff.new_hotspots, *diff.regressions]:
        if delta.delta_self_pct >= drift_pct or delta in diff.new_hotspots:
            chosen.setdefault(str(delta.key), delta)
    return list(chosen.values())


def _impact(delta_pct: float) -> int:
    """Bigger drift, bigger impact: ≥15 points → 5, ≥10 → 4, else 3."""
    return 5 if delta_pct >= 15 else 4 if delta_pct >= 10 else 3


def item_for(delta: FunctionDelta, diff: ProfileDiff, drift_pct: float) -> Item:
    """The proposed item for one drifted function (not stored)."""
    key = str(delta.key)
    pattern = guess_pattern(delta, drift_pct)
    new = not delta.in_base or delta in diff.new_hotspots
    kind = "New hotspot" if new else "Regression"
    shares = f"{delta.base_self_pct:.1f}% → {delta.branch_self_pct:.1f}%"
    title = f"{kind}: {delta.key.qualname} self {shares}"
    hypothesis = (
        f"{key} grew by {delta.delta_self_pct:.1f} points of self time "
        f"(total {delta.base_total_pct:.1f}% → {delta.branch_total_pct:.1f}%) between "
        f"{diff.base.name} and {diff.branch.name}; suspected pattern: {pattern.label.lower()}."
    )
    evidence = [Evidence(EvidenceKind.FUNCTION, key, f"+{delta.delta_self_pct:.1f} pp self")]
    for summary, role in ((diff.branch, "branch"), (diff.base, "base")):
        if summary.source:
            evidence.append(Evidence(EvidenceKind.PROFILE, summary.source, role))
    return Item(
        title=title,
        hypothesis=hypothesis,
        source=Source.PROFILE_DRIFT,
        signal=Signal.CPU,
        pattern=pattern,
        impact=_impact(delta.delta_self_pct),
        effort=2,  # a guess (the change that caused it is in the diff), for grooming
        taxonomy=Taxonomy.CORRECTIVE,
        kpi=DEFAULT_KPI[Taxonomy.CORRECTIVE],
        kpi_baseline=round(delta.base_self_pct, 2),
        kpi_target=round(delta.base_self_pct, 2),
        kpi_latest=round(delta.branch_self_pct, 2),
        evidence=evidence,
    )


def propose_items(
    diff: ProfileDiff,
    store: BacklogStore,
    drift_pct: float = DEFAULT_DRIFT_PCT,
    *,
    actor: str | None = None,
) -> list[Item]:
    """Store one item per drifted function not already open; returns the new items.

    All proposals of one diff are one batch: a single undo withdraws them.
    """
    proposals = [
        item_for(delta, diff, drift_pct)
        for delta in drifted(diff, drift_pct)
        if not store.count(ItemFilter(function=str(delta.key)))
    ]
    if not proposals:
        return []
    label = f"propose {len(proposals)} from {diff.base.name} → {diff.branch.name}"
    return store.add_many(proposals, actor=actor, label=label)

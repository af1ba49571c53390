"""Profile drift → backlog items: each new hotspot or regression becomes a hypothesis.

A function whose self share grew by at least ``drift_pct`` points, or that is
a new hotspot, is proposed once: an open item already holding the same
function as evidence is not duplicated. The root-cause pattern comes from
measured evidence (:mod:`workbench.analysis.patterns`), never from the name.

With an attribution of the range between the two profiles (``diff --propose
--range``), each item also links the commit that most likely caused its
drift: the best-ranked regression candidate whose evidence names the
function (it changed it, or its why names it as a grown callee), else the
range's top candidate; the evidence note says which, with the score and the
why. Without one, the hypothesis says why no commit is linked.
"""

from __future__ import annotations

from dataclasses import dataclass
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
    from workbench.analysis.attribution import Attribution, Candidate
    from workbench.profiles.diff import FunctionDelta, ProfileDiff

#: Longest why quoted in a commit's evidence note.
WHY_CHARS = 160


@dataclass(frozen=True)
class Suspects:
    """What the items of one diff can say about commits: an attribution, or why there is none."""

    attribution: Attribution | None = None
    why_not: str = "no commit range given (diff --propose --range BASE..BRANCH attributes one)"

    def commit_for(self, delta: FunctionDelta) -> tuple[Candidate, bool] | None:
        """The candidate for ``delta``'s function and whether its evidence names it."""
        if self.attribution is None or not self.attribution.regressions:
            return None
        key, name = str(delta.key), delta.key.qualname
        for candidate in self.attribution.regressions:
            if key in candidate.functions or name in candidate.why:
                return candidate, True
        return self.attribution.regressions[0], False

    def none_reason(self) -> str:
        """Why an item carries no commit."""
        if self.attribution is None:
            return self.why_not
        notes = "; ".join(self.attribution.notes)
        return (
            f"no commit in {self.attribution.rev_range} changed a moved function semantically"
            + (f" ({notes})" if notes else "")
        )


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


def item_for(
    delta: FunctionDelta, diff: ProfileDiff, drift_pct: float, suspects: Suspects | None = None
) -> Item:
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
    if suspects is not None:
        found = suspects.commit_for(delta)
        if found is None:
            hypothesis += f" No commit linked: {suspects.none_reason()}."
        else:
            evidence.append(_commit_evidence(*found, suspects))
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


def _commit_evidence(candidate: Candidate, names_it: bool, suspects: Suspects) -> Evidence:
    """The commit as evidence; the note starts with its date (the detection KPI reads it)."""
    assert suspects.attribution is not None
    rank = suspects.attribution.regressions.index(candidate) + 1
    which = (
        "its candidate" if names_it else "the top candidate (its evidence names other functions)"
    )
    why = candidate.why if len(candidate.why) <= WHY_CHARS else candidate.why[: WHY_CHARS - 1] + "…"
    note = (
        f"{candidate.date.isoformat()} {which}, #{rank} in {suspects.attribution.rev_range}, "
        f"score {candidate.score:.2f}: {why}"
    )
    return Evidence(EvidenceKind.COMMIT, candidate.sha, note)


def propose_items(
    diff: ProfileDiff,
    store: BacklogStore,
    drift_pct: float = DEFAULT_DRIFT_PCT,
    *,
    actor: str | None = None,
    suspects: Suspects | None = None,
) -> list[Item]:
    """Store one item per drifted function not already open; returns the new items.

    All proposals of one diff are one batch: a single undo withdraws them.
    ``suspects`` links each item's likely commit (see the module doc).
    """
    proposals = [
        item_for(delta, diff, drift_pct, suspects)
        for delta in drifted(diff, drift_pct)
        if not store.count(ItemFilter(function=str(delta.key)))
    ]
    if not proposals:
        return []
    label = f"propose {len(proposals)} from {diff.base.name} → {diff.branch.name}"
    return store.add_many(proposals, actor=actor, label=label)

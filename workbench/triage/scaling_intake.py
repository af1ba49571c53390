"""A super-linear function found by ``scaling`` → a backlog item with its fit as evidence.

Only flagged functions judged on their own (self) time are proposed
(super-linear with a good fit, and a share that matters at the largest size):
a caller with no self time is flagged when what it calls grows, and the item
belongs to the function where the time is spent, whose self time grows as
fast. The pattern comes from the same
rules as every other guess (:func:`workbench.analysis.patterns.guess_patterns`
on the fit), so it reads *algorithmic* because the fit says so, not because
``scaling`` asked for it. An open item already holding the function is not
duplicated; all proposals of one report are one undo.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.analysis.patterns import Evidence as Measured
from workbench.analysis.patterns import guess_patterns
from workbench.analysis.scaling import FunctionScaling, ScalingReport
from workbench.triage.model import (
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


def fit_note(row: FunctionScaling, sizes: Sequence[float]) -> str:
    """The fit in one line: ``n^2.03 (r2 0.998, quadratic) over n = 1000..4000``."""
    exponent = row.exponent_self if row.exponent_self is not None else row.exponent_total
    return f"n^{exponent:.2f} (r2 {row.r2:.3f}, {row.cls}) over n = {sizes[0]:g}..{sizes[-1]:g}"


def item_for_scaling(
    row: FunctionScaling, report: ScalingReport, profiles: Sequence[str] = ()
) -> Item:
    """The proposed item for one flagged function (not stored); ``profiles`` are linked."""
    exponent = row.exponent_self if row.exponent_self is not None else row.exponent_total
    guess = guess_patterns(Measured(str(row.key), scaling_exponent=exponent, scaling_r2=row.r2))[0]
    judged = row.seconds_self if row.exponent_self is not None else row.seconds_total
    which = "self" if row.exponent_self is not None else "total"
    times = ", ".join(
        f"{seconds:.3g} s at n={size:g}" for size, seconds in zip(report.sizes, judged, strict=True)
    )
    projected = (
        f"; at n={report.sizes[-1] * 10:g} it would take {row.projected_seconds:.3g} s"
        if row.projected_seconds is not None
        else ""
    )
    seconds = "CPU seconds" if report.clock == "cpu" else "seconds"
    fit = fit_note(row, report.sizes)
    evidence = [Evidence(EvidenceKind.FUNCTION, str(row.key), fit)]
    evidence += [Evidence(EvidenceKind.PROFILE, path, "scaling run") for path in profiles]
    return Item(
        title=f"Super-linear: {row.key.qualname} grows as n^{exponent:.2f} ({row.cls})"[:200],
        hypothesis=(
            f"{row.key} {which} time ({seconds}): {times}; it grows as {fit}{projected}. "
            f"Suspected pattern: {guess.pattern.replace('_', ' ')} "
            f"({guess.evidence})."
        ),
        source=Source.PROACTIVE,
        signal=Signal.CPU if report.clock == "cpu" else Signal.LATENCY,
        pattern=Pattern.parse(guess.pattern),
        impact=5 if row.share_at_largest >= 30 else 4 if row.share_at_largest >= 10 else 3,
        effort=3,  # a guess: an algorithm changes, for grooming
        taxonomy=Taxonomy.CORRECTIVE,
        kpi=DEFAULT_KPI[Taxonomy.CORRECTIVE],
        kpi_baseline=round(row.share_at_largest, 2),
        kpi_latest=round(row.share_at_largest, 2),
        evidence=evidence,
    )


def propose_scaling(
    report: ScalingReport,
    store: BacklogStore,
    profiles: Sequence[str] = (),
    *,
    actor: str | None = None,
) -> list[Item]:
    """Store one item per flagged function not already open; returns the new items."""
    proposals = [
        item_for_scaling(row, report, profiles)
        for row in report.flagged
        if row.exponent_self is not None and not store.count(ItemFilter(function=str(row.key)))
    ]
    if not proposals:
        return []
    sizes = f"n = {report.sizes[0]:g}..{report.sizes[-1]:g}"
    return store.add_many(
        proposals, actor=actor, label=f"propose {len(proposals)} from scaling {sizes}"
    )

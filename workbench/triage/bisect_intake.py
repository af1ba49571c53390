"""A bisect's first bad commit → one backlog item, with the measurement as evidence.

The item says what got slower, by how much, and which commit did it; its
evidence links the commit (with its date, for the time-to-detect KPI), the
function when the metric was one, and the bisect report when it was saved
(``bisect --out``). ``--propose`` files no second open item holding the same
commit; the app's form, opened on the same item, names such items instead.
"""

from __future__ import annotations

from workbench.capture.bisect import BisectResult
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


def item_for_bisect(result: BisectResult) -> Item | None:
    """The proposed item (not stored), or None when no single commit was found."""
    commit = result.first_bad
    if commit is None:
        return None
    request = result.request
    step = next((s for s in result.steps if s.commit.sha == commit.sha), None)
    delta = step.delta_pct if step is not None and step.delta_pct is not None else 0.0
    figures = ""
    if step is not None and step.metric_base is not None and step.metric is not None:
        figures = f" ({step.metric_base:.4g} s → {step.metric:.4g} s, {step.runs} runs a side)"
    metric = request.metric
    evidence = [Evidence(EvidenceKind.COMMIT, commit.sha, commit.date)]
    if ":" in metric:
        evidence.append(Evidence(EvidenceKind.FUNCTION, metric.split(":", 1)[1], metric))
    if request.out is not None:
        evidence.append(Evidence(EvidenceKind.URL, str(request.out / "bisect.json"), "bisect"))
    return Item(
        title=f"Slower {metric} since {commit.sha[:12]}: {commit.subject}"[:200],
        hypothesis=(
            f"Bisect between {request.good} and {request.bad} of `{' '.join(request.argv)}` "
            f"names {commit.sha} ({commit.author}, {commit.date}) as the first commit whose "
            f"{metric} is slower than the good revision's by more than "
            f"{request.threshold_pct:g}%: {delta:+.1f}%{figures}."
        ),
        source=Source.BENCHMARK_DIFF,
        signal=Signal.LATENCY if metric == "wall" else Signal.CPU,
        pattern=Pattern.UNKNOWN,
        impact=5 if delta >= 50 else 4 if delta >= 15 else 3,
        effort=2,  # a guess: the commit is known, for grooming
        taxonomy=Taxonomy.CORRECTIVE,
        kpi=DEFAULT_KPI[Taxonomy.CORRECTIVE],
        evidence=evidence,
    )


def propose_bisect(result: BisectResult, store: BacklogStore) -> Item | None:
    """Store the item unless an open one already holds the commit; the new item or None."""
    item, commit = item_for_bisect(result), result.first_bad
    if item is None or commit is None or store.count(ItemFilter(commit=commit.sha)):
        return None
    return store.add(item, actor=None)

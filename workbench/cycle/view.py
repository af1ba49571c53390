"""Everything a cycle's reports and its pane show, computed once from the stored files.

The six reports and the Cycle pane read one :class:`CycleView`: the runs of
each phase with their compliance, the bottleneck analysis of the baseline
profile, the plan, the before/after changes and the return on the effort.
Built from the cycle's folder and the backlog alone, so a report can be
regenerated at any time and says the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.cycle.bottlenecks import BottleneckAnalysis, analyse, cpu_ms_per_request
from workbench.cycle.compliance import ComplianceReport, check_compliance
from workbench.cycle.folder import Cycle, CycleConfig, Run
from workbench.cycle.optimisation_plan import PlanEntry, plan_items
from workbench.cycle.outcome import Roi, SliChange, before_after, done_since, return_on_effort
from workbench.errors import WorkbenchError
from workbench.output import counted
from workbench.paths import shown
from workbench.profiles.io import read_profile
from workbench.profiles.model import Profile
from workbench.triage.dbfile import default_db_path
from workbench.triage.model import Item, ItemFilter


@dataclass
class PhaseView:
    """The runs of one phase and their compliance (or why it could not be judged)."""

    runs: list[Run]
    compliance: ComplianceReport | None
    compliance_error: str | None

    @property
    def primary(self) -> Run | None:
        """The run the phase is summed up by: its ``baseline`` profile, else the first."""
        for run in self.runs:
            if run.profile == "baseline":
                return run
        return self.runs[0] if self.runs else None


@dataclass
class CycleView:
    """One cycle, computed (see the module doc)."""

    config: CycleConfig
    folder: Path
    baseline: PhaseView
    after: PhaseView
    analysis: BottleneckAnalysis
    plan: list[PlanEntry]
    changes: list[SliChange]
    roi: Roi
    backlog_note: str
    """Which backlog the items came from, or why there are none."""


def load_items(db: Path | None) -> tuple[list[Item], str]:
    """Every item of the backlog at ``db`` (default location when None), and where from.

    A missing backlog is not created: the analysis says there is none.
    """
    from workbench.triage.store import Access, BacklogStore

    path = db or default_db_path()
    if not path.is_file():
        return [], f"no backlog at {shown(path)}: no items to rank or plan"
    try:
        with BacklogStore.open(path, access=Access.READ) as store:  # never upgraded by a read
            items = list(store.iter_all(ItemFilter(include_closed=True)))
    except WorkbenchError as error:
        return [], f"backlog not read: {error}"
    return items, f"backlog {shown(path)} ({counted(len(items), 'item')})"


def build_view(cycle: Cycle, items: list[Item], backlog_note: str) -> CycleView:
    """The whole view of ``cycle`` with ``items`` from its backlog."""
    config = cycle.config
    baseline = _phase(cycle, "baseline")
    after = _phase(cycle, "after")
    base_run, after_run = baseline.primary, after.primary
    base_profile = _profile(base_run)
    requests = base_run.result.aggregate.requests if base_run else 0
    base_result = base_run.result if base_run else None
    done = done_since(items, config.created_at)
    cycle_items = [item for item in items if item.is_open or item in done]
    pairs = [
        (run.profile, run.result, other.result)
        for run in baseline.runs
        for other in after.runs
        if other.profile == run.profile
    ]
    roi = return_on_effort(
        done,
        cpu_ms_per_request(base_profile, requests),
        cpu_ms_per_request(_profile(after_run), after_run.result.aggregate.requests)
        if after_run
        else None,
        base_result.aggregate.rps if base_result else None,
        config.slos.cost_per_cpu_hour,
    )
    return CycleView(
        config=config,
        folder=cycle.folder,
        baseline=baseline,
        after=after,
        analysis=analyse(base_profile, requests, cycle_items),
        plan=plan_items(cycle_items, config.slos, base_result),
        changes=before_after(pairs),
        roi=roi,
        backlog_note=backlog_note,
    )


def _phase(cycle: Cycle, phase: str) -> PhaseView:
    runs = cycle.runs(phase)
    if not runs:
        return PhaseView([], None, None)
    try:
        return PhaseView(runs, check_compliance(cycle.config.slos, [r.result for r in runs]), None)
    except WorkbenchError as error:
        return PhaseView(runs, None, str(error))


def _profile(run: Run | None) -> Profile | None:
    if run is None or run.profile_path is None:
        return None
    try:
        return read_profile(run.profile_path)
    except WorkbenchError:
        return None

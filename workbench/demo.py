"""The built-in demo: every pane has something real to show on first run.

``workbench demo`` samples the bundled workload live; this module prepares
the rest in a fresh folder so the user's own backlog is never touched:

* a small git repository whose history explains the Compare demo pair: the
  baseline commit, a commit that made ``render_report`` concatenate strings,
  and one that added ``validate_rows`` (the new hotspot) — so History and
  ``workbench candidates`` have real commits to point at;
* in the same repository, the live demo service (``service.py``, a copy of
  ``data/demo_workload.py``): one commit adds it with an indexed order join,
  the next swaps the index for nested loops. The Live pane samples this copy,
  so pressing ``h`` on its hot functions finds their history and blame;
* a backlog seeded from the demo diff (intake proposals) plus a few manual
  hypotheses, one per taxonomy, and a few done ones with measured KPIs, so the
  matrix and every KPI have something to show;
* an optimisation cycle (``cycles/demo``) whose baseline and after runs are
  locust results shipped in ``data/cycle_demo`` (a load test needs a service
  and half a minute: the Cycle pane's ``n`` records a real one), with the
  branch profile as the slow baseline and the base profile as the fix, judged
  against ``data/cycle_demo/slo.toml`` and reported in its six reports.

The history is dated relative to now (the regression a few hours ago, the
baseline days before), so the time-to-detect KPI reads like a team's would,
not like months-old fixtures.

Each version of ``workload.py`` is derived from the committed file by
removing known pieces, so the profiles' line numbers match the repository's
tip. ``tests/test_demo.py`` fails if the workload changes shape.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from workbench.errors import WorkbenchError
from workbench.paths import data_dir

#: The concatenating branch of ``render_report``, absent before commit 2.
_CONCATENATION = (
    '    text = ""\n'
    "    for _ in range(3):\n"
    "        for name, value in sorted(totals.items()):\n"
    '            text = text + f"{name}: {value:.2f}\\n"\n'
    "    return text\n"
)
_JOIN_ONLY = (
    '    return "\\n".join(f"{name}: {value:.2f}" for name, value in sorted(totals.items()))\n'
)
_VALIDATE_CALL = "        if branch:\n            validate_rows(records)\n"

#: The nested loops of ``join_orders_quadratic`` (the live demo's regression) and
#: the indexed join they replaced.
_NESTED_JOIN = (
    "    matched = 0\n"
    "    for customer_id, _name in customers:\n"
    "        for order_customer, _amount in orders:\n"
    "            if order_customer == customer_id:\n"
    "                matched += 1\n"
    "    return matched\n"
)
_INDEXED_JOIN = (
    "    per_customer: dict[int, int] = {}\n"
    "    for order_customer, _amount in orders:\n"
    "        per_customer[order_customer] = per_customer.get(order_customer, 0) + 1\n"
    "    return sum(per_customer.get(customer_id, 0) for customer_id, _name in customers)\n"
)
#: File name of the live demo service inside the demo repository.
SERVICE = "service.py"

_MANUAL_ITEMS = [
    {
        "title": "Pre-warm the report cache at start-up",
        "hypothesis": "The first requests pay for cold caches; p95 latency spikes after deploys.",
        "source": "slo_alert",
        "signal": "latency",
        "pattern": "unknown",
        "impact": 4,
        "effort": 2,
        "taxonomy": "preventive",
        "owner": "alice",
        "kpi_baseline": 420.0,
        "kpi_target": 250.0,
        "kpi_latest": 410.0,
    },
    {
        "title": "Pool connections to the report store",
        "hypothesis": "Each report opens a new connection; pooling removes the handshake.",
        "source": "benchmark_diff",
        "signal": "latency",
        "pattern": "io_bound",
        "impact": 4,
        "effort": 4,
        "taxonomy": "preventive",
        "owner": "alice",
    },
    {
        "title": "Benchmark parse_records and aggregate in CI",
        "hypothesis": "Critical paths without a benchmark regress unnoticed.",
        "source": "proactive",
        "signal": "cpu",
        "pattern": "unknown",
        "impact": 2,
        "effort": 1,
        "taxonomy": "hygiene",
        "owner": "bob",
        "critical": True,
    },
    {
        "title": "Stream the report pipeline asynchronously",
        "hypothesis": "Rendering waits for the whole aggregation; a pipeline raises throughput.",
        "source": "cost_spike",
        "signal": "cpu",
        "pattern": "io_bound",
        "impact": 2,
        "effort": 5,
        "taxonomy": "strategic",
        "owner": "carol",
    },
]


#: Done items whose KPI was measured before and after: the win rate has a history.
_DONE_ITEMS = [
    {
        "title": "Compile the record pattern once in parse_records",
        "taxonomy": "corrective",
        "status": "done",
        "impact": 3,
        "effort": 1,
        "kpi": "self % of parse_records",
        "kpi_baseline": 12.0,
        "kpi_latest": 3.5,
        "critical": True,
    },
    {
        "title": "Batch the report store's inserts",
        "taxonomy": "preventive",
        "status": "done",
        "impact": 4,
        "effort": 2,
        "kpi_baseline": 310.0,
        "kpi_target": 200.0,
        "kpi_latest": 190.0,
    },
    {
        "title": "Reuse the JSON encoder between requests",
        "taxonomy": "corrective",
        "status": "done",
        "impact": 2,
        "effort": 1,
        "kpi": "self % of encode_response",
        "kpi_baseline": 6.0,
        "kpi_latest": 4.0,
    },
    {
        "title": "Parse dates with a cached strptime format",
        "taxonomy": "corrective",
        "status": "done",
        "impact": 2,
        "effort": 1,
        "kpi": "self % of parse_date",
        "kpi_baseline": 3.0,
        "kpi_latest": 3.4,
    },
]


@dataclass(frozen=True)
class DemoWorkspace:
    """Where ``workbench demo`` put its repository and backlog."""

    root: Path
    repo: Path | None
    """The demo git repository, or None when git is not installed."""
    service: Path
    """The live demo workload to run: the repository's copy, else the bundled file."""
    db: Path
    base: Path
    branch: Path
    cycles: Path
    """The folder of the demo cycle (``cycles/demo``, the current one)."""


def bundled_workload() -> Path:
    """The live demo service as shipped (``data/demo_workload.py``)."""
    return data_dir() / "demo_workload.py"


def workload_versions(final: str) -> list[str]:
    """The three committed versions of ``workload.py``, oldest first."""
    start = final.find("def validate_rows(")
    end = final.find("def render_report(")
    if start < 0 or end < start or _CONCATENATION not in final or _VALIDATE_CALL not in final:
        raise WorkbenchError("the demo workload changed shape; update workbench/demo.py")
    without_validation = (final[:start] + final[end:]).replace(_VALIDATE_CALL, "")
    baseline = without_validation.replace(_CONCATENATION, _JOIN_ONLY)
    return [baseline, without_validation, final]


def service_versions(final: str) -> list[str]:
    """The two committed versions of the live demo service, oldest first."""
    if _NESTED_JOIN not in final:
        raise WorkbenchError("the demo workload changed shape; update workbench/demo.py")
    return [final.replace(_NESTED_JOIN, _INDEXED_JOIN), final]


#: The demo repository's story: author, message, file, and how long before now.
#: The two commits the backlog links (the regressions) are hours old: the demo
#: detected them the day they landed.
_STORY_AGES = (
    timedelta(days=5),
    timedelta(hours=30),
    timedelta(hours=10),
    timedelta(hours=6),
    timedelta(hours=3),
)


def build_demo_repo(target: Path, now: datetime | None = None) -> Path:
    """Create the demo repository in ``target`` (tags ``baseline`` and ``branch``),
    its commits dated before ``now``."""
    now = now or datetime.now(UTC)
    versions = workload_versions((data_dir() / "compare_demo" / "workload.py").read_text())
    service = service_versions(bundled_workload().read_text())
    story = [
        ("Alice Example", "Report builder: parse, aggregate, render", "workload.py", versions[0]),
        ("Bob Builder", "Render the report incrementally", "workload.py", versions[1]),
        ("Carol Coder", "Validate every row before aggregating", "workload.py", versions[2]),
        ("Dana Dev", "Order service: JSON API, log ingest, order join", SERVICE, service[0]),
        ("Erin Eng", "Join orders with plain loops, drop the index", SERVICE, service[1]),
    ]
    target.mkdir(parents=True, exist_ok=True)
    _git(target, "init", "-q", "-b", "main")
    for step, ((author, message, name, text), age) in enumerate(
        zip(story, _STORY_AGES, strict=True), 1
    ):
        (target / name).write_text(text)
        _git(target, "add", "--", name)
        _git(target, "commit", "-q", "-m", message, author=author, when=now - age)
        if step == 1:
            _git(target, "tag", "baseline")
        elif step == 3:
            _git(target, "tag", "branch")
    return target


def _git(
    cwd: Path, *args: str, author: str = "Workbench Demo", when: datetime | None = None
) -> str:
    email = author.split()[0].lower() + "@example.com"
    date = (when or datetime.now(UTC)).isoformat(timespec="seconds")
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": author,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_NAME": author,
        "GIT_COMMITTER_EMAIL": email,
        "GIT_COMMITTER_DATE": date,
        "GIT_CONFIG_NOSYSTEM": "1",
    }
    done = subprocess.run(["git", *args], cwd=cwd, env=env, check=True, capture_output=True)
    return done.stdout.decode().strip()


def seed_demo_backlog(
    db: Path, base: Path, branch: Path, repo: Path | None = None, now: datetime | None = None
) -> int:
    """Fill a new backlog at ``db`` from the demo diff plus manual items; returns the
    number of open items.

    With the demo ``repo``, each proposed item links the commit that caused it
    (its time in the note, as a reviewer would paste it), so the time to detect
    is measured; two snapshots of the report builder a week apart give the
    hotspot churn; done items with measured KPIs give the win rate.
    """
    from workbench.profiles.diff import diff_profiles
    from workbench.profiles.io import read_profile
    from workbench.profiles.top import top_functions
    from workbench.triage.intake import propose_items
    from workbench.triage.model import Evidence, EvidenceKind, Item
    from workbench.triage.store import BacklogStore

    now = now or datetime.now(UTC)
    profiles = read_profile(base), read_profile(branch)
    store = BacklogStore.open(db)
    try:
        proposed = propose_items(diff_profiles(*profiles), store)
        manual = store.add_many([Item(**fields) for fields in _MANUAL_ITEMS], label="demo items")
        done = store.add_many([Item(**fields) for fields in _DONE_ITEMS], label="demo done")
        store.link(done[0].id or 0, Evidence(EvidenceKind.BENCHMARK, "bench_parse_records"))
        for item in proposed if repo is not None else []:
            culprit = next((_CULPRITS[f] for f in _CULPRITS if f in item.title), None)
            if culprit is not None:
                sha, when = _commit(repo, culprit)
                store.link(item.id or 0, Evidence(EvidenceKind.COMMIT, sha, when))
        for profile, age in zip(profiles, (timedelta(days=7), timedelta(0)), strict=True):
            top = [str(share.key) for share in top_functions(profile, top=10).by_self]
            when = (now - age).isoformat(timespec="seconds")
            store.add_profile_snapshot("demo report builder", str(base), top, recorded_at=when)
        return len(proposed) + len(manual)
    finally:
        store.close()


#: The commit (by message) that made each proposed demo function hot.
_CULPRITS = {
    "validate_rows": "Validate every row before aggregating",
    "render_report": "Render the report incrementally",
}


def _commit(repo: Path, message: str) -> tuple[str, str]:
    """Sha and ISO author time of the demo commit with ``message``."""
    found = _git(repo, "log", "--fixed-strings", f"--grep={message}", "--format=%H %aI", "-1")
    sha, when = found.split()
    return sha, when


def demo_layout(root: Path) -> DemoWorkspace:
    """Where :func:`prepare_demo` puts the demo under ``root``, before anything is made:
    the app opens on these paths while they are being made (``Preparation``)."""
    compare = data_dir() / "compare_demo"
    repo = root / "repo" if shutil.which("git") else None
    service = repo / SERVICE if repo else bundled_workload()
    return DemoWorkspace(
        root,
        repo,
        service,
        root / "triage.db",
        compare / "base.txt",
        compare / "branch.txt",
        root / "cycles",
    )


def prepare_demo(root: Path, now: datetime | None = None) -> DemoWorkspace:
    """Build the demo repository and backlog under ``root`` (a fresh folder), its history
    dated before ``now`` (the current time; a fixed one makes the same shas every time)."""
    demo = demo_layout(root)
    now = now or datetime.now(UTC)
    if demo.repo is not None:
        build_demo_repo(demo.repo, now)
    seed_demo_backlog(demo.db, demo.base, demo.branch, demo.repo, now)
    build_demo_cycle(demo.cycles, demo.db, slow=demo.branch, fixed=demo.base, now=now)
    return demo


def build_demo_cycle(root: Path, db: Path, *, slow: Path, fixed: Path, now: datetime) -> Path:
    """Cycle ``demo`` under ``root``: SLOs, a baseline and an after run from the shipped
    locust results (each with its profile), and the six reports, as ``workbench cycle``
    leaves them. Returns ``root``."""
    from workbench.cycle.folder import Cycle, CycleConfig
    from workbench.cycle.slo import load_slos
    from workbench.cycle.steps import import_phase
    from workbench.cycle.view import build_view, load_items
    from workbench.reports.cycle_reports import write_reports

    shipped = data_dir() / "cycle_demo"
    config = CycleConfig(
        name="demo",
        created_at=now.isoformat(timespec="seconds"),
        slos=load_slos(shipped / "slo.toml"),
        plan=None,
        db=str(db),
    )
    cycle = Cycle.create(root, config)
    import_phase(cycle, "baseline", shipped / "baseline_stats.csv", profile_file=slow)
    import_phase(cycle, "after", shipped / "after_stats.csv", profile_file=fixed)
    items, note = load_items(db)
    write_reports(build_view(cycle, items, note), cycle.reports_folder)
    return root

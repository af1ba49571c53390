"""The demo workspace: a repo whose history explains the demo regression, a seeded backlog."""

from __future__ import annotations

import json
import subprocess
import sys

from workbench.analysis.attribution import attribute
from workbench.demo import prepare_demo
from workbench.history.log import function_history
from workbench.paths import data_dir
from workbench.profiles.identity import function_key
from workbench.profiles.io import read_profile
from workbench.profiles.model import Frame
from workbench.triage.model import Quadrant
from workbench.triage.store import BacklogStore


def test_demo_workspace_tells_the_whole_story(tmp_path) -> None:
    demo = prepare_demo(tmp_path)
    assert demo.repo is not None
    log = subprocess.run(
        ["git", "log", "--format=%s"], cwd=demo.repo, capture_output=True, text=True, check=True
    ).stdout.splitlines()
    assert log == [
        "Join orders with plain loops, drop the index",
        "Order service: JSON API, log ingest, order join",
        "Validate every row before aggregating",
        "Render the report incrementally",
        "Report builder: parse, aggregate, render",
    ]
    # The tip is the profiled file, so profile line numbers point at the right code.
    compare = demo.base.parent
    assert (demo.repo / "workload.py").read_text() == (compare / "workload.py").read_text()
    history = function_history(demo.repo, "workload.py:render_report")
    assert [commit.summary for commit in history.commits] == log[3:]
    # The Live demo samples the repository's copy of the service: its frames get
    # repository-relative keys, and the hot join has the regression in its history.
    assert demo.service.read_text() == (data_dir() / "demo_workload.py").read_text()
    key = function_key(Frame("join_orders_quadratic", str(demo.service.resolve()), None))
    assert str(key) == "service.py:join_orders_quadratic"
    join = function_history(demo.repo, str(key))
    assert [commit.summary for commit in join.commits] == log[:2]
    assert join.commits[0].author == "Erin Eng" and (
        join.commits[0].added,
        join.commits[0].removed,
    ) == (6, 4)

    answer = attribute(
        demo.repo, read_profile(demo.base), read_profile(demo.branch), "baseline..branch"
    )
    assert answer.regressions[0].summary == "Validate every row before aggregating"

    store = BacklogStore.open(demo.db)
    try:
        counts = store.counts_by_quadrant()
        titles = [item.title for item in store.items()]
    finally:
        store.close()
    assert sum(counts.values()) == 6
    assert all(counts.get(quadrant, 0) >= 1 for quadrant in Quadrant)
    assert any("validate_rows" in title for title in titles)


def test_demo_pair_fails_the_new_hotspot_gate() -> None:
    """What a CI job would see on the demo pair: validate_rows is a new hotspot, exit 1."""
    compare = data_dir() / "compare_demo"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "gate",
            str(compare / "base.txt"),
            str(compare / "branch.txt"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1, result.stderr
    assert "validate_rows" in result.stdout


def test_demo_kpis_are_measured_and_its_history_is_recent(tmp_path) -> None:
    """Every KPI has a value (none "n/a"); the regressions were detected hours after they
    landed, because the demo's history is dated relative to now."""
    from workbench.triage.kpis import compute_kpis

    demo = prepare_demo(tmp_path)
    with BacklogStore.open(demo.db) as store:
        kpis = {kpi.key: kpi for kpi in compute_kpis(store, repo=demo.repo).kpis}
    assert [key for key, kpi in kpis.items() if kpi.value is None] == []
    assert 0 < kpis["time_to_detect"].value < 24
    assert kpis["win_rate"].value == 75.0


def test_demo_cycle_reads_as_a_finished_cycle(tmp_path) -> None:
    """The Cycle pane's demo: the real CLI reports it, baseline failing its SLOs and the
    after run (the fixed profile) passing them."""
    demo = prepare_demo(tmp_path)
    report = subprocess.run(
        [
            sys.executable,
            "-m",
            "workbench",
            "cycle",
            "report",
            "--cycles",
            str(demo.cycles),
            "--out",
            str(tmp_path / "reports"),
            "--format",
            "json",
        ],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert report.returncode == 0, report.stderr
    verdicts = json.loads(report.stdout)
    assert verdicts["cycle"] == "demo"
    assert verdicts["baseline"]["verdict"] == "FAIL" and verdicts["after"]["verdict"] == "PASS"
    assert len(verdicts["reports"]) == 6
    summary = (tmp_path / "reports" / "summary.md").read_text()
    assert "Verdict: baseline FAIL → after PASS." in summary
    assert "| 8 | Batch the report store's inserts |" in summary  # a done item of the demo backlog

"""KPIs and escalations computed from a real store (and a real git repository)."""

from __future__ import annotations

import os
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.helpers import sample_item, write_collapsed
from workbench.triage.kpis import compute_kpis, record_profile_top
from workbench.triage.model import Evidence, Status, Taxonomy
from workbench.triage.store import BacklogStore
from workbench.triage.values import ValidationError


def kpi(store: BacklogStore, key: str, repo: Path | None = None):
    return next(k for k in compute_kpis(store, repo=repo).kpis if k.key == key)


def test_everything_is_n_a_with_a_reason_on_an_empty_backlog(store: BacklogStore) -> None:
    report = compute_kpis(store)
    assert [k.status for k in report.kpis] == ["n/a"] * 4
    assert all(k.detail for k in report.kpis) and report.escalations == []


def test_win_rate_counts_moves_toward_the_target(store: BacklogStore) -> None:
    done = [
        sample_item("latency down", taxonomy=Taxonomy.PREVENTIVE, kpi_baseline=180,
                    kpi_target=120, kpi_latest=140),
        sample_item("self% down", kpi_baseline=12, kpi_latest=4),  # no target: lower is better
        sample_item("throughput up", taxonomy=Taxonomy.STRATEGIC, kpi_baseline=100,
                    kpi_latest=90),
        sample_item("unmeasured"),
    ]  # fmt: skip
    ids = [item.id for item in store.add_many(done)]
    store.set_status(ids, Status.DONE)
    store.add(sample_item("open and measured", kpi_baseline=1, kpi_latest=2))
    win = kpi(store, "win_rate")
    assert round(win.value, 1) == 66.7 and win.status == "warn"
    assert win.detail == "2 of 3 done items"


def test_time_to_detect_from_note_or_git(store: BacklogStore, tmp_path: Path) -> None:
    committed = datetime.now(UTC) - timedelta(hours=6)
    store.add(sample_item(evidence=[Evidence("commit", "abc1234", committed.isoformat())]))
    detect = kpi(store, "time_to_detect")
    assert detect.status == "ok" and 5.9 < detect.value < 6.1

    repo = tmp_path / "repo"
    repo.mkdir()
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).strftime("%s")
    env = {
        "GIT_AUTHOR_DATE": f"{two_days_ago} +0000",
        "GIT_COMMITTER_DATE": f"{two_days_ago} +0000",
    }
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "slow"], check=True,
                   env={**os.environ, **env})  # fmt: skip
    sha = subprocess.run([*git, "rev-parse", "HEAD"], capture_output=True, text=True).stdout
    store.add(sample_item("regressed", evidence=[Evidence("commit", sha.strip())]))
    assert kpi(store, "time_to_detect").detail == "over 1 items with a linked commit"
    with_git = kpi(store, "time_to_detect", repo=repo)
    assert with_git.detail == "over 2 items with a linked commit"
    assert 26 < with_git.value < 28 and with_git.status == "warn"  # mean of 6 h and 48 h


def test_hotspot_churn_from_stored_profiles(store: BacklogStore, tmp_path: Path) -> None:
    stacks = {f"main (a.py:1);f{n} (a.py:{n})": 100 - n for n in range(10)}
    first = record_profile_top(store, write_collapsed(tmp_path / "p1.txt", stacks), "api")
    assert first[0] == "a.py:f0" and len(first) == 10
    stacks.pop("main (a.py:1);f9 (a.py:9)")
    stacks["main (a.py:1);g (a.py:50)"] = 5
    record_profile_top(store, write_collapsed(tmp_path / "p2.txt", stacks), "api")
    churn = kpi(store, "hotspot_churn")
    assert churn.value == 10.0 and churn.status == "ok"
    for n in range(3):
        stacks[f"main (a.py:1);h{n} (a.py:{60 + n})"] = 500
    record_profile_top(store, write_collapsed(tmp_path / "p3.txt", stacks), "api")
    report = compute_kpis(store)
    churn = next(k for k in report.kpis if k.key == "hotspot_churn")
    assert churn.value == 30.0 and churn.status == "escalate"
    assert report.escalations[0].reason.startswith("hotspot churn of api is 30% a week (> 25%;")


def test_hotspot_churn_is_a_weekly_rate(store: BacklogStore, tmp_path: Path) -> None:
    """Ten functions; each snapshot replaces some. The rate compares the latest with the
    last snapshot at least a week older and scales that turnover to 7 days."""

    def snapshot(names: list[str], at: str) -> None:
        stacks = {f"main (a.py:1);{name} (a.py:{n + 2})": 100 - n for n, name in enumerate(names)}
        path = write_collapsed(tmp_path / f"{at[:10]}.txt", stacks)
        record_profile_top(store, path, "api", recorded_at=at)

    base = [f"f{n}" for n in range(10)]
    snapshot(base, "2026-11-01T09:00:00Z")
    snapshot([*base[:6], "g0", "g1", "g2", "g3"], "2026-11-15T09:00:00Z")  # 40% in 2 weeks
    churn = kpi(store, "hotspot_churn")
    assert churn.value == 20.0 and churn.status == "warn"  # 20% a week: warn, no escalation
    assert compute_kpis(store).escalations == []
    # Two days later 30% more changed; the last snapshot a week older is still Nov 1:
    # 60% over 16 days is 26.25% a week, above the escalation line.
    snapshot([*base[:4], "g0", "g1", "g2", "h0", "h1", "h2"], "2026-11-17T09:00:00Z")
    report = compute_kpis(store)
    churn = next(k for k in report.kpis if k.key == "hotspot_churn")
    assert churn.value == 26.25 and churn.status == "escalate"
    assert "60% of its top functions replaced in 16.0 days" in report.escalations[0].reason


def test_churn_under_a_week_is_not_scaled_up(store: BacklogStore, tmp_path: Path) -> None:
    base = {f"main (a.py:1);f{n} (a.py:{n + 2})": 100 - n for n in range(10)}
    record_profile_top(store, write_collapsed(tmp_path / "a.txt", base), "api",
                       recorded_at="2026-11-01T09:00:00Z")  # fmt: skip
    base.pop("main (a.py:1);f9 (a.py:11)")
    base["main (a.py:1);g (a.py:50)"] = 1
    record_profile_top(store, write_collapsed(tmp_path / "b.txt", base), "api",
                       recorded_at="2026-11-01T10:00:00Z")  # fmt: skip
    churn = kpi(store, "hotspot_churn")
    assert churn.value == 10.0 and churn.status == "ok"
    assert "1 with under a week of snapshots (not scaled up)" in churn.detail
    with pytest.raises(ValidationError, match="is not a time"):
        record_profile_top(store, tmp_path / "b.txt", "api", recorded_at="last tuesday")


def test_benchmark_coverage_of_critical_items(store: BacklogStore) -> None:
    covered = store.add(sample_item("a", critical=True))
    store.add(sample_item("b", critical=True))
    store.add(sample_item("not critical"))
    store.link(covered.id, Evidence("benchmark", "bench_merge"))
    coverage = kpi(store, "benchmark_coverage")
    assert coverage.value == 50.0 and coverage.status == "warn"


def test_regression_persisting_across_three_changes_escalates(store: BacklogStore) -> None:
    item = store.add(sample_item("p95 up", taxonomy=Taxonomy.PREVENTIVE, kpi_baseline=100,
                                 kpi_target=80, kpi_latest=130))  # fmt: skip
    for sha in ("aaaa111", "bbbb222"):
        store.link(item.id, Evidence("commit", sha))
    assert compute_kpis(store).escalations == []
    store.link(item.id, Evidence("commit", "cccc333"))
    (escalation,) = compute_kpis(store).escalations
    assert escalation.item_id == item.id
    assert "30% worse than baseline after 3 linked changes" in escalation.reason

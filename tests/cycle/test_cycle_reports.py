"""Cycles fed with imported results: missing data says "not measured", the plan, bad input."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import workbench
from workbench.cycle.folder import Cycle
from workbench.cycle.view import build_view, load_items
from workbench.reports.cycle_reports import REPORTS

SAMPLES = Path(__file__).with_name("samples")
SLO = 'availability-pct = 99\n[endpoints."*"]\np95-ms = 250\nthroughput-rps = 4\n'


@pytest.fixture
def project(tmp_path: Path) -> Path:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "slo.toml").write_text(SLO)
    return tmp_path


def _add(project: Path, title: str, impact: int, effort: int, *extra: str) -> None:
    result = workbench(
        "backlog", "add", title, "--impact", impact, "--effort", effort, *extra, cwd=project
    )
    assert result.returncode == 0, result.stderr


def test_imported_baseline_only_reports_say_what_is_missing(project: Path) -> None:
    _add(project, "Pool DB connections | <script>x</script>", 5, 1, "--taxonomy", "preventive")
    _add(project, "Rewrite the pipeline async", 5, 4, "--taxonomy", "strategic",
         "--commit", "abc123def4567890")  # fmt: skip
    _add(project, "Split the monolith", 4, 5)
    _add(project, "Rename a helper", 1, 1)
    _add(project, "Port to Rust", 1, 5)
    assert workbench("cycle", "start", "q3", cwd=project).returncode == 0
    imported = workbench(
        "cycle", "baseline", "--from", SAMPLES / "k6-summary-export.json", cwd=project
    )
    assert imported.returncode == 0, imported.stderr
    report = workbench("cycle", "report", cwd=project)
    assert report.returncode == 0, report.stderr
    assert "baseline: PASS" in report.stdout and "after: not measured" in report.stdout
    folder = project / ".workbench" / "cycles" / "q3" / "reports"
    text = {name: (folder / name).read_text() for name in REPORTS}
    for markdown in text.values():
        sections = re.split(r"^#{1,3} .*$", markdown, flags=re.M)[1:]
        assert all(section.strip() for section in sections)
    assert "Profile: not measured" in text["baseline.md"]
    row = "| all endpoints | 180 | 0 | 110.47 | 215.95 | not measured | 4.37 |"
    assert row in text["baseline.md"]
    assert "After: not measured — run `workbench cycle after`." in text["summary.md"]
    assert "Timeline: not measured (k6 keeps no history)." in text["loadtests.md"]
    assert "Cost saved: not measured" in text["summary.md"]
    plan = text["plan.md"]
    sections = dict(re.findall(r"^## ([^\n]*)\n\n(.*?)(?=^## |\Z)", plan, re.M | re.S))
    assert "Pool DB connections" in sections["Quick wins (immediate PR)"]
    assert "Rewrite the pipeline async" in sections["Strategic (design review)"]
    assert "Split the monolith" in sections["Major work (a project)"]
    assert "Rename a helper" in sections["Batch fixes"]
    assert "Port to Rust" in sections["Deferred (not planned)"]
    # The SLO stands in for a preventive item's missing p95 target; commits name the rollback.
    assert "p95 latency \\(ms\\): 215.95 → ≤ 250" in plan
    assert "git revert abc123def456" in plan
    assert "&lt;script&gt;" in plan and "<script>" not in plan and "\\| &lt;" in plan


def test_the_view_ranks_quick_wins_first(project: Path) -> None:
    _add(project, "Low value", 1, 1)
    _add(project, "Worth it", 4, 1)
    _add(project, "Big bet", 5, 5)
    workbench("cycle", "start", "rank", cwd=project)
    cycle = Cycle.open(project / ".workbench" / "cycles")
    items, note = load_items(project / ".workbench" / "triage.db")
    view = build_view(cycle, items, note)
    ranked = [entry.item.title for entry in view.analysis.items]
    assert ranked == ["Worth it", "Big bet", "Low value"]
    assert view.analysis.sampled_seconds is None and view.roi.cpu_ms_before is None
    assert "3 items" in note


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["cycle", "report", "--cycle", "nope"], "no cycle 'nope'"),
        (["cycle", "baseline"], "no cycle started"),
        (["cycle", "start", "bad/name"], "not a cycle name"),
        (["cycle", "start", "x", "--url", "http://127.0.0.1:9/a", "--slo", "missing.toml"],
         "does not exist"),
    ],
)  # fmt: skip
def test_cycle_bad_input_is_one_line_exit_2(project: Path, args: list, words: str) -> None:
    result = workbench(*args, cwd=project)
    assert result.returncode == 2
    assert words in result.stderr and result.stderr.count("\n") == 1


def test_start_refuses_an_slo_endpoint_the_load_never_visits(project: Path) -> None:
    (project / "slo.toml").write_text('[endpoints."/checkout"]\np95-ms = 100\n')
    result = workbench("cycle", "start", "c", "--url", "http://127.0.0.1:9/a", cwd=project)
    assert result.returncode == 2 and "--path /checkout" in result.stderr
    assert not (project / ".workbench" / "cycles" / "c").exists()


def test_a_cycle_without_url_needs_from_and_names_are_unique(project: Path) -> None:
    assert workbench("cycle", "start", "c", cwd=project).returncode == 0
    again = workbench("cycle", "start", "c", cwd=project)
    assert again.returncode == 2 and "exists" in again.stderr
    load = workbench("cycle", "baseline", cwd=project)
    assert load.returncode == 2 and "--from RESULTS" in load.stderr
    listed = workbench("cycle", "list", cwd=project)
    assert listed.stdout == "* c\n"

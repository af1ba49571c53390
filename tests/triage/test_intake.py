"""Intake from a real diff of two collapsed profiles: drifted functions become items."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from tests.helpers import cli, cli_in, write_collapsed
from workbench.cli.backlog import add_propose_options, propose_from_diff
from workbench.profiles.diff import diff_profiles
from workbench.profiles.io import read_profile
from workbench.triage.intake import drifted, guess_pattern, propose_items
from workbench.triage.model import EvidenceKind, ItemFilter, Pattern, Source, Status
from workbench.triage.store import BacklogStore

BASE = {
    "main (shop/app.py:1);handle (shop/app.py:10);render (shop/views.py:5)": 60,
    "main (shop/app.py:1);handle (shop/app.py:10);parse (shop/io.py:3)": 38,
    "main (shop/app.py:1);handle (shop/app.py:10);Pool.acquire (shop/db.py:40)": 2,
}
BRANCH = {
    "main (shop/app.py:1);handle (shop/app.py:10);render (shop/views.py:5)": 40,
    "main (shop/app.py:1);handle (shop/app.py:10);parse (shop/io.py:3)": 30,
    "main (shop/app.py:1);handle (shop/app.py:10);merge_rows (shop/orders.py:7)": 20,
    "main (shop/app.py:1);handle (shop/app.py:10);Pool.acquire (shop/db.py:40)": 10,
}


@pytest.fixture
def profiles(tmp_path: Path) -> tuple[Path, Path]:
    return (
        write_collapsed(tmp_path / "base.txt", BASE),
        write_collapsed(tmp_path / "branch.txt", BRANCH),
    )


def test_new_hotspot_and_regression_become_items(
    profiles: tuple[Path, Path], store: BacklogStore
) -> None:
    base, branch = profiles
    diff = diff_profiles(read_profile(base), read_profile(branch))
    assert {str(d.key) for d in drifted(diff)} == {
        "shop/orders.py:merge_rows",
        "shop/db.py:Pool.acquire",
    }
    items = propose_items(diff, store, drift_pct=4.0)
    by_function = {item.functions()[0]: item for item in items}
    merge = by_function["shop/orders.py:merge_rows"]
    assert merge.title == "New hotspot: merge_rows self 0.0% → 20.0%"
    assert merge.source is Source.PROFILE_DRIFT and merge.status is Status.NEW
    assert merge.pattern is Pattern.UNKNOWN  # a new hotspot in one diff: no scaling evidence
    assert (merge.kpi_baseline, merge.kpi_latest, merge.impact) == (0.0, 20.0, 5)
    profiles_linked = [e.ref for e in merge.evidence if e.kind is EvidenceKind.PROFILE]
    assert profiles_linked == [str(branch), str(base)]
    acquire = by_function["shop/db.py:Pool.acquire"]
    assert acquire.pattern is Pattern.UNKNOWN  # its name says 'acquire'; nothing measured does
    assert "Regression" in acquire.title or "New hotspot" in acquire.title

    assert propose_items(diff, store) == []  # open items on the same functions: no duplicate
    store.set_status([merge.id], Status.DONE)
    again = propose_items(diff, store)
    assert [item.functions() for item in again] == [["shop/orders.py:merge_rows"]]


def test_higher_threshold_proposes_less(profiles: tuple[Path, Path], store: BacklogStore):
    diff = diff_profiles(*(read_profile(p) for p in profiles))
    assert [str(d.key) for d in drifted(diff, drift_pct=10)] == ["shop/orders.py:merge_rows"]


def test_pattern_guesses_come_from_evidence_not_names(profiles: tuple[Path, Path]) -> None:
    diff = diff_profiles(*(read_profile(p) for p in profiles))
    guesses = {d.key.qualname: guess_pattern(d) for d in diff.functions}
    assert guesses["Pool.acquire"] is Pattern.UNKNOWN
    assert guesses["parse"] is Pattern.UNKNOWN  # it shrank: no pattern to guess
    assert guesses["handle"] is Pattern.UNKNOWN  # its total share did not move


def test_block_level_and_join_are_not_lock_contention(tmp_path: Path) -> None:
    """The old name rule matched 'lock' in isblocklevel and is_block_level, and 'join'."""
    caller = "main (md/app.py:1);run (md/post.py:5)"
    base = {
        f"{caller};isblocklevel (md/post.py:20)": 5,
        f"{caller};join (md/util.py:3)": 5,
        f"{caller};is_block_level (md/core.py:9)": 5,
        caller: 85,
    }
    branch = {
        f"{caller};isblocklevel (md/post.py:20)": 30,
        f"{caller};join (md/util.py:3)": 30,
        f"{caller};is_block_level (md/core.py:9)": 30,
        caller: 10,
    }
    diff = diff_profiles(
        read_profile(write_collapsed(tmp_path / "b.txt", base)),
        read_profile(write_collapsed(tmp_path / "r.txt", branch)),
    )
    for name in ("isblocklevel", "is_block_level", "join"):
        (delta,) = [d for d in diff.functions if d.key.qualname == name]
        assert guess_pattern(delta) is not Pattern.LOCK_CONTENTION


def test_cli_propose_then_undo(profiles: tuple[Path, Path], db_path: Path) -> None:
    base, branch = profiles
    result = cli("backlog", "propose", base, branch, "--db", db_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and all(line.startswith("proposed #") for line in lines)
    undone = cli("backlog", "undo", "--db", db_path)
    assert undone.stdout.startswith("undo propose 2 from base.txt → branch.txt")
    with BacklogStore.open(db_path) as store:
        assert store.count(ItemFilter(include_closed=True)) == 0


def test_diff_propose_options_store_and_report_on_stderr(
    profiles: tuple[Path, Path], db_path: Path, capsys
) -> None:
    """What ``workbench diff --propose`` runs once profiles-diff wires these two calls."""
    parser = argparse.ArgumentParser()
    add_propose_options(parser)
    args = parser.parse_args(["--propose", "--drift-pct", "10", "--db", str(db_path)])
    diff = diff_profiles(*(read_profile(p) for p in profiles))
    propose_from_diff(diff, args)
    captured = capsys.readouterr()
    created, proposed, *_ = captured.err.splitlines()
    assert captured.out == "" and proposed.startswith("proposed #1")
    assert created == f"note: created a new backlog at {db_path}"
    with BacklogStore.open(db_path) as store:
        assert [i.functions() for i in store.items()] == [["shop/orders.py:merge_rows"]]


def test_default_location_is_the_git_root(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "src").mkdir()
    result = cli_in(tmp_path / "src", "backlog", "add", "found by default")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / ".workbench" / "triage.db").is_file()
    assert (tmp_path / ".workbench" / ".gitignore").read_text() == "*\n"
    status = subprocess.run(["git", "-C", str(tmp_path), "status", "--porcelain"],
                            capture_output=True, text=True)  # fmt: skip
    assert ".workbench" not in status.stdout

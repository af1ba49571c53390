"""The backlog through the real ``workbench`` command, as a new user would drive it."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import checksum, cli, run_main, write_collapsed


def test_round_trip_through_subprocesses(db_path: Path) -> None:
    added = cli("backlog", "add", "Quadratic join in merge_rows", "--impact", "5", "--effort",
                "2", "--function", "shop/orders.py:merge_rows", "--baseline", "12.5", "--target",
                "3", "--critical", "--db", db_path)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert added.stdout == "1\n"  # the id, and nothing else, once committed
    listed = cli("backlog", "list", "--format", "json", "--db", db_path)
    (item,) = json.loads(listed.stdout)
    assert item["quadrant"] == "immediate_pr" and item["critical"] is True
    moved = cli("backlog", "move", "1", "--effort", "+2", "--db", db_path)
    assert moved.returncode == 0 and "Design review I5 E4" in moved.stdout
    shown = cli("backlog", "show", "1", "--db", db_path)
    assert "function  shop/orders.py:merge_rows" in shown.stdout
    assert "tester  effort: 2 → 4" in shown.stdout
    assert cli("backlog", "undo", "--db", db_path).stdout.startswith("undo move #1")
    cli("backlog", "add", "Pre-warm the template cache", "--impact", "2", "--db", db_path)
    both = cli("backlog", "move", "1", "2", "--impact", "4", "--db", db_path)
    assert both.returncode == 0 and both.stdout.count(" I4 ") == 2, both.stderr
    undone = cli("backlog", "undo", "--db", db_path)
    assert undone.stdout.startswith("undo move ×2 (2 changes on 2 items)"), undone.stdout
    listed = json.loads(cli("backlog", "list", "--format", "json", "--db", db_path).stdout)
    assert sorted(item["impact"] for item in listed) == [2, 5]
    assert cli("backlog", "redo", "--db", db_path).stdout.startswith("redo move ×2")
    exported = cli("export", "markdown", "--db", db_path)
    assert "## Immediate PR — High impact · low effort" in exported.stdout
    assert "| 1 | Quadratic join in merge\\_rows \\(critical\\)" in exported.stdout


def test_list_filters_and_formats(db_path: Path, capsys) -> None:
    for title, impact, effort in (("cache warmup", 4, 1), ("socket reads", 2, 4), ("gc", 1, 1)):
        code, out, _ = run_main(capsys, "backlog", "add", title, "--impact", str(impact),
                                "--effort", str(effort), "--db", db_path)  # fmt: skip
        assert code == 0
    code, out, _ = run_main(capsys, "backlog", "list", "--quadrant", "defer", "--db", db_path)
    assert "socket reads" in out and "cache" not in out and "-- 1-1 of 1 items" in out
    code, out, _ = run_main(capsys, "backlog", "list", "-q", "sock", "--format", "csv",
                            "--db", db_path)  # fmt: skip
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [row["title"] for row in rows] == ["socket reads"]
    run_main(capsys, "backlog", "status", "done", "1", "3", "--db", db_path)
    code, out, _ = run_main(capsys, "backlog", "list", "--format", "json", "--db", db_path)
    assert [i["title"] for i in json.loads(out)] == ["socket reads"]
    code, out, _ = run_main(capsys, "backlog", "list", "--all", "--status", "done",
                            "--format", "json", "--db", db_path)  # fmt: skip
    assert sorted(i["title"] for i in json.loads(out)) == ["cache warmup", "gc"]


def test_user_errors_are_one_line_exit_2(db_path: Path, capsys) -> None:
    run_main(capsys, "backlog", "add", "x", "--db", db_path)
    for args, words in (
        (("backlog", "show", "9"), "no backlog item #9"),
        (("backlog", "status", "waived", "1"), "waiving needs a justification"),
        (("backlog", "edit", "1"), "nothing to change"),
        (("backlog", "move", "1", "--impact", "up"), "is not a score"),
        (("backlog", "link", "1"), "nothing to link"),
    ):
        code, out, err = run_main(capsys, *args, "--db", db_path)
        assert code == 2 and out == ""
        assert err.count("\n") == 1 and err.startswith("workbench: error: ") and words in err


@pytest.mark.parametrize(
    "args",
    [
        ("show", "99999999999999999999"),  # SQLite's INTEGER holds 64 bits: OverflowError
        ("move", "1", "--impact", "2", "--expect-version", "99999999999999999999"),
        ("list", "--offset", "99999999999999999999"),
        ("list", "--limit", "-1"),  # SQLite reads LIMIT -1 as "no limit"
        ("add", "y", "--baseline", "nan"),
        ("add", "y", "--target", "1e999"),
        ("propose", "a.txt", "b.txt", "--drift-pct", "inf"),
    ],
    ids=" ".join,
)
def test_numbers_no_store_can_hold_are_usage_errors(db_path: Path, capsys, args) -> None:
    run_main(capsys, "backlog", "add", "x", "--db", db_path)
    before = checksum(db_path)
    with pytest.raises(SystemExit) as exited:
        run_main(capsys, "backlog", *args, "--db", db_path)
    err = capsys.readouterr().err
    assert exited.value.code == 2 and "Traceback" not in err
    assert f"workbench backlog {args[0]}: error: argument " in err.splitlines()[-1]
    assert checksum(db_path) == before


def test_kpis_text_and_json(db_path: Path, capsys) -> None:
    run_main(capsys, "backlog", "add", "x", "--critical", "--benchmark", "bench_x", "--db", db_path)
    code, out, _ = run_main(capsys, "kpis", "--db", db_path)
    assert code == 0 and "Benchmark coverage" in out and "100.0%" in out
    code, out, _ = run_main(capsys, "kpis", "--format", "json", "--db", db_path)
    coverage = next(k for k in json.loads(out)["kpis"] if k["key"] == "benchmark_coverage")
    assert coverage["status"] == "ok" and coverage["value"] == 100.0


def test_snapshots_dated_with_at_give_a_weekly_churn(db_path: Path, tmp_path: Path, capsys) -> None:
    top = {f"main (a.py:1);f{n} (a.py:{n + 2})": 100 - n for n in range(4)}
    for day, replaced in (("2026-11-01", 0), ("2026-11-15", 2)):  # 50% in two weeks
        stacks = {**top, **{f"main (a.py:1);g{n} (a.py:{90 + n})": 200 for n in range(replaced)}}
        profile = write_collapsed(tmp_path / f"{day}.txt", stacks)
        code, out, _ = run_main(capsys, "backlog", "snapshot", profile, "--target", "api",
                                "--top", "4", "--at", day, "--db", db_path)  # fmt: skip
        assert code == 0 and out.startswith("stored top 4 functions"), out
    code, out, _ = run_main(capsys, "kpis", "--format", "json", "--db", db_path)
    churn = next(k for k in json.loads(out)["kpis"] if k["key"] == "hotspot_churn")
    assert churn["value"] == 25.0 and churn["status"] == "warn"  # 25% a week: not above 25%
    code, out, err = run_main(capsys, "backlog", "snapshot", profile, "--target", "api",
                              "--at", "yesterday", "--db", db_path)  # fmt: skip
    assert code == 2 and "'yesterday' is not a time" in err and err.count("\n") == 1


def test_control_characters_are_not_sent_to_the_terminal(db_path: Path, capsys) -> None:
    run_main(capsys, "backlog", "add", "evil \x1b]0;pwned\x07 title", "--db", db_path)
    code, out, _ = run_main(capsys, "backlog", "list", "--db", db_path)
    assert "\x1b" not in out and r"evil \x1b]0;pwned\x07 title" in out


def test_a_title_with_newlines_cannot_forge_rows(db_path: Path, capsys) -> None:
    forged = "real\n#99    Immediate PR  I5 E1  new         corrective -          forged"
    run_main(capsys, "backlog", "add", forged, "--notes", "a\n  history\nb", "--db", db_path)
    code, out, _ = run_main(capsys, "backlog", "list", "--db", db_path)
    rows = out.splitlines()
    assert len(rows) == 2 and rows[0].startswith("#1 ") and rows[1].startswith("-- 1-1 of 1")
    assert r"real\x0a#99" in rows[0]
    code, out, _ = run_main(capsys, "backlog", "show", "1", "--db", db_path)
    assert [line for line in out.splitlines() if line.startswith("  history")] == ["  history"]
    assert "  notes      a\n               history\n             b" in out


def test_bidi_controls_are_shown_not_obeyed(db_path: Path, capsys) -> None:
    """U+202E (right-to-left override) makes ``fdp.exe`` read as ``exe.pdf``: every text
    output shows it as an escape instead (list, show, the Markdown export)."""
    run_main(capsys, "backlog", "add", "open \u202efdp.exe", "--owner", "\u2066x\u2069",
             "--db", db_path)  # fmt: skip
    for command in (("backlog", "list"), ("backlog", "show", "1"), ("export", "markdown")):
        code, out, _ = run_main(capsys, *command, "--db", db_path)
        assert code == 0 and r"\u202efdp.exe" in out, command
        assert not any(ch in out for ch in "\u202e\u2066\u2069"), command


def test_split_point_is_set_from_the_cli(db_path: Path, capsys) -> None:
    run_main(capsys, "backlog", "add", "medium", "--impact", "3", "--effort", "2", "--db", db_path)
    code, out, _ = run_main(capsys, "backlog", "split", "--db", db_path)
    assert out == "split 3: impact or effort ≥ 3 is high\n"
    code, out, _ = run_main(capsys, "backlog", "split", "4", "--db", db_path)
    assert code == 0 and "≥ 4" in out
    code, out, _ = run_main(capsys, "backlog", "list", "--db", db_path)
    assert "Batch fixes" in out and "split 4" in out

"""Import from a team's spreadsheet export and from our JSON; CSV listing back out."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from tests.helpers import run_main, sample_item
from workbench.triage.model import EvidenceKind, ItemFilter, Quadrant, Status, Taxonomy
from workbench.triage.store import BacklogStore
from workbench.triage.transfer import ImportFormatError, read_import, write_csv

# What "File → Download → CSV" of a team's perf sheet looks like: a BOM, headers of
# its own, scores as words, statuses the way people write them, a note with a comma.
SHEET = (
    "\ufeffTitle,Impact (1-5),Effort,Category,Status,Owner,Function,Notes,Critical?\r\n"
    '"Slow /checkout, p95 420ms",High,2,Corrective,In Progress,alice,'
    'shop/orders.py:merge_rows,"seen after ""bulk"" release",yes\r\n'
    "Pre-warm template cache,4,4,Preventive,Open,bob,,,\r\n"
    "Update parser benchmarks,2,1,hygiene,Done,,,,x\r\n"
    ",3,3,Hygiene,Open,,,,\r\n"
    "Rewrite pipeline as async,5,5,Strategic,WIP,carol,,,\r\n"
    "Cache DNS lookups,7,1,Preventive,Open,,,,\r\n"
    "Tune GC thresholds,2,2,Performance,Open,,,,\r\n"
    "Vendored lib is slow,2,4,Corrective,Waived,,,,\r\n"
    "\r\n"
)


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    path = tmp_path / "perf-backlog.csv"
    path.write_bytes(SHEET.encode("utf-8"))
    return path


def test_spreadsheet_rows_are_mapped_or_skipped_with_reasons(sheet: Path) -> None:
    result = read_import(sheet)
    titles = [item.title for item in result.items]
    assert titles == [
        "Slow /checkout, p95 420ms",
        "Pre-warm template cache",
        "Update parser benchmarks",
        "Rewrite pipeline as async",
    ]
    first = result.items[0]
    assert (first.impact, first.effort, first.status) == (4, 2, Status.IN_PROGRESS)
    assert first.owner == "alice" and first.critical and first.notes == 'seen after "bulk" release'
    assert [(e.kind, e.ref) for e in first.evidence] == [
        (EvidenceKind.FUNCTION, "shop/orders.py:merge_rows")
    ]
    assert result.items[1].taxonomy is Taxonomy.PREVENTIVE and result.items[1].status is Status.NEW
    assert result.items[3].status is Status.IN_PROGRESS
    reasons = dict(result.skipped)
    assert reasons[5] == "empty title"
    assert reasons[7] == "impact '7' is not a whole number from 1 to 5"
    assert reasons[8].startswith("'Performance' is not a taxonomy")
    assert reasons[9] == "“Vendored lib is slow” is waived without a justification"


def test_import_is_one_undoable_batch(sheet: Path, db_path: Path, capsys) -> None:
    code, out, err = run_main(capsys, "backlog", "import", sheet, "--db", db_path)
    assert code == 0
    assert out.startswith("imported 4 items (#1-#4), skipped 4")
    assert err.count("skipped row") == 4 and "skipped row 7: impact '7'" in err
    with BacklogStore.open(db_path) as store:
        assert store.count(ItemFilter(include_closed=True)) == 4
        assert store.get(1).quadrant is Quadrant.IMMEDIATE_PR
    code, out, _ = run_main(capsys, "backlog", "import", sheet, "--db", db_path, "--strict")
    assert code == 2
    run_main(capsys, "backlog", "undo", "--db", db_path)
    with BacklogStore.open(db_path) as store:
        assert store.count(ItemFilter(include_closed=True)) == 0


def test_json_export_imports_back(store: BacklogStore, tmp_path: Path, capsys) -> None:
    store.add(sample_item(owner="alice", kpi_baseline=12.0, critical=True))
    store.add(sample_item("done one", status=Status.DONE))
    out_file = tmp_path / "backlog.json"
    code, _, _ = run_main(capsys, "export", "json", "-o", out_file, "--db", store.path)
    assert code == 0
    document = json.loads(out_file.read_text())
    assert document["format"] == "triage-workbench-backlog" and len(document["items"]) == 2
    assert {k["key"] for k in document["kpis"]["kpis"]} >= {"win_rate", "benchmark_coverage"}
    result = read_import(out_file)
    assert result.skipped == []
    assert [(i.title, i.owner, i.status, i.critical) for i in result.items] == [
        ("Quadratic join in merge_rows", "alice", Status.NEW, True),
        ("done one", "", Status.DONE, False),
    ]
    assert str(result.items[0].evidence[0]) == "function:shop/orders.py:merge_rows"


def test_csv_listing_reads_back(store: BacklogStore, tmp_path: Path) -> None:
    store.add(sample_item("a | b, with `code`", owner="alice"))
    out = io.StringIO()
    write_csv(store.items(), out)
    path = tmp_path / "listing.csv"
    path.write_text(out.getvalue())
    (item,) = read_import(path).items
    assert item.title == "a | b, with `code`" and item.owner == "alice"
    assert str(item.evidence[0]) == "function:shop/orders.py:merge_rows"


@pytest.mark.parametrize(
    "title",
    ["=HYPERLINK(\"http://x\",\"y\")", "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1)", "'=quoted",
     "\tTab", "\rreturn", "'plain quote"],
)  # fmt: skip
def test_csv_cells_never_start_a_formula_and_read_back(
    store: BacklogStore, tmp_path: Path, title: str
) -> None:
    """OWASP's rule for CSV injection: a text cell a spreadsheet would evaluate starts
    with ``'``; numbers (a negative KPI) stay numbers; an import takes the quote off."""
    store.add(sample_item(title, owner="=evil()", kpi_baseline=-3.5))
    out = io.StringIO()
    write_csv(store.items(), out)
    path = tmp_path / "listing.csv"
    path.write_text(out.getvalue())
    [row] = csv.DictReader(io.StringIO(out.getvalue()))
    for name, cell in row.items():
        assert not cell.startswith(("=", "+", "@", "\t", "\r")), (name, cell)
        assert not cell.startswith("-") or name == "kpi_baseline", (name, cell)
    assert row["kpi_baseline"] == "-3.5" and row["owner"] == "'=evil()"
    (item,) = read_import(path).items
    assert item.title == title.strip() and item.owner == "=evil()"


def test_unusable_files_are_refused(tmp_path: Path) -> None:
    no_title = tmp_path / "x.csv"
    no_title.write_text("Impact,Effort\n3,3\n")
    with pytest.raises(ImportFormatError, match="no title column"):
        read_import(no_title)
    broken = tmp_path / "x.json"
    broken.write_text('{"items": [')
    with pytest.raises(ImportFormatError, match="truncated JSON"):
        read_import(broken)
    broken.write_text('{"items": [}')
    with pytest.raises(ImportFormatError, match="malformed JSON"):
        read_import(broken)
    broken.write_text("[" * 100_000)
    with pytest.raises(ImportFormatError, match="nested too deeply|truncated"):
        read_import(broken)
    huge_field = tmp_path / "huge.csv"
    huge_field.write_text('Title\n"' + "x" * 200_000 + '"\n')
    with pytest.raises(ImportFormatError, match="malformed CSV"):
        read_import(huge_field)


def test_records_no_store_can_hold_are_skipped_and_named(
    store: BacklogStore, tmp_path: Path
) -> None:
    """An import is untrusted: a lone surrogate (UTF-8 cannot hold it) is kept as U+FFFD;
    a title that is no string or a KPI that is not finite skips that record, not the file."""
    path = tmp_path / "items.json"
    path.write_text(
        '[{"title": "cache \\ud800 warm"}, {"title": 7}, {"title": "x", "kpi_target": NaN},'
        ' {"title": "y", "kpi_baseline": 1e999}, {"title": "ok", "notes": "\\udfff"}]'
    )
    result = read_import(path)
    assert [item.title for item in result.items] == ["cache \ufffd warm", "ok"]
    assert [index for index, _ in result.skipped] == [1, 2, 3]
    assert "title must be text" in result.skipped[0][1]
    assert "finite" in result.skipped[1][1] and "finite" in result.skipped[2][1]
    for item in result.items:
        store.add(item)
    assert sorted(item.title for item in store.items()) == ["cache \ufffd warm", "ok"]

"""The Markdown export read as a reviewer would: GitHub tables, nothing interpreted."""

from __future__ import annotations

import re
from pathlib import Path

from tests.helpers import run_main, sample_item
from workbench.reports.triage_markdown import render_triage
from workbench.triage.kpis import compute_kpis
from workbench.triage.model import Evidence, Status, Taxonomy
from workbench.triage.store import BacklogStore

NASTY = "Fix `eval` | <script>alert(1)</script> **now**"


def export(store: BacklogStore) -> str:
    return "".join(render_triage(store.iter_all(order="matrix"), compute_kpis(store)))


def _cells(row: str) -> list[str]:
    """Split a table row on the pipes GitHub splits on (unescaped ones)."""
    return re.split(r"(?<!\\)\|", row.strip())[1:-1]


def test_grouped_by_quadrant_then_taxonomy(store: BacklogStore) -> None:
    store.add(sample_item("quick corrective", impact=5, effort=1))
    store.add(sample_item("quick hygiene", impact=4, effort=2, taxonomy=Taxonomy.HYGIENE))
    store.add(sample_item("big strategic", impact=5, effort=5, taxonomy=Taxonomy.STRATEGIC))
    store.add(sample_item("small one", impact=1, effort=1))
    text = export(store)
    headings = [line for line in text.splitlines() if line.startswith("##")]
    assert headings == [
        "## KPI summary",
        "## Escalations",
        "## Immediate PR — High impact · low effort",
        "### Corrective (1)",
        "### Hygiene (1)",
        "## Design review — High impact · high effort",
        "### Strategic (1)",
        "## Batch fixes — Low impact · low effort",
        "### Corrective (1)",
    ]


def test_untrusted_text_is_escaped_and_tables_stay_rectangular(store: BacklogStore) -> None:
    item = store.add(sample_item(NASTY, owner="a|b", kpi_baseline=12.5, kpi_latest=9,
                                 kpi_target=3))  # fmt: skip
    store.link(item.id, Evidence("url", "https://x.test/?q=<b>|`"))
    store.set_status([item.id], Status.IN_PROGRESS)
    text = export(store)
    assert "<script>" not in text and "&lt;script&gt;" in text
    assert "\\`eval\\`" in text and "\\*\\*now\\*\\*" in text
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    item_rows = [row for row in rows if row.startswith(f"| {item.id} |")]
    assert len(item_rows) == 1
    cells = _cells(item_rows[0])
    assert len(cells) == 8  # as many cells as the header: no `|` leaked
    assert cells[6].strip() == "self % of the hotspot: 12.5 → 9 / 3"
    tables = text.split("\n\n")
    for table in (t for t in tables if t.startswith("| ")):
        widths = {len(_cells(line)) for line in table.splitlines()}
        assert len(widths) == 1


def test_export_markdown_to_a_file(db_path: Path, tmp_path: Path, capsys) -> None:
    run_main(capsys, "backlog", "add", NASTY, "--db", db_path)
    out_file = tmp_path / "triage.md"
    code, out, err = run_main(capsys, "export", "markdown", "-o", out_file, "--db", db_path)
    assert code == 0 and out == "" and f"wrote {out_file}" in err
    text = out_file.read_text()
    assert text.startswith("# Performance triage\n") and "## KPI summary" in text
    code, _, err = run_main(capsys, "export", "markdown", "-o", tmp_path / "no/such/dir.md",
                            "--db", db_path)  # fmt: skip
    assert code == 2 and "cannot write" in err

"""The command line's history tables: aligned, code as written, each commit named once."""

from __future__ import annotations

from datetime import UTC, datetime

from workbench.history.blame import BlameLine
from workbench.history.render import _BLAME_HEADERS as HEADERS
from workbench.history.render import SUMMARY_WIDTH, text_table
from workbench.history.render import _blame_rows as blame_rows
from workbench.output import display_width

DAY = datetime(2024, 1, 2, tzinfo=UTC)
LONG = "Rewrite the join: an index instead of nested loops over both inputs (PERF-12)"


def _line(number: int, sha: str, text: str, summary: str = LONG) -> BlameLine:
    return BlameLine(number, sha * 40, "Zoë 测试", "z@example.com", DAY, summary, text)


def test_blame_keeps_indentation_names_each_commit_once_and_stays_aligned() -> None:
    lines = [
        _line(10, "a", "    def join(self, rows):"),
        _line(11, "a", "        index = {}"),
        _line(12, "a", "\tfor row in rows:"),
        _line(13, "b", "            yield index[row]", summary="short"),
    ]
    table = text_table(HEADERS, blame_rows(lines)).splitlines()
    code_at = table[0].index("code")
    # The code column starts at the same terminal column on every line (wide names too)
    # and keeps the indentation the lines do not share.
    code = [
        "def join(self, rows):",
        "    index = {}",
        "for row in rows:",
        "        yield index[row]",
    ]
    for row, expected in zip(table[1:], code, strict=True):
        assert row.endswith(expected)
        assert display_width(row[: len(row) - len(expected)]) == code_at
    assert sum(LONG[:10] in row for row in table) == 1, "the subject is not repeated"
    assert f"{LONG[: SUMMARY_WIDTH - 1]}…" in table[1] and LONG not in table[1]
    assert table[2].split()[0] == "11" and "aaaaaaaaaaaa" not in table[2]
    assert "bbbbbbbbbbbb" in table[4] and "short" in table[4]

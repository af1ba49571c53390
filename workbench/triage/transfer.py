"""Items in and out as JSON (our own export) and CSV (a team's spreadsheet).

Spreadsheets are written by people: headers like ``Impact (1-5)`` or
``Category``, statuses like ``WIP`` or ``Won't fix``, scores like ``High``.
:func:`read_import` maps what it can, and returns every row it cannot use with
the reason, so the import is honest about what it skipped.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from workbench.documents import MALFORMED, csv_rows, parse_json, read_text
from workbench.errors import WorkbenchError
from workbench.output import plain
from workbench.triage.kpis import KpiReport
from workbench.triage.model import (
    EDITABLE_FIELDS,
    Evidence,
    EvidenceKind,
    Item,
    ItemFilter,
    Status,
)
from workbench.triage.schema import SCHEMA_VERSION
from workbench.triage.store import BacklogStore, now
from workbench.triage.values import ValidationError, validate_item

ITEM_FIELDS = ("id", *EDITABLE_FIELDS, "quadrant", "created_at", "updated_at", "version")
"""Columns of ``list --format csv`` and keys of an exported item, in order."""


class ImportFormatError(WorkbenchError):
    """The import file is neither our JSON export nor a CSV with a title column."""


@dataclass
class ImportResult:
    """What an import file holds: usable items and the rows it had to skip, with why."""

    items: list[Item] = field(default_factory=list)
    skipped: list[tuple[int, str]] = field(default_factory=list)
    """(row number as a spreadsheet counts it — header is row 1 — or JSON index, reason)."""


def item_to_dict(item: Item) -> dict[str, Any]:
    """An item as plain JSON values (enums as their stored values), evidence last."""
    data = {name: getattr(item, name) for name in ITEM_FIELDS}
    data["evidence"] = [
        {"kind": e.kind.value, "ref": e.ref, "note": e.note, "added_at": e.added_at}
        for e in item.evidence
    ]
    return {k: (v.value if hasattr(v, "value") else v) for k, v in data.items()}


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""What makes a spreadsheet read a CSV cell as a formula (``=HYPERLINK(…)``,
``+cmd|' /C calc'!A0``): such a text cell is written with a leading ``'``, the
quote spreadsheets take as "this is text" and do not show (OWASP's CSV injection
rule). A cell that starts with ``'`` gets one more, so the import can undo both."""


def csv_cell(value: Any) -> Any:
    """``value`` as written to a CSV cell: text that a spreadsheet would run as a
    formula is quoted; numbers (a negative KPI) stay numbers."""
    if isinstance(value, str) and value.startswith((*FORMULA_STARTS, "'")):
        return "'" + value
    return value


def from_csv_cell(text: str) -> str:
    """Undo :func:`csv_cell` for a cell read back."""
    if text[:1] == "'" and text[1:2] and text[1:].startswith((*FORMULA_STARTS, "'")):
        return text[1:]
    return text


def item_to_row(item: Item) -> dict[str, Any]:
    """An item as one flat CSV row (cells safe to open in a spreadsheet, see
    :func:`csv_cell`); evidence as ``kind:ref`` separated by ``; ``."""
    row = item_to_dict(item)
    row["evidence"] = "; ".join(str(e) for e in item.evidence)
    return {name: csv_cell(value) for name, value in row.items()}


def write_csv(items: Iterable[Item], out: io.TextIOBase) -> None:
    writer = csv.DictWriter(out, fieldnames=[*ITEM_FIELDS, "evidence"], lineterminator="\n")
    writer.writeheader()
    for item in items:
        writer.writerow(item_to_row(item))


# -- reading -------------------------------------------------------------
#: Normalised header → item field. Normalising drops case, punctuation and
#: any "(1-5)"-style suffix, so "Impact (1-5)" and "IMPACT" both read as impact.
_HEADERS = {
    "title": "title", "summary": "title", "name": "title", "item": "title", "issue": "title",
    "hypothesis": "hypothesis", "description": "hypothesis", "details": "hypothesis",
    "notes": "notes", "note": "notes", "comments": "notes", "comment": "notes",
    "impact": "impact", "impactscore": "impact", "value": "impact",
    "effort": "effort", "effortscore": "effort", "cost": "effort", "size": "effort",
    "category": "taxonomy", "taxonomy": "taxonomy", "type": "taxonomy", "kind": "taxonomy",
    "status": "status", "state": "status",
    "owner": "owner", "assignee": "owner", "assignedto": "owner",
    "source": "source", "origin": "source",
    "signal": "signal", "symptom": "signal",
    "pattern": "pattern", "rootcause": "pattern", "rootcausepattern": "pattern",
    "kpi": "kpi", "metric": "kpi",
    "baseline": "kpi_baseline", "kpibaseline": "kpi_baseline",
    "target": "kpi_target", "kpitarget": "kpi_target", "goal": "kpi_target",
    "latest": "kpi_latest", "kpilatest": "kpi_latest", "current": "kpi_latest",
    "critical": "critical", "criticalpath": "critical",
    "justification": "justification", "waiver": "justification", "reason": "justification",
    "evidence": "evidence", "links": "evidence",
    "function": "function", "functions": "function", "hotspot": "function",
    "commit": "commit", "commits": "commit", "sha": "commit",
    "benchmark": "benchmark", "benchmarks": "benchmark",
    "url": "url", "link": "url", "ticket": "url",
    "profile": "profile",
}  # fmt: skip
_SCORE_WORDS = {"veryhigh": 5, "high": 4, "medium": 3, "med": 3, "low": 2, "verylow": 1}
_STATUS_WORDS = {
    "open": Status.NEW, "todo": Status.NEW, "backlog": Status.NEW, "": Status.NEW,
    "wip": Status.IN_PROGRESS, "doing": Status.IN_PROGRESS, "started": Status.IN_PROGRESS,
    "closed": Status.DONE, "fixed": Status.DONE, "resolved": Status.DONE, "complete": Status.DONE,
    "later": Status.DEFERRED, "postponed": Status.DEFERRED, "onhold": Status.DEFERRED,
    "wontfix": Status.REJECTED, "invalid": Status.REJECTED, "duplicate": Status.REJECTED,
    "accepted": Status.WAIVED,
}  # fmt: skip
_TRUE = {"1", "true", "yes", "y", "x", "critical"}
_SUFFIX = re.compile(r"\(.*?\)|\[.*?\]")
_HEX = re.compile(r"^[0-9a-f]{7,40}$", re.I)


def _key(text: str) -> str:
    return "".join(ch for ch in _SUFFIX.sub("", text).lower() if ch.isalnum())


def read_import(path: Path) -> ImportResult:
    """Items from our JSON export (or a JSON list of items) or from a CSV file."""
    text = read_text(path, ImportFormatError, what="backlog export or CSV sheet")
    if text.lstrip()[:1] in ("{", "["):
        return _from_json(path, text)
    return _from_csv(path, text)


def _from_json(path: Path, text: str) -> ImportResult:
    document = parse_json(text, path, ImportFormatError, "backlog export")
    records = document.get("items") if isinstance(document, dict) else document
    if not isinstance(records, list):
        raise ImportFormatError(f'{plain(path)}: expected a list of items or {{"items": [...]}}')
    result = ImportResult()
    for index, record in enumerate(records):
        try:
            if not isinstance(record, dict):
                raise ValueError("not an object")
            fields = {k: v for k, v in record.items() if k in EDITABLE_FIELDS and v is not None}
            evidence = [
                Evidence(e["kind"], e["ref"], e.get("note") or "")
                for e in record.get("evidence") or []
            ]
            result.items.append(_checked(Item(**fields, evidence=evidence)))
        except MALFORMED as error:
            result.skipped.append((index, str(error)))
    return result


def _from_csv(path: Path, text: str) -> ImportResult:
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv_rows(text, path, ImportFormatError, dialect)
    header = next(reader, (1, None))[1]
    columns = [_HEADERS.get(_key(name)) for name in header or []]
    if "title" not in columns:
        raise ImportFormatError(
            f"{path}: no title column (looked for Title, Summary, Name, Item); "
            "add one or export JSON from workbench"
        )
    result = ImportResult()
    for number, cells in reader:
        if not any(cell.strip() for cell in cells):
            continue
        try:
            result.items.append(_row_item(columns, cells))
        except MALFORMED as error:
            result.skipped.append((number, str(error)))
    return result


def _row_item(columns: list[str | None], cells: list[str]) -> Item:
    fields: dict[str, Any] = {}
    evidence: list[Evidence] = []
    for column, cell in zip(columns, cells, strict=False):
        value = from_csv_cell(cell.strip())
        if column is None or not value:
            continue
        if column in ("function", "commit", "benchmark", "url", "profile"):
            evidence.extend(Evidence(column, ref) for ref in _split_refs(value))
        elif column == "evidence":
            evidence.extend(parse_evidence(ref) for ref in _split_refs(value))
        elif column in ("impact", "effort"):
            fields[column] = _score(column, value)
        elif column == "status":
            fields[column] = _STATUS_WORDS.get(_key(value)) or Status.parse(value)
        elif column == "critical":
            fields[column] = _key(value) in _TRUE
        elif column.startswith("kpi_"):
            fields[column] = float(value.rstrip("%").replace(",", ""))
        else:
            fields[column] = value
    if not fields.get("title"):
        raise ValueError("empty title")
    return _checked(Item(**fields, evidence=evidence))


def _checked(item: Item) -> Item:
    """``item`` if the store would accept it; else ValueError with the store's reason."""
    try:
        validate_item(item)
    except ValidationError as error:
        raise ValueError(str(error)) from None
    return item


def _score(column: str, value: str) -> int:
    word = _key(value)
    if word in _SCORE_WORDS:
        return _SCORE_WORDS[word]
    try:
        score = float(value)
    except ValueError:
        raise ValueError(f"{column} {value!r} is not 1-5 or high/medium/low") from None
    if not 1 <= score <= 5 or score != int(score):
        raise ValueError(f"{column} {value!r} is not a whole number from 1 to 5")
    return int(score)


def _split_refs(value: str) -> list[str]:
    return [ref.strip() for ref in re.split(r"[;\n]+|\s*,\s+", value) if ref.strip()]


def parse_evidence(ref: str) -> Evidence:
    """``kind:ref`` as our exports write it, or a bare reference whose kind is guessed:
    ``https://…`` → url, a hex sha → commit, ``x.py:f`` → function, a profile
    file → profile, anything else → a benchmark name."""
    kind, sep, rest = ref.partition(":")
    if sep and kind in EvidenceKind.__members__.values() and not rest.startswith("//"):
        return Evidence(kind, rest)
    if re.match(r"^[a-z]+://", ref):
        return Evidence(EvidenceKind.URL, ref)
    if _HEX.match(ref):
        return Evidence(EvidenceKind.COMMIT, ref)
    if ".py:" in ref:
        return Evidence(EvidenceKind.FUNCTION, ref)
    if re.search(r"\.(json|txt|collapsed|folded|speedscope|prof)$", ref):
        return Evidence(EvidenceKind.PROFILE, ref)
    return Evidence(EvidenceKind.BENCHMARK, ref)


def export_document(store: BacklogStore, report: KpiReport, *, include_closed: bool = True) -> dict:
    """The whole backlog and its KPIs as one JSON document; ``import`` reads it back."""
    item_filter = ItemFilter(include_closed=include_closed)
    return {
        "format": "triage-workbench-backlog",
        "schema": SCHEMA_VERSION,
        "exported_at": now(),
        "split": store.split,
        "counts": {q.value: n for q, n in store.counts_by_quadrant(item_filter).items()},
        "kpis": report.to_json(),
        "items": [item_to_dict(item) for item in store.iter_all(item_filter, order="id")],
    }

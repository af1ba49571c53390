"""The backlog vocabulary: quadrants, parsing of human spellings, defaults."""

from __future__ import annotations

import json

import pytest

from workbench.triage.model import (
    DEFAULT_KPI,
    QUADRANT_ACTIONS,
    Event,
    Item,
    Quadrant,
    Signal,
    Status,
    Taxonomy,
    quadrant_of,
)


@pytest.mark.parametrize(
    ("impact", "effort", "split", "expected"),
    [
        (5, 1, 3, Quadrant.IMMEDIATE_PR),
        (3, 3, 3, Quadrant.DESIGN_REVIEW),
        (2, 2, 3, Quadrant.BATCH_FIXES),
        (1, 5, 3, Quadrant.DEFER),
        (3, 2, 4, Quadrant.BATCH_FIXES),
        (4, 3, 4, Quadrant.IMMEDIATE_PR),
    ],
)
def test_quadrant_follows_the_split(impact: int, effort: int, split: int, expected: Quadrant):
    assert quadrant_of(impact, effort, split) is expected


def test_each_quadrant_has_its_playbook_action() -> None:
    assert QUADRANT_ACTIONS[Quadrant.IMMEDIATE_PR] == "Immediate PR"
    assert QUADRANT_ACTIONS[Quadrant.DESIGN_REVIEW] == "Design review"
    assert QUADRANT_ACTIONS[Quadrant.BATCH_FIXES] == "Batch fixes"
    assert QUADRANT_ACTIONS[Quadrant.DEFER] == "Defer"
    assert [q.rank for q in Quadrant] == [0, 1, 2, 3]


def test_human_spellings_parse_to_members() -> None:
    assert Status.parse("In Progress") is Status.IN_PROGRESS
    assert Status.parse("in-progress") is Status.IN_PROGRESS
    assert Signal.parse("CPU") is Signal.CPU
    assert Signal.parse("I/O") is Signal.IO
    with pytest.raises(ValueError, match="one of: new, triaged"):
        Status.parse("someday")


def test_item_defaults_and_kpi_from_taxonomy() -> None:
    item = Item("t", taxonomy="Preventive", impact=9, effort=0)
    assert (item.impact, item.effort) == (5, 1)
    assert item.quadrant is Quadrant.IMMEDIATE_PR
    assert item.kpi_name == DEFAULT_KPI[Taxonomy.PREVENTIVE] == "p95 latency (ms)"
    assert Item("t", kpi="error rate").kpi_name == "error rate"


def test_event_summary_reads_like_history() -> None:
    def event(action: str, field: str | None, old: object, new: object) -> Event:
        return Event(1, 1, 1, "2026", "me", action, field, json.dumps(old), json.dumps(new))

    assert event("update", "impact", 2, 4).summary == "impact: 2 → 4"
    assert event("undo", "status", "done", "new").summary == "undo: status: done → new"
    linked = event("link", "evidence", None, {"kind": "commit", "ref": "abc"})
    assert linked.summary == "linked commit:abc"

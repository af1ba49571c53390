"""The store on real SQLite files: CRUD, filters, full-text search, undo/redo, staleness."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tests.helpers import sample_item
from workbench.errors import StaleEditError
from workbench.triage.model import Evidence, ItemFilter, Quadrant, Status, Taxonomy
from workbench.triage.store import BacklogStore, ItemNotFoundError, ValidationError


def test_add_get_round_trip(store: BacklogStore) -> None:
    added = store.add(sample_item(owner="alice", kpi_baseline=12.5, kpi_target=3))
    assert added.id == 1 and added.version == 1
    again = store.get(added.id)
    assert again.title == "Quadratic join in merge_rows"
    assert again.quadrant is Quadrant.IMMEDIATE_PR
    assert again.kpi_baseline == 12.5 and again.owner == "alice"
    assert [str(e) for e in again.evidence] == ["function:shop/orders.py:merge_rows"]
    assert again.created_at and again.updated_at
    with pytest.raises(ItemNotFoundError, match="no backlog item #99"):
        store.get(99)


def test_filters_counts_and_pages(store: BacklogStore) -> None:
    store.add_many(
        [
            sample_item(f"item {n}", impact=1 + n % 5, effort=1 + (n // 5) % 5, owner="bob")
            for n in range(25)
        ]
    )
    counts = store.counts_by_quadrant()
    assert sum(counts.values()) == 25 and set(counts) == set(Quadrant)
    defer = store.items(ItemFilter(quadrant=Quadrant.DEFER), limit=100)
    assert len(defer) == counts[Quadrant.DEFER]
    assert all(item.quadrant is Quadrant.DEFER for item in defer)
    first, second = store.items(limit=10), store.items(offset=10, limit=10)
    assert not {i.id for i in first} & {i.id for i in second}
    ranks = [item.quadrant.rank for item in store.items(limit=None)]
    assert ranks == sorted(ranks)
    store.set_status([first[0].id], Status.DONE)
    assert store.count() == 24
    assert store.count(ItemFilter(include_closed=True)) == 25
    assert store.count(ItemFilter(status=[Status.DONE])) == 1
    assert store.count(ItemFilter(owner="bob", taxonomy=Taxonomy.CORRECTIVE)) == 24


def test_full_text_search_follows_edits(store: BacklogStore) -> None:
    one = store.add(sample_item("Slow template rendering", hypothesis="jinja compiles each time"))
    store.add(sample_item("Socket reads block", notes="seen under load"))
    assert [i.id for i in store.items(ItemFilter(text="templ"))] == [one.id]
    assert [i.title for i in store.items(ItemFilter(text="load"))] == ["Socket reads block"]
    assert store.count(ItemFilter(text='jinja "compiles')) == 1  # FTS syntax is not interpreted
    store.update(one.id, {"title": "Slow page assembly", "notes": "precompile at boot"})
    assert store.count(ItemFilter(text="template")) == 0
    assert store.count(ItemFilter(text="precompile")) == 1


def test_update_move_status_link(store: BacklogStore) -> None:
    item = store.add(sample_item())
    moved = store.move(item.id, impact_delta=-3, effort_delta=+9)
    assert (moved.impact, moved.effort, moved.quadrant) == (2, 5, Quadrant.DEFER)
    assert moved.version == 2
    with pytest.raises(ValidationError, match="justification"):
        store.set_status([item.id], Status.WAIVED)
    waived = store.set_status([item.id], Status.WAIVED, justification="vendor code")[0]
    assert waived.status is Status.WAIVED and waived.justification == "vendor code"
    linked = store.link(item.id, Evidence("benchmark", "bench_merge"))
    assert store.link(item.id, Evidence("benchmark", "bench_merge")).evidence == linked.evidence
    assert [e.kind.value for e in linked.evidence] == ["function", "benchmark"]
    unlinked = store.unlink(item.id, linked.evidence[0].id)
    assert [e.ref for e in unlinked.evidence] == ["bench_merge"]
    with pytest.raises(ValidationError, match="impact must be 1..5"):
        store.update(item.id, {"impact": 7})
    with pytest.raises(ValidationError, match="cannot edit"):
        store.update(item.id, {"version": 7})
    actions = [event.summary for event in store.history(item.id)]
    assert actions[:3] == ["created", "linked function:shop/orders.py:merge_rows", "impact: 5 → 2"]


def test_undo_and_redo_whole_batches(store: BacklogStore) -> None:
    ids = [store.add(sample_item(f"item {n}")).id for n in range(3)]
    store.set_status(ids, Status.DONE)
    assert store.count() == 0
    undone = store.undo()
    assert undone is not None and undone.label == "undo status done ×3"
    assert len(undone.events) == 3 and store.count() == 3
    redone = store.redo()
    assert redone is not None and store.count() == 0
    assert store.undo() is not None and store.count() == 3  # undo the redo
    assert store.undo().label.startswith("undo add") and store.count() == 2
    with pytest.raises(ItemNotFoundError):
        store.get(ids[2])
    assert store.redo() is not None and store.get(ids[2]).title == "item 2"
    store.move(ids[0], impact_delta=-1)  # a new action drops what was left to redo
    assert store.redo() is None
    kinds = [event.action for event in store.history(ids[2])]
    assert kinds == [
        "create",
        "link",
        "update",
        "undo",
        "redo",
        "undo",
        "undo",
        "undo",
        "redo",
        "redo",
    ]


def test_undo_refuses_to_clobber_a_later_change(db_path: Path) -> None:
    with BacklogStore.open(db_path) as mine, BacklogStore.open(db_path) as theirs:
        item = mine.add(sample_item(), actor="me")
        mine.move(item.id, impact_delta=-1, actor="me")
        theirs.update(item.id, {"impact": 1}, actor="them")
        with pytest.raises(StaleEditError, match="impact was changed since"):
            mine.undo(actor="me")
        assert mine.get(item.id).impact == 1


def test_stale_edit_refused_between_two_stores(db_path: Path) -> None:
    with BacklogStore.open(db_path) as first, BacklogStore.open(db_path) as second:
        item = first.add(sample_item())
        seen_by_second = second.get(item.id)
        first.update(item.id, {"owner": "alice"}, expected_version=item.version)
        with pytest.raises(StaleEditError) as refused:
            second.update(item.id, {"owner": "bob"}, expected_version=seen_by_second.version)
        assert str(refused.value) == (
            f"item {item.id} was changed by someone else since you read it "
            "(version 1 → 2); reload and retry"
        )
        assert first.get(item.id).owner == "alice"


def test_split_is_configurable_and_replaces_items(store: BacklogStore) -> None:
    item = store.add(sample_item(impact=3, effort=2))
    assert item.quadrant is Quadrant.IMMEDIATE_PR
    store.set_split(4)
    assert store.get(item.id).quadrant is Quadrant.BATCH_FIXES
    assert BacklogStore.open(store.path).split == 4
    with pytest.raises(ValidationError):
        store.set_split(9)


def test_linking_several_is_one_undo(store: BacklogStore) -> None:
    item = store.add(sample_item(evidence=[]))
    linked = store.link_many(
        item.id, [Evidence("commit", "3f9a2c1"), Evidence("benchmark", "bench_home")]
    )
    assert [str(e) for e in linked.evidence] == ["commit:3f9a2c1", "benchmark:bench_home"]
    assert store.undo().label == f"undo link #{item.id}"
    assert store.get(item.id).evidence == []
    with pytest.raises(ValidationError, match="needs a reference"):
        store.link(item.id, Evidence("url", "  "))


def test_threads_sharing_one_store_do_not_nest_transactions(store: BacklogStore) -> None:
    item = store.add(sample_item(impact=2))  # 3 threads × +1 never pass the cap of 5

    def bump() -> None:
        for _ in range(20):
            store.move(item.id, impact_delta=1)
            store.move(item.id, impact_delta=-1)

    threads = [threading.Thread(target=bump) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert store.get(item.id).version == 1 + 3 * 20 * 2


def test_moving_several_items_is_one_undo_step(store: BacklogStore) -> None:
    ids = [store.add(sample_item(f"item {n}", impact=2, effort=n + 1)).id for n in range(3)]
    moved = store.move_many(ids, impact_delta=2)
    assert [item.impact for item in moved] == [4, 4, 4]
    undone = store.undo()
    assert undone is not None and undone.label == "undo move ×3" and len(undone.events) == 3
    assert [store.get(i).impact for i in ids] == [2, 2, 2]
    assert store.redo() is not None
    assert [store.get(i).impact for i in ids] == [4, 4, 4]
    assert store.undo() is not None  # the redo, again as one step
    assert [store.get(i).impact for i in ids] == [2, 2, 2]
    assert store.undo().label.startswith("undo add")  # the step before the move


def test_a_stale_item_refuses_the_whole_bulk_move(store: BacklogStore) -> None:
    ids = [store.add(sample_item(f"item {n}", impact=2)).id for n in range(2)]
    store.move(ids[1], effort_delta=1)  # someone moved the second item meanwhile
    with pytest.raises(StaleEditError):
        store.move_many(ids, impact=5, expected_versions={ids[0]: 1, ids[1]: 1})
    assert [store.get(i).impact for i in ids] == [2, 2]
    assert store.undo().label == f"undo move #{ids[1]}"


def test_position_is_the_index_in_the_filtered_list(store: BacklogStore) -> None:
    store.add_many(
        [sample_item(f"item {n}", impact=1 + n % 5, effort=1 + n // 5 % 5) for n in range(60)]
    )
    store.set_status([3, 4], Status.DONE)
    for item_filter in (ItemFilter(), ItemFilter(quadrant=Quadrant.DEFER), ItemFilter(text="item")):
        listed = store.items(item_filter, limit=None)
        assert [store.position(item_filter, item) for item in listed] == list(range(len(listed)))
    closed = store.get(3)
    assert store.position(ItemFilter(), closed) is None  # not selected by the filter


def test_pages_read_from_the_end_match_pages_read_from_the_start(store: BacklogStore) -> None:
    store.add_many(
        [sample_item(f"item {n}", impact=1 + n % 5, effort=1 + n // 5 % 5) for n in range(50)]
    )
    every = [item.id for item in store.items(limit=None)]
    for offset, limit in ((0, 10), (20, 10), (26, 10), (40, 10), (45, 10), (49, 5)):
        page = store.items(offset=offset, limit=limit, total=len(every))
        assert [item.id for item in page] == every[offset : offset + limit], (offset, limit)
    assert store.items(offset=50, limit=10, total=50) == []

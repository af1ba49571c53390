"""The Backlog pane driven with keys, over a real SQLite file seeded through the real store."""

from __future__ import annotations

import shutil
import sqlite3
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest
from textual.pilot import Pilot

from screens.app import WorkbenchApp
from screens.backlog import BacklogScreen
from screens.item_dialog import ItemDialog
from screens.messages import BacklogItemRequested
from screens.widgets.backlog_list import BacklogList
from screens.widgets.item_detail import ItemDetail
from screens.widgets.kpi_panel import KpiPanel
from tests.helpers import Notices, run_main, settle
from workbench.context import LaunchContext
from workbench.triage.model import (
    Evidence,
    EvidenceKind,
    Item,
    ItemFilter,
    Quadrant,
    Source,
    Status,
)
from workbench.triage.store import BacklogStore

SIZE = (160, 50)


def seed(path: Path, items: Iterable[Item]) -> list[Item]:
    with BacklogStore.open(path) as store:
        return store.add_many(list(items))


def stored(path: Path, item_id: int) -> Item:
    with BacklogStore.open(path) as store:
        return store.get(item_id)


async def press(app: WorkbenchApp, pilot: Pilot, *keys: str) -> None:
    await pilot.press(*keys)
    await settle(pilot)


async def type_text(pilot: Pilot, text: str) -> None:
    await pilot.press(*("space" if ch == " " else ch for ch in text))


@asynccontextmanager
async def backlog(db: Path) -> AsyncIterator[tuple[WorkbenchApp, Pilot, BacklogScreen]]:
    app = WorkbenchApp(LaunchContext(mode="backlog", db=db))
    _heard[app] = Notices()
    async with app.run_test(size=SIZE, message_hook=_heard[app]) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, BacklogScreen)
        yield app, pilot, screen


#: The notifications each app of a test posted (``backlog`` listens for them).
_heard: WeakKeyDictionary[WorkbenchApp, Notices] = WeakKeyDictionary()


def notices(app: WorkbenchApp) -> Notices:
    return _heard[app]


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "triage.db"


@pytest.fixture
def four(db: Path) -> list[Item]:
    """One or more items per quadrant, ids 1..6."""
    return seed(
        db,
        [
            Item(title="cache warmup", impact=5, effort=1),  # immediate PR
            Item(title="quadratic join in orders", impact=4, effort=2),  # immediate PR
            Item(title="async pipeline", impact=4, effort=5),  # design review
            Item(title="rename benchmark", impact=2, effort=1),  # batch fixes
            Item(title="rewrite parser", impact=1, effort=4),  # defer
            Item(title="pool connections", impact=2, effort=2),  # batch fixes
        ],
    )


async def test_matrix_shows_counts_and_top_items_per_quadrant(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        counts = {panel.quadrant: panel.total for panel in screen.matrix.panels}
        assert counts == {
            Quadrant.IMMEDIATE_PR: 2,
            Quadrant.DESIGN_REVIEW: 1,
            Quadrant.BATCH_FIXES: 2,
            Quadrant.DEFER: 1,
        }
        immediate = screen.matrix.panel(Quadrant.IMMEDIATE_PR)
        assert immediate.border_title == "Immediate PR · 2"
        assert [item.title for item in immediate.visible_items] == [
            "cache warmup",
            "quadratic join in orders",
        ]
        assert "Batch fixes · 2" in str(screen.matrix.panel(Quadrant.BATCH_FIXES).border_title)


async def test_j_k_g_move_the_selection(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "v")  # the long list: every open item in matrix order
        assert screen.view == "list"
        listing = screen.active_list
        assert listing.selected.title == "cache warmup"
        await press(app, pilot, "j", "j")
        assert listing.cursor == 2
        assert listing.selected.title == "async pipeline"
        await press(app, pilot, "k")
        assert listing.selected.title == "quadratic join in orders"
        await press(app, pilot, "G")
        assert listing.selected.title == "rewrite parser"
        await press(app, pilot, "g")
        assert listing.cursor == 0


async def test_raising_impact_moves_the_item_to_another_quadrant(
    db: Path, four: list[Item]
) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "3")  # Batch fixes: rename benchmark (I2 E1) first
        item = screen.active_list.selected
        assert item.title == "rename benchmark"
        await press(app, pilot, "plus")
        assert stored(db, item.id).quadrant is Quadrant.IMMEDIATE_PR
        immediate = screen.matrix.panel(Quadrant.IMMEDIATE_PR)
        assert immediate.total == 3
        assert screen.matrix.panel(Quadrant.BATCH_FIXES).total == 1
        assert screen.active_list is immediate
        assert immediate.selected.id == item.id
        await press(app, pilot, "greater_than_sign", "greater_than_sign")  # effort 1 → 3
        assert stored(db, item.id).effort == 3
        design = screen.matrix.panel(Quadrant.DESIGN_REVIEW)
        assert screen.active_list is design and design.selected.id == item.id
        assert item.id in [i.id for i in design.visible_items]


async def test_add_through_the_dialog_with_typed_keys(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "n")
        assert isinstance(app.screen, ItemDialog)
        await type_text(pilot, "N+1 queries in checkout")
        for field, score in (("#impact", "5"), ("#effort", "1")):
            app.screen.query_one(field).focus()  # focus selects the old score: typing replaces it
            await type_text(pilot, score)
        await press(app, pilot, "enter")
        assert isinstance(app.screen, BacklogScreen)
        with BacklogStore.open(db) as store:
            [added] = store.items(ItemFilter(text="checkout"))
        assert added.title == "N+1 queries in checkout"
        assert (added.impact, added.effort) == (5, 1)
        immediate = screen.matrix.panel(Quadrant.IMMEDIATE_PR)
        assert immediate.total == 3 and immediate.selected.id == added.id


async def test_dialog_refuses_bad_input_and_stays_open(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "n", "enter")
        assert isinstance(app.screen, ItemDialog)
        assert "title" in str(app.screen.query_one("#item-form-error").render())
        await type_text(pilot, "x")
        app.screen.query_one("#evidence").text = "nonsense line"
        await press(app, pilot, "ctrl+s")
        assert isinstance(app.screen, ItemDialog)
        assert "evidence line 1" in str(app.screen.query_one("#item-form-error").render())
        await press(app, pilot, "escape")
        with BacklogStore.open(db) as store:
            assert store.count() == len(four)


async def test_status_key_sets_status_and_waiver_asks_why(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        first = screen.active_list.selected
        await press(app, pilot, "x", "d")
        assert stored(db, first.id).status is Status.DONE
        assert screen.matrix.panel(Quadrant.IMMEDIATE_PR).total == 1  # done leaves the matrix
        second = screen.active_list.selected
        await press(app, pilot, "x", "w")
        await type_text(pilot, "vendor code")
        await press(app, pilot, "enter")
        waived = stored(db, second.id)
        assert waived.status is Status.WAIVED and waived.justification == "vendor code"


async def test_mark_two_items_then_one_status_for_both(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "m", "j", "m")
        assert len(screen.marked) == 2
        await press(app, pilot, "x", "i")
        ids = [four[0].id, four[1].id]
        assert [stored(db, i).status for i in ids] == [Status.IN_PROGRESS] * 2
        assert screen.marked == frozenset()


async def test_marked_items_move_together(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "3", "m", "j", "m", "plus")
        batch = [i for i in four if i.title in ("rename benchmark", "pool connections")]
        assert {stored(db, i.id).impact for i in batch} == {3}
        assert screen.matrix.panel(Quadrant.IMMEDIATE_PR).total == 4


async def test_a_bulk_move_is_one_undo_and_one_redo(db: Path, four: list[Item]) -> None:
    batch = [i for i in four if i.title in ("rename benchmark", "pool connections")]
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "3", "m", "j", "m", "plus", "greater_than_sign")
        assert [(stored(db, i.id).impact, stored(db, i.id).effort) for i in batch] == [
            (3, 2),
            (3, 3),
        ]
        await press(app, pilot, "u")  # the effort step, on both items
        assert [(stored(db, i.id).impact, stored(db, i.id).effort) for i in batch] == [
            (3, 1),
            (3, 2),
        ]
        await press(app, pilot, "u")  # the impact step, on both
        assert [stored(db, i.id).impact for i in batch] == [2, 2]
        assert "undo move ×2" in str(screen.query_one("#backlog-status").render())
        await press(app, pilot, "U")
        assert [stored(db, i.id).impact for i in batch] == [3, 3]


async def test_undo_restores_and_redo_reapplies(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        item = screen.active_list.selected
        await press(app, pilot, "minus", "minus", "minus")  # 5 → 2: leaves Immediate PR
        assert stored(db, item.id).impact == 2
        await press(app, pilot, "u")
        assert stored(db, item.id).impact == 3
        await press(app, pilot, "u", "u")
        assert stored(db, item.id).impact == 5
        assert screen.matrix.panel(Quadrant.IMMEDIATE_PR).total == 2
        await press(app, pilot, "U")
        assert stored(db, item.id).impact == 4


class SlowStore(BacklogStore):
    """The real store with every write 0.3 s long: keys pressed meanwhile queue up."""

    @contextmanager
    def _transaction(self) -> Iterator[None]:
        with super()._transaction():
            time.sleep(0.3)
            yield


async def test_quick_presses_during_slow_writes_each_count(
    db: Path, four: list[Item], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each write expects the version the pane's own previous write left, read when it
    runs, not when its key was pressed: three ``-`` are three moves, no "changed by
    someone else"."""
    monkeypatch.setattr(BacklogScreen, "store_type", SlowStore)
    async with backlog(db) as (app, pilot, screen):
        item = screen.active_list.selected
        await pilot.press("minus", "minus", "minus")  # all three before the first commits
        await settle(pilot)
        assert stored(db, item.id).impact == item.impact - 3
        assert str(notices(app)) == ""
        await press(app, pilot, "u")
        assert stored(db, item.id).impact == item.impact - 2  # one undo per press
        assert screen.active_list.selected.id == item.id


async def test_a_missing_backlog_is_shown_empty_and_created_by_the_first_add(
    tmp_path: Path,
) -> None:
    db = tmp_path / "new" / "triage.db"
    async with backlog(db) as (app, pilot, screen):
        assert sum(panel.total for panel in screen.matrix.panels) == 0
        assert "no backlog file yet" in str(screen.query_one("#backlog-status").render())
        assert not db.parent.exists()  # looking created nothing
        await press(app, pilot, "n")
        await type_text(pilot, "first")
        await press(app, pilot, "enter")
        assert stored(db, 1).title == "first"
        assert f"created a new backlog at {db}" in notices(app)
        assert "no backlog file yet" not in str(screen.query_one("#backlog-status").render())


async def test_an_older_backlog_is_upgraded_by_the_first_change_only(tmp_path: Path) -> None:
    db = tmp_path / "triage.db"
    shutil.copy(Path(__file__).parents[1] / "triage" / "fixtures" / "triage_v1.db", db)
    before = db.read_bytes()
    async with backlog(db) as (app, pilot, screen):
        assert screen.matrix.panel(Quadrant.IMMEDIATE_PR).total == 1
        await press(app, pilot, "enter")  # reading the detail writes nothing either
        assert db.read_bytes() == before and not db.with_name("triage.db.bak-v1").exists()
        await press(app, pilot, "minus")
        assert "upgraded" in notices(app) and db.with_name("triage.db.bak-v1").exists()
    conn = sqlite3.connect(db)
    assert conn.execute("SELECT impact FROM items WHERE id = 1").fetchone() == (4,)
    conn.close()


async def test_control_and_bidi_characters_are_shown_as_escapes(db: Path) -> None:
    seed(db, [Item(title="pay \u202efdp.exe\nnext", impact=5, effort=1, owner="\x1b[31mx")])
    async with backlog(db) as (app, pilot, screen):
        line = screen.matrix.panel(Quadrant.IMMEDIATE_PR).render_line(0).text
        assert r"pay \u202efdp.exe\x0anext" in line and "\u202e" not in line
        await press(app, pilot, "enter")
        body = str(screen.query_one(ItemDetail).query_one("#item-detail-body").render())
        assert r"\u202e" in body and r"\x1b[31mx" in body and "\x1b" not in body


async def test_filter_narrows_by_text_and_by_token(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "slash")
        await type_text(pilot, "join")
        await press(app, pilot, "enter")
        assert sum(panel.total for panel in screen.matrix.panels) == 1
        assert screen.matrix.panel(Quadrant.IMMEDIATE_PR).loaded[0].title.startswith("quadratic")
        await press(app, pilot, "slash", "ctrl+u")
        await type_text(pilot, "q:batch")
        await press(app, pilot, "enter")
        assert [p.total for p in screen.matrix.panels] == [0, 0, 2, 0]
        assert screen.active_list.selected.title == "rename benchmark"  # keys follow the items
        await press(app, pilot, "escape")  # clears the filter
        assert sum(panel.total for panel in screen.matrix.panels) == len(four)


async def test_a_view_changed_while_hidden_shows_fresh_rows(db: Path, four: list[Item]) -> None:
    """Only the view on screen is re-read after a change; the other one catches up
    when it is shown, so neither ever shows rows from before the change."""
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "v", "slash")
        await type_text(pilot, "join")
        await press(app, pilot, "enter")  # filtered while the matrix is hidden
        assert [item.title for item in screen.active_list.loaded] == ["quadratic join in orders"]
        await press(app, pilot, "plus")  # and moved: I4 E2 → I5 E2, still Immediate PR
        await press(app, pilot, "v")
        panel = screen.matrix.panel(Quadrant.IMMEDIATE_PR)
        assert [(i.title, i.impact) for i in panel.loaded] == [("quadratic join in orders", 5)]
        assert [p.total for p in screen.matrix.panels] == [1, 0, 0, 0]
        assert panel.border_title == "Immediate PR · 1"
        await press(app, pilot, "escape", "v")  # filter cleared in the matrix; list catches up
        assert len(screen.active_list.loaded) == len(four)


async def test_export_writes_markdown(
    db: Path,
    four: list[Item],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    seed(db, [Item(title="pipe | and `tick` <b>x</b>")])
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "ctrl+s")
        path = screen.last_export
        assert path.parent == tmp_path and path.suffix == ".md"
        text = path.read_text()
        assert "cache warmup" in text and "Immediate PR" in text
        assert r"pipe \| and \`tick\` &lt;b&gt;x&lt;/b&gt;" in text
        assert str(path) in str(notices(app))
    # One export, one header: the pane writes what `workbench export markdown` prints.
    code, printed, _ = run_main(capsys, "export", "markdown", "--db", db)
    assert code == 0 and printed == text


async def test_markup_looking_text_is_shown_literally(db: Path) -> None:
    seed(
        db,
        [
            Item(title="[bold red]x[/]", impact=5, effort=1, owner="[/]"),
            Item(title="[/]", impact=5, effort=1, hypothesis="[link=x]y"),
        ],
    )
    async with backlog(db) as (app, pilot, screen):
        panel = screen.matrix.panel(Quadrant.IMMEDIATE_PR)
        lines = [panel.render_line(y).text for y in range(2)]
        assert "[bold red]x[/]" in lines[0] and "@[/]" in lines[0]
        assert lines[1].rstrip().endswith("[/]")
        await press(app, pilot, "enter", "j")
        detail = screen.query_one(ItemDetail)
        body = str(detail.query_one("#item-detail-body").render())
        assert "[link=x]y" in body
        await press(app, pilot, "v")
        assert "[bold red]x[/]" in screen.active_list.render_line(0).text


async def test_stale_edit_is_refused_and_loses_nothing(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        item = screen.active_list.selected
        await press(app, pilot, "e")
        assert isinstance(app.screen, ItemDialog)
        with BacklogStore.open(db) as other:  # a second process grooms the same item
            other.update(item.id, {"owner": "bob"}, expected_version=item.version)
        await type_text(pilot, " now")
        await press(app, pilot, "enter")
        assert isinstance(app.screen, BacklogScreen)
        kept = stored(db, item.id)
        assert kept.owner == "bob" and kept.title == item.title
        assert "changed" in str(notices(app)).lower()
        # The view reloaded: the next edit starts from bob's version and is accepted.
        assert screen.active_list.selected.owner == "bob"
        await press(app, pilot, "minus")
        assert stored(db, item.id).impact == item.impact - 1


async def test_stale_move_is_refused(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        item = screen.active_list.selected
        with BacklogStore.open(db) as other:
            other.move(item.id, impact_delta=-4)
        await press(app, pilot, "plus")
        assert stored(db, item.id).impact == 1
        assert len(notices(app)) >= 1


async def test_detail_shows_evidence_and_history(db: Path) -> None:
    [item] = seed(db, [Item(title="slow join", impact=5, effort=1)])
    with BacklogStore.open(db) as store:
        store.link(item.id, Evidence(EvidenceKind.FUNCTION, "app/db.py:Orders.join", "12% self"))
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "plus", "enter")  # one more history entry: impact 5 stays 5
        await press(app, pilot, "minus")
        detail = screen.query_one(ItemDetail)
        body = str(detail.query_one("#item-detail-body").render())
        assert "app/db.py:Orders.join" in body and "12% self" in body
        assert "impact: 5 → 4" in body
        assert detail.item.id == item.id


async def test_kpi_panel_lists_the_four_kpis(db: Path, four: list[Item]) -> None:
    seed(db, [Item(title="won", status=Status.DONE, kpi_baseline=12.0, kpi_latest=4.0)])
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "K")
        panel = screen.query_one(KpiPanel)
        assert panel.display
        kpis = {kpi.key: kpi for kpi in panel.report.kpis}
        assert list(kpis) == ["win_rate", "time_to_detect", "hotspot_churn", "benchmark_coverage"]
        assert kpis["win_rate"].value == 100.0  # self % 12 → 4: the corrective KPI moved down
        assert "Performance win rate" in str(panel.query_one("#kpi-body").render())


async def test_edit_form_changes_fields_and_evidence(db: Path) -> None:
    [item] = seed(
        db,
        [
            Item(
                title="slow join",
                impact=5,
                effort=1,
                evidence=[Evidence(EvidenceKind.COMMIT, "abc123")],
            )
        ],
    )
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "e")
        dialog = app.screen
        assert isinstance(dialog, ItemDialog)
        assert dialog.query_one("#evidence").text == "commit:abc123"
        dialog.query_one("#evidence").text = "function:app/db.py:join  # 12% self\nhttps://ci/run/7"
        dialog.query_one("#owner").focus()
        await type_text(pilot, "dana")
        await press(app, pilot, "ctrl+s")
        edited = stored(db, item.id)
        assert edited.owner == "dana"
        assert {(e.kind, e.ref, e.note) for e in edited.evidence} == {
            (EvidenceKind.FUNCTION, "app/db.py:join", "12% self"),
            (EvidenceKind.URL, "https://ci/run/7", ""),
        }


async def test_hotspot_from_another_pane_opens_a_prefilled_form(db: Path, tmp_path: Path) -> None:
    profile = tmp_path / "branch.speedscope.json"
    async with backlog(db) as (app, pilot, screen):
        app.post_message(
            BacklogItemRequested("hot join", function="app/db.py:join", profile=profile)
        )
        await settle(pilot)
        assert isinstance(app.screen, ItemDialog)
        await press(app, pilot, "ctrl+s")
        with BacklogStore.open(db) as store:
            [item] = store.items()
        assert item.source is Source.PROFILE_DRIFT and item.title == "hot join"
        assert {(e.kind, e.ref) for e in item.evidence} == {
            (EvidenceKind.FUNCTION, "app/db.py:join"),
            (EvidenceKind.PROFILE, str(profile)),
        }


async def test_ten_thousand_items_open_paged(db: Path) -> None:
    seed(
        db,
        (Item(title=f"item {n}", impact=1 + n % 5, effort=1 + n // 5 % 5) for n in range(10_000)),
    )
    async with backlog(db) as (app, pilot, screen):
        assert sum(panel.total for panel in screen.matrix.panels) == 10_000
        for panel in screen.matrix.panels:
            assert panel.visible_items, panel.quadrant
            assert len(panel.loaded) < 200  # a window, never the whole quadrant
        await press(app, pilot, "v", "G")
        listing = screen.active_list
        assert isinstance(listing, BacklogList) and listing.cursor == 9_999
        assert listing.selected is not None and len(listing.loaded) < 200


async def test_markup_in_a_typed_title_survives_add_and_undo(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "n", "left_square_bracket", "slash", "right_square_bracket")
        await press(app, pilot, "enter")
        with BacklogStore.open(db) as store:
            assert store.count(ItemFilter(text=None)) == len(four) + 1
        await press(app, pilot, "u")  # the status line quotes the title: shown literally
        assert "undo add “[/]”" in str(screen.query_one("#backlog-status").render())
        with BacklogStore.open(db) as store:
            assert store.count() == len(four)


async def test_unreadable_database_is_one_line_not_a_crash(db: Path) -> None:
    db.write_bytes(b"this is not a database" * 100)
    async with backlog(db) as (app, pilot, screen):
        status = screen.query_one("#backlog-status")
        assert status.has_class("-error")
        assert str(db) in str(status.render())
        await press(app, pilot, "plus", "n")  # keys still answer; nothing is written
        assert isinstance(app.screen, ItemDialog)
    assert db.read_bytes().startswith(b"this is not a database")


async def test_tab_digits_and_a_click_pick_the_quadrant(db: Path, four: list[Item]) -> None:
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "tab")
        assert screen.quadrant is Quadrant.DESIGN_REVIEW
        await press(app, pilot, "shift+tab", "shift+tab")
        assert screen.quadrant is Quadrant.DEFER
        await press(app, pilot, "1")
        assert screen.matrix.panel(Quadrant.IMMEDIATE_PR).has_class("-current")
        assert not screen.matrix.panel(Quadrant.DEFER).has_class("-current")
        await pilot.click("#quadrant-batch_fixes", offset=(4, 2))  # border, then row 1
        await settle(pilot)
        assert screen.quadrant is Quadrant.BATCH_FIXES
        assert screen.active_list.selected.title == "pool connections"


async def test_read_only_backlog_is_a_view_that_refuses_editing_keys(
    db: Path, four: list[Item]
) -> None:
    db.chmod(0o444)
    before = db.read_bytes()
    try:
        async with backlog(db) as (app, pilot, screen):
            assert screen.matrix.panel(Quadrant.IMMEDIATE_PR).total == 2
            status = str(screen.query_one("#backlog-status").render())
            assert "read-only" in status and not screen.query_one("#backlog-status").has_class(
                "-error"
            )
            await press(app, pilot, "j", "enter")  # reading still works: the detail panel
            assert screen.query_one(ItemDetail).has_class("-open")
            for key in ("plus", "greater_than_sign", "d", "u", "n", "e", "x"):
                notices(app).clear()
                await press(app, pilot, key)
                assert isinstance(app.screen, BacklogScreen), key  # no form opened
                assert "read-only" in str(notices(app)), key
                assert len(notices(app)) == 1, key
    finally:
        db.chmod(0o644)
    assert db.read_bytes() == before
    assert stored(db, four[0].id).impact == four[0].impact

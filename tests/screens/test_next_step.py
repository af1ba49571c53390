"""`D` in the Backlog pane runs the item's next diagnostic step where it runs, prefilled."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Static

from screens.capture_dialog import CaptureDialog
from screens.history import HistoryScreen
from screens.process_picker import ProcessPickerDialog
from tests.screens.test_backlog import backlog, notices, press, seed
from workbench.triage.model import Evidence, Item, Pattern, Signal

SHA = "0123456789abcdef0123456789abcdef01234567"


def item(**fields: object) -> Item:
    return Item(title="Slow checkout", impact=5, effort=2, **fields)


async def test_a_cpu_item_with_a_function_opens_its_history(tmp_path: Path) -> None:
    db = tmp_path / "triage.db"
    seed(db, [item(signal=Signal.CPU, evidence=[Evidence("function", "shop/cart.py:total")])])
    async with backlog(db) as (app, pilot, screen):
        await press(app, pilot, "enter")
        detail = str(screen.query_one("#item-detail-body", Static).render())
        assert "Next step (history, D runs it)" in detail
        assert "$ workbench history shop/cart.py:total" in detail
        await press(app, pilot, "D")
        assert app.current_mode == "history"
        assert isinstance(app.screen, HistoryScreen) and app.screen.function == "shop/cart.py:total"


async def test_a_linked_commit_opens_the_capture_dialog_with_both_revisions(
    tmp_path: Path,
) -> None:
    db = tmp_path / "triage.db"
    seed(db, [item(signal=Signal.LATENCY, evidence=[Evidence("commit", SHA)])])
    async with backlog(db) as (app, pilot, _screen):
        await press(app, pilot, "D")
        assert app.current_mode == "compare" and isinstance(app.screen, CaptureDialog)
        assert app.screen.query_one("#capture-base", Input).value == f"{SHA}^"
        assert app.screen.query_one("#capture-branch", Input).value == SHA
        assert app.screen.query_one("#capture-command", Input).value == ""


async def test_a_thread_leak_opens_the_live_panes_process_picker(tmp_path: Path) -> None:
    db = tmp_path / "triage.db"
    seed(db, [item(signal=Signal.THREAD_LEAK)])
    async with backlog(db) as (app, pilot, _screen):
        await press(app, pilot, "D")
        assert app.current_mode == "live" and isinstance(app.screen, ProcessPickerDialog)
        assert "threads and open FDs over time" in notices(app)
        await press(app, pilot, "escape")


@pytest.mark.parametrize(
    ("fields", "command"),
    [
        ({"signal": Signal.CPU, "pattern": Pattern.ALGORITHMIC},
         "workbench scaling --sizes 1000,2000,4000 --propose -- CMD"),
        ({"signal": Signal.CPU}, "workbench record -o item-1.speedscope.json -- CMD"),
    ],
)  # fmt: skip
async def test_a_step_without_a_pane_copies_its_command(
    tmp_path: Path, fields: dict[str, object], command: str
) -> None:
    db = tmp_path / "triage.db"
    seed(db, [item(**fields)])
    async with backlog(db) as (app, pilot, _screen):
        await press(app, pilot, "D")
        assert app.current_mode == "backlog"
        assert app.clipboard == command
        assert f"put your program where CMD is): {command}" in notices(app)

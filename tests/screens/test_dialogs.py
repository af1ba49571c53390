"""Dialogs keep every key typed ahead of them (a burst, as a fast typist or a paste sends)."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from screens.app import WorkbenchApp
from screens.dialogs import PathDialog
from screens.item_dialog import ItemDialog
from screens.prompt_dialog import PromptDialog
from tests.helpers import settle
from workbench.context import LaunchContext


def burst(app: WorkbenchApp, keys: list[str]) -> None:
    """Post every key at once, as a terminal delivers keys typed faster than a frame."""
    for key in keys:
        character = key if len(key) == 1 else None
        app.post_message(events.Key(key, character))


@pytest.mark.parametrize(
    ("mode", "opener", "dialog"),
    [("history", "f", PromptDialog), ("compare", "o", PathDialog), ("backlog", "n", ItemDialog)],
)
async def test_keys_typed_before_a_dialog_is_ready_reach_it(
    mode: str, opener: str, dialog: type, tmp_path: Path
) -> None:
    app = WorkbenchApp(LaunchContext(mode=mode, db=tmp_path / "t.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, [opener, *"quick q"])
        await settle(pilot)
        assert app.is_running, "a q typed ahead is text, not quit"
        assert isinstance(app.screen, dialog)
        assert app.screen.query(Input).first().value == "quick q"


async def test_enter_typed_ahead_submits_what_was_typed(tmp_path: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="history", repo=tmp_path, db=tmp_path / "t.db"))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        burst(app, ["f", *"app.py:g", "enter"])
        await settle(pilot)
        assert app.history_pane.function == "app.py:g"
        assert not isinstance(app.screen, PromptDialog)

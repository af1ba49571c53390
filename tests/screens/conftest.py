"""Shared helpers for Pilot tests of the panes."""

from __future__ import annotations

from textual.app import App
from textual.pilot import Pilot


async def settle(pilot: Pilot, app: App) -> None:
    """Wait until every worker is done and the messages they posted are handled."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()

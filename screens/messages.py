"""Messages that carry context from one pane to another.

A pane posts one of these to the app; the app switches mode and hands the
payload to the pane that owns the action. Payloads are plain strings and
paths so no pane imports another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from textual.message import Message


@dataclass
class HistoryRequested(Message):
    """Open the History pane on ``function`` (a ``path:qualname`` key)."""

    function: str
    lines: list[int] = field(default_factory=list)
    """Hot line numbers to blame, when the profile has them."""


@dataclass
class BacklogItemRequested(Message):
    """Open the Backlog pane's add form prefilled from a hotspot."""

    title: str
    function: str | None = None
    profile: Path | None = None
    hypothesis: str = ""


@dataclass
class CompareProfileChosen(Message):
    """Load ``path`` into the Compare pane as ``role`` ('base' or 'branch')."""

    path: Path
    role: str

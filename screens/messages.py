"""Typed messages that carry context from one pane to another.

A pane posts one of these; it bubbles to the app, which switches to the pane
that owns the action and hands it the payload through that pane's typed
method. Payloads are plain data (strings, paths, core dataclasses), so no
pane imports another.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the backlog's model loads with the backlog, not the first frame
    from workbench.triage.model import Evidence, Item


@dataclass
class HistoryRequested(Message):
    """Open the History pane on ``function`` (a ``path:qualname`` key)."""

    function: str
    lines: list[int] = field(default_factory=list)
    """Hot line numbers to blame, when the profile has them."""
    where: Path | None = None
    """Where the code was seen (the profile's file, or the target's working directory):
    the repository holding it is the one to ask, unless the user chose one."""


@dataclass
class BacklogItemRequested(Message):
    """Open the Backlog pane's add form prefilled from a hotspot (or a ready ``draft``)."""

    title: str
    function: str | None = None
    profile: Path | None = None
    hypothesis: str = ""
    kpi: str = ""
    """What the item's KPI measures (e.g. the function's self %)."""
    kpi_baseline: float | None = None
    """The KPI when the hotspot was seen (the base profile's share in Compare)."""
    kpi_latest: float | None = None
    """The KPI now (the branch profile's share, or the live share)."""
    draft: Item | None = None
    """A whole item the core proposed, evidence and all (a bisect's first bad commit,
    from ``item_for_bisect``): the form starts from it instead of the fields above."""


@dataclass
class CompareProfileChosen(Message):
    """Load ``path`` into the Compare pane as ``role`` ('base' or 'branch')."""

    path: Path
    role: str


@dataclass
class EvidenceLinkRequested(Message):
    """Attach ``evidence`` to backlog item ``item_id`` (the Backlog pane writes it)."""

    item_id: int
    evidence: Evidence

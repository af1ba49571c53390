"""The Live pane's finished view, computed in the feed's worker thread.

:func:`build_view` turns a :class:`~workbench.sampling.session.LiveSession`
and the user's :class:`ViewSettings` into a :class:`LiveView`: the function
table's numbers, the trend marks, the icicle tree, the thread rows, the
metric series and the diagnosis. The worker posts it in one message and the
UI thread only draws it (it re-sorts and filters the table, which costs
nothing): the pane's drawing never waits on aggregation, and the threads
table and the functions table come from the same windows, so they agree.

No Textual import: tested directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from screens.live_stats import FunctionStats, function_stats, trend_marks
from screens.widgets.icicle_tree import IcicleNode
from screens.widgets.live_icicle import live_tree
from workbench.profiles.model import Profile, View
from workbench.sampling.diagnosis import Diagnosis, diagnose

if TYPE_CHECKING:  # psutil and the profile writers load with the feed, not the first frame
    from workbench.sampling.session import LiveSession, ThreadShare

#: What each view's numbers count.
VIEW_UNITS: dict[View, str] = {"cpu": "CPU s", "samples": "samples", "wall": "samples"}
VIEW_ORDER: tuple[View, ...] = ("cpu", "samples", "wall")


@dataclass(frozen=True)
class ViewSettings:
    """What the user chose to see; set on the UI thread, read by the worker."""

    view: View = "cpu"
    cumulative: bool = False
    """Everything since attaching instead of the rolling window."""
    thread: int | None = None
    """Only this thread (its key: the OS thread id); None shows all."""


@dataclass(frozen=True)
class LiveView:
    """Everything the pane draws from one state of the session."""

    settings: ViewSettings
    version: int
    """The session's version it was built from."""
    stats: FunctionStats
    marks: dict[str, str]
    tree: IcicleNode
    profile: Profile
    """The shown profile (the hot lines of ``h`` come from it)."""
    threads: list[ThreadShare]
    seconds: float
    """Wall seconds of sampling the view covers."""
    metrics: dict[str, list[float]] = field(default_factory=dict)
    diagnosis: Diagnosis | None = None
    available: bool = True
    """False while the chosen view has no window yet (wall just switched on)."""


def build_view(session: LiveSession, settings: ViewSettings) -> LiveView:
    """The view of ``session`` the user asked for (see the module docstring).

    Trend marks and icicle colours compare the window with the previous
    window; in the cumulative view the marks say whether the last window
    runs hotter than the session's average and the icicle is plain.
    """
    view, thread = settings.view, settings.thread
    version = session.version
    window = session.profile(view, "window", thread)
    if settings.cumulative:
        profile, base = session.profile(view, "total", thread), None
        stats = function_stats(profile)
        now, before = function_stats(window).shares(), stats.shares()
    else:
        profile = window
        base = session.previous_profile(view, thread)
        stats = function_stats(profile)
        previous = function_stats(base)
        now, before = stats.shares(), previous.shares() if previous.total else {}
    span = "total" if settings.cumulative else "window"
    return LiveView(
        settings=settings,
        version=version,
        stats=stats,
        marks=trend_marks(now, before, stats.rows) if before else {},
        tree=live_tree(base, profile),
        profile=profile,
        threads=session.thread_shares(span),
        seconds=profile.meta.duration or 0.0,
        metrics=session.metrics.values(),
        diagnosis=diagnose(session.evidence()),
        available=session.has_view(view),
    )


def next_view(view: View) -> View:
    """CPU → samples → wall → CPU."""
    return VIEW_ORDER[(VIEW_ORDER.index(view) + 1) % len(VIEW_ORDER)]

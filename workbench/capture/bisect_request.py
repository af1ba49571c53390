"""What to bisect: the request and its checks, kept light to import.

The Compare pane's dialog builds and checks a request on the UI thread before
anything is measured; :mod:`.bisect` (the search, with the statistics and
profile readers it loads) is imported by the worker that runs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from workbench.errors import CaptureError
from workbench.sampling.command import Profiler


@dataclass
class BisectRequest:
    repo: Path
    good: str
    bad: str
    argv: list[str]
    metric: str = "wall"
    """``wall``, ``cpu``, ``self:FUNCTION`` or ``total:FUNCTION``."""
    threshold_pct: float = 10.0
    repeat: int = 5
    setup: str | None = None
    profiler: Profiler | None = None
    """None: ``none`` for wall/cpu, ``py-spy`` for a function's time."""
    rate: int = 100
    out: Path | None = None
    max_seconds: float | None = None


def profiler_for(request: BisectRequest) -> Profiler:
    """The profiler asked for, else the one the metric needs (none: nothing perturbs times)."""
    if request.profiler is not None:
        return request.profiler
    return "none" if request.metric in ("wall", "cpu") else "py-spy"


def check_metric(request: BisectRequest) -> None:
    """A metric bisect can measure, with the profiler it needs; CaptureError if not."""
    metric = request.metric
    kind, _, function = metric.partition(":")
    if metric in ("wall", "cpu"):
        return
    if kind not in ("self", "total") or not function:
        choices = "wall, cpu, self:FUNCTION or total:FUNCTION"
        example = "(e.g. self:parse or total:pkg/mod.py:Parser.run)"
        raise CaptureError(
            f"--metric {metric!r}: use {choices} {example}",
            in_app=f"Metric {metric!r}: use {choices} {example}.",
        )
    if profiler_for(request) == "none":
        raise CaptureError(f"--metric {metric} needs a profiler: drop --profiler none")

"""Which commits between a baseline and a branch made it slower.

A commit is a candidate when it changed a function whose share of the profile
grew. Commits that touched a regressed function directly rank by the self
share their functions gained; commits that only touched functions whose total
share rose (the callers on the regressed hot paths) rank below them.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.history.heat import Regression

if TYPE_CHECKING:
    import git


@dataclass
class Candidate:
    """A commit that may have caused the regression, and why it is suspected."""

    sha: str
    author: str
    date: datetime
    summary: str
    functions: list[str] = field(default_factory=list)
    """Regressed functions this commit changed (``path:qualname``)."""
    score: float = 0.0
    """Share of the regression its functions carry (percentage points)."""
    direct: bool = True
    """True when it changed a function whose self share grew; False for call-path only."""
    reason: str = ""
    """One line saying why (untrusted names inside)."""

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


def regression_candidates(
    repo: git.Repo | str | os.PathLike[str] | None,
    regressions: Sequence[Regression],
    rev_range: str,
) -> tuple[list[Candidate], list[str]]:
    """Candidates in ``rev_range`` (``BASE..BRANCH``), best first, and notes.

    Spans are located at the branch revision; a regressed function that cannot
    be found in the repository becomes a note instead of an error.
    """
    raise NotImplementedError

"""Hot code that keeps changing: heat (measured share) x churn (commits, lines).

Like code-maat's hotspots, but weighted by what the profile measured rather
than by lines of code: a function that takes 30 % of the time and was changed
twelve times this quarter is where a regression is most likely to come from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.profiles.model import Profile

if TYPE_CHECKING:
    import git

DEFAULT_SINCE = "90 days ago"


@dataclass
class Hotspot:
    """One hot function with its churn in the window."""

    function: str
    """Key ``path:qualname`` as the profile spelled it."""
    path: str
    """Path in the repository ('' when the file is not in it)."""
    self_share: float
    total_share: float
    commits: int
    """Commits that changed the function within the window."""
    lines_changed: int
    """Lines added plus removed inside the function within the window."""
    score: float
    """Heat x churn, comparable within one ranking only."""
    note: str = ""
    """Why churn is unknown (not in the repository, function not found)."""

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


def hotspot_ranking(
    repo: git.Repo | str | os.PathLike[str] | None,
    profile: Profile,
    *,
    since: str | None = DEFAULT_SINCE,
    top: int = 20,
    rev: str = "HEAD",
) -> list[Hotspot]:
    """The ``top`` hottest functions of ``profile`` ranked by heat x churn."""
    raise NotImplementedError

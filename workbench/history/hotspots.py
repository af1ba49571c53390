"""Hot code that keeps changing: heat (measured share) x churn (commits in a window).

Like code-maat's and CodeScene's hotspots, but weighted by what the profile
measured rather than by lines of code: a function that takes 30 % of the time
and was changed twelve times this quarter is where the next regression is
most likely to come from, and where an optimisation is most likely to be
undone. Score = heat (self % + total % / 2) x commits in the window; lines
changed break ties.
"""

from __future__ import annotations

import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workbench.errors import HistoryError
from workbench.history.heat import FunctionHeat, function_heat
from workbench.history.log import Asked, FunctionHistory, file_histories
from workbench.history.repo import check_since, quick_resolve, repo_path, tracked_files
from workbench.profiles.model import Profile

if TYPE_CHECKING:
    import git

DEFAULT_SINCE = "90 days ago"
#: git runs in subprocesses, so a few questions in flight use the cores without the GIL.
_WORKERS = 4


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
    authors: int = 0
    """Distinct authors of those commits."""
    note: str = ""
    """Why churn is unknown (function not found at the revision)."""
    qualname: str = ""
    """Qualified name found in the repository (``Square.area`` for a profile's ``area``)."""

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.function,
            "path": self.path,
            "self_pct": round(self.self_share * 100, 4),
            "total_pct": round(self.total_share * 100, 4),
            "commits": self.commits,
            "lines_changed": self.lines_changed,
            "authors": self.authors,
            "score": round(self.score, 4),
            "note": self.note,
            "qualname": self.qualname,
        }


def hotspot_ranking(
    repo: git.Repo | str | os.PathLike[str] | None,
    profile: Profile,
    *,
    since: str | None = DEFAULT_SINCE,
    top: int = 20,
    rev: str = "HEAD",
) -> list[Hotspot]:
    """The ``top`` hottest functions of ``profile`` that live in the repository, by heat x churn.

    Functions from files outside the repository (standard library,
    dependencies) are left out: their churn is not this repository's. The
    functions of one file share one walk of its history.
    """
    where = repo if repo is None or isinstance(repo, (str, os.PathLike)) else repo.working_dir
    pinned = quick_resolve(where, rev)
    if since:
        check_since(pinned.root, since)
    files = tracked_files(pinned.root, pinned.sha)
    by_file: dict[str, list[FunctionHeat]] = {}
    listed = 0
    for heat in function_heat(profile):
        if listed == top:
            break
        try:
            path = repo_path(pinned.root, heat.key.path, pinned.sha, files)
        except HistoryError:
            continue
        by_file.setdefault(path, []).append(heat)
        listed += 1

    def rank_file(item: tuple[str, list[FunctionHeat]]) -> list[Hotspot]:
        path, heats = item
        asked = [Asked(f"{path}:{h.key.qualname}", h.key.qualname, _hottest(h)) for h in heats]
        answers = file_histories(pinned.root, path, asked, rev=pinned.sha, since=since)
        return [_hotspot(heat, path, answer) for heat, answer in zip(heats, answers, strict=True)]

    with ThreadPoolExecutor(_WORKERS) as pool:
        spots = [spot for ranked in pool.map(rank_file, by_file.items()) for spot in ranked]
    return sorted(spots, key=lambda spot: (-spot.score, -spot.lines_changed, spot.function))


def _hotspot(heat: FunctionHeat, path: str, answer: FunctionHistory | HistoryError) -> Hotspot:
    spot = Hotspot(str(heat.key), path, heat.self_share, heat.total_share, 0, 0, 0.0)
    if isinstance(answer, HistoryError):
        spot.note = str(answer)
        return spot
    spot.qualname = answer.span.qualname
    spot.commits = len(answer.commits)
    spot.lines_changed = answer.added + answer.removed
    spot.authors = len(answer.commits_by_author())
    spot.score = heat.heat * 100 * spot.commits
    return spot


def _hottest(heat: FunctionHeat) -> int | None:
    """The function's hottest line: tells same-named definitions apart."""
    return heat.hot_lines.most_common(1)[0][0] if heat.hot_lines else None

"""Which commits between a baseline and a branch made it slower.

A commit is a candidate when, inside ``BASE..BRANCH``, it changed a function
whose share of the profile grew. Commits that changed a function whose *self*
share grew come first, ranked by the points of self share their functions
gained; commits that only changed functions whose *total* share grew (the
callers on the regressed hot paths) come after, ranked by total share gained.
Each function's commits come from its own (cached) function history over the
range, with the span located at the branch revision.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.errors import HistoryError
from workbench.history.log import function_history, split_range
from workbench.history.repo import as_repo, quick_resolve
from workbench.profiles.diff import FunctionDelta, ProfileDiff

if TYPE_CHECKING:
    import git

#: Regressed functions (and as many call-path functions) looked at, largest first.
MAX_FUNCTIONS = 25


@dataclass
class Candidate:
    """A commit that may have caused the regression, and why it is suspected."""

    sha: str
    author: str
    date: datetime
    summary: str
    functions: list[str] = field(default_factory=list)
    """Grown functions this commit changed (``path:qualname``), largest growth first."""
    score: float = 0.0
    """Percentage points of share gained by the functions it changed."""
    direct: bool = True
    """True when it changed a function whose self share grew; False for call-path only."""
    lines_changed: int = 0
    """Lines added plus removed inside those functions."""

    @property
    def reason(self) -> str:
        """One line saying why it is suspected (untrusted names inside)."""
        kind = "changed regressed" if self.direct else "changed on the hot path of a regression:"
        return f"{kind} {', '.join(self.functions)} (+{self.score:.2f} pts)"

    def to_json(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "author": self.author,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "functions": self.functions,
            "score": round(self.score, 4),
            "direct": self.direct,
            "lines_changed": self.lines_changed,
            "reason": self.reason,
        }


def regression_candidates(
    repo: git.Repo | str | os.PathLike[str] | None,
    diff: ProfileDiff,
    rev_range: str,
) -> tuple[list[Candidate], list[str]]:
    """Candidates in ``rev_range`` (``BASE..BRANCH``), best first, and notes.

    A grown function that cannot be found in the repository (standard
    library, a file not in it, a name not found) becomes a note, not an error:
    profiles always hold code from elsewhere.
    """
    repo = as_repo(repo)
    quick_resolve(repo.working_dir, *split_range(rev_range))  # bad revisions fail here, once
    regressed = diff.regressions[:MAX_FUNCTIONS]
    named = {item.key for item in regressed}
    on_path = [
        item
        for item in sorted(diff.functions, key=lambda item: -item.delta_total_pct)
        if item.delta_total_pct > diff.noise_pct and item.key not in named
    ][:MAX_FUNCTIONS]
    by_sha: dict[str, Candidate] = {}
    notes: list[str] = []
    for items, direct in ((regressed, True), (on_path, False)):
        for item in items:
            _add_commits(repo, item, direct, rev_range, by_sha, notes)
    ranked = sorted(
        by_sha.values(), key=lambda c: (not c.direct, -c.score, -c.lines_changed, c.sha)
    )
    return ranked, notes


def _add_commits(
    repo: git.Repo,
    item: FunctionDelta,
    direct: bool,
    rev_range: str,
    by_sha: dict[str, Candidate],
    notes: list[str],
) -> None:
    """Credit ``item``'s growth to every commit in the range that changed it."""
    growth = item.delta_self_pct if direct else item.delta_total_pct
    if not item.key.path:
        return  # "(no Python frame)" or a bare name: no file, so no history to look up
    try:
        history = function_history(repo, str(item.key), rev_range=rev_range)
    except HistoryError as error:
        notes.append(f"skipped {item.key}: {error}")
        return
    for commit in history.commits:
        candidate = by_sha.get(commit.sha)
        if candidate is None:
            candidate = by_sha[commit.sha] = Candidate(
                commit.sha, commit.author, commit.date, commit.summary, direct=direct
            )
        elif candidate.direct and not direct:
            continue  # already ranked as a direct candidate; path growth is not additive
        candidate.functions.append(str(item.key))
        candidate.score += growth
        candidate.lines_changed += commit.added + commit.removed

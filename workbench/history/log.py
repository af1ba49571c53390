"""The commits that changed one function, from a single ``git log -L``.

``git log -L start,end:path REV`` follows the span back through history by
itself (across moves of lines inside the file and renames of the file); the
lines each commit added and removed inside the function are counted from its
patch, since ``-L`` allows no ``--numstat`` and ``Commit.stats`` costs tens of
milliseconds per commit on a large repository.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.history.locate import Span

if TYPE_CHECKING:
    import git


@dataclass(frozen=True, slots=True)
class FunctionCommit:
    """One commit that changed the function, with what it did inside it."""

    sha: str
    author: str
    email: str
    date: datetime
    """Author date, timezone-aware."""
    summary: str
    """First line of the commit message (untrusted text)."""
    added: int
    """Lines added inside the function span."""
    removed: int
    """Lines removed inside the function span."""
    patch: str
    """The ``-L`` patch restricted to the function (unified diff, untrusted text)."""
    path: str = ""
    """Path of the file in this commit (differs from the current one before a rename)."""

    def to_json(self, *, patch: bool = False) -> dict[str, Any]:
        """JSON-ready dict; the patch only when asked (it dominates the size)."""
        raise NotImplementedError


@dataclass
class FunctionHistory:
    """The answer to "who changed this function, when and why"."""

    function: str
    """The key asked about (``path:qualname``)."""
    path: str
    """Path of the file in the repository at ``rev``."""
    span: Span
    """Where the function is at ``rev``."""
    rev: str
    """The resolved commit sha the question was asked at."""
    commits: list[FunctionCommit] = field(default_factory=list)
    """Newest first."""
    shallow: bool = False
    """The repository is a shallow clone: older history is missing."""
    truncated_at: str | None = None
    """Sha of the shallow boundary commit where the history is cut, if it was reached."""
    since: str | None = None
    rev_range: str | None = None
    notes: list[str] = field(default_factory=list)
    """Plain-language remarks (moves followed, history cut) for the user."""

    @property
    def added(self) -> int:
        """Churn: lines added inside the function over all listed commits."""
        return sum(commit.added for commit in self.commits)

    @property
    def removed(self) -> int:
        """Churn: lines removed inside the function over all listed commits."""
        return sum(commit.removed for commit in self.commits)

    def commits_by_author(self) -> Counter[str]:
        """How many listed commits each author made."""
        return Counter(commit.author for commit in self.commits)

    def to_json(self, *, patches: bool = False) -> dict[str, Any]:
        """The ``--format json`` shape: function, path, span {start, end}, commits, churn."""
        raise NotImplementedError

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FunctionHistory:
        """Inverse of ``to_json(patches=True)`` (used by the cache)."""
        raise NotImplementedError


def function_history(
    repo: git.Repo | str | os.PathLike[str] | None,
    function: str,
    *,
    rev: str = "HEAD",
    since: str | None = None,
    rev_range: str | None = None,
    use_cache: bool = True,
) -> FunctionHistory:
    """The commits that changed ``function`` (``path:qualname`` or a frame label).

    ``since`` (any date git understands, e.g. ``2024-01-01`` or ``90 days ago``)
    and ``rev_range`` (``BASE..BRANCH``; its right side replaces ``rev``)
    restrict the commits. Raises :class:`HistoryError` for an unknown revision,
    a file missing at that revision, or a function that is not in it.
    """
    raise NotImplementedError


def parse_log(output: str, path: str) -> list[FunctionCommit]:
    """Commits from the output of ``git log -L`` run with :data:`LOG_FORMAT`."""
    raise NotImplementedError

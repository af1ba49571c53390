"""The commits that changed one function, with what each did inside it.

The function is found by qualified name with ``ast`` at the revision asked
about; then every commit that touched its file is judged on the function's own
text before and after it (see :mod:`workbench.history.finder` for why not
``git log -L``, and :mod:`workbench.history.file_walk` for the walk). A renamed
file, or a function cut from one file and pasted into another, is followed to
the file it came from. Lines added and removed are counted inside the function
only; nothing calls ``Commit.stats`` (tens of milliseconds per commit on a
large repository). Answers are cached per resolved revision.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.errors import HistoryError
from workbench.history.cache import cache_for
from workbench.history.locate import Span, frame_line, parse_function_ref
from workbench.history.repo import check_since, quick_resolve

if TYPE_CHECKING:
    import git

#: Part of every cache key: answers computed by an older method are not served.
_METHOD = 2


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
    """The function's own diff, the whole function as context (unified diff, untrusted text)."""
    path: str = ""
    """Path of the file in this commit (differs from the current one before a rename)."""
    fallback: bool = False
    """Judged with the tolerant scanner: a version of the file did not parse as Python 3."""

    def to_json(self, *, patch: bool = False) -> dict[str, Any]:
        """JSON-ready dict; the patch only when asked (it dominates the size)."""
        data: dict[str, Any] = {
            "sha": self.sha,
            "author": self.author,
            "email": self.email,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "added": self.added,
            "removed": self.removed,
            "path": self.path,
            "fallback": self.fallback,
        }
        if patch:
            data["patch"] = self.patch
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FunctionCommit:
        """Inverse of ``to_json(patch=True)``."""
        return cls(**{**data, "date": datetime.fromisoformat(data["date"])})


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

    @property
    def fallback_commits(self) -> int:
        """Commits judged with the tolerant scanner (versions that are not Python 3)."""
        return sum(commit.fallback for commit in self.commits)

    def commits_by_author(self) -> Counter[str]:
        """How many listed commits each author made."""
        return Counter(commit.author for commit in self.commits)

    def to_json(self, *, patches: bool = False) -> dict[str, Any]:
        """The ``--format json`` shape: function, path, span {start, end}, commits, churn."""
        return {
            "function": self.function,
            "path": self.path,
            "qualname": self.span.qualname,
            "span": {"start": self.span.start, "end": self.span.end},
            "rev": self.rev,
            "since": self.since,
            "range": self.rev_range,
            "shallow": self.shallow,
            "truncated_at": self.truncated_at,
            "notes": self.notes,
            "churn": {"commits": len(self.commits), "added": self.added, "removed": self.removed},
            "commits": [commit.to_json(patch=patches) for commit in self.commits],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FunctionHistory:
        """Inverse of ``to_json(patches=True)`` (used by the cache)."""
        span = Span(data["path"], data["qualname"], data["span"]["start"], data["span"]["end"])
        return cls(
            function=data["function"],
            path=data["path"],
            span=span,
            rev=data["rev"],
            commits=[FunctionCommit.from_json(commit) for commit in data["commits"]],
            shallow=data["shallow"],
            truncated_at=data["truncated_at"],
            since=data["since"],
            rev_range=data["range"],
            notes=data["notes"],
        )


def split_range(rev_range: str) -> tuple[str, str]:
    """``(BASE, BRANCH)`` from ``BASE..BRANCH``; :class:`HistoryError` otherwise."""
    base, sep, branch = rev_range.partition("..")
    if not sep or not base or not branch or branch.startswith("."):
        raise HistoryError(f"--range {rev_range!r} must be BASE..BRANCH (two dots, both sides)")
    return base, branch


@dataclass(frozen=True, slots=True)
class Asked:
    """One function asked about in a file: the key as given, its name, a line it holds."""

    function: str
    """The key as the user or the profile wrote it (kept as the answer's ``function``)."""
    qualname: str
    near: int | None = None
    """A line the function holds (a profile's hot line): picks among same-named defs."""


def function_history(
    repo: git.Repo | str | os.PathLike[str] | None,
    function: str,
    *,
    rev: str = "HEAD",
    since: str | None = None,
    rev_range: str | None = None,
    use_cache: bool = True,
    near: int | None = None,
) -> FunctionHistory:
    """The commits that changed ``function`` (``path:qualname`` or a frame label).

    ``since`` (any date git understands, e.g. ``2024-01-01`` or ``90 days ago``)
    and ``rev_range`` (``BASE..BRANCH``; its right side replaces ``rev``)
    restrict the commits. ``near`` (a line the profile saw the function at;
    taken from a frame label when it has one) picks among same-named
    definitions when the name is not qualified. Raises :class:`HistoryError`
    for an unknown revision, a date git does not understand, a file missing at
    that revision, a function that is not in it, or a file the parser gives up on.
    """
    path, qualname = parse_function_ref(function)
    near = near if near is not None else frame_line(function)
    asked = Asked(function, qualname, near)
    (answer,) = file_histories(
        repo, path, [asked], rev=rev, since=since, rev_range=rev_range, use_cache=use_cache
    )
    if isinstance(answer, HistoryError):
        raise answer
    return answer


def file_histories(
    repo: git.Repo | str | os.PathLike[str] | None,
    path: str,
    asked: Sequence[Asked],
    *,
    rev: str = "HEAD",
    since: str | None = None,
    rev_range: str | None = None,
    use_cache: bool = True,
) -> list[FunctionHistory | HistoryError]:
    """The histories of several functions of one file, from one walk of its history.

    One answer per function asked, in order: its history, or the
    :class:`HistoryError` that says why there is none (not in the file, or
    the file too deep for the parser). Problems of the whole question
    (unknown revision, bad date) are raised.
    """
    base, tip = split_range(rev_range) if rev_range else (None, rev)
    where = repo if repo is None or isinstance(repo, (str, os.PathLike)) else repo.working_dir
    pinned = quick_resolve(where, tip, *([base] if base else []))
    cache = cache_for(pinned.git_dir) if use_cache else None
    # A relative date ("90 days ago") means another window tomorrow: key on the day too.
    day = since and str(dt.date.today())
    keys = [
        json.dumps(
            ["history", _METHOD, pinned.root, pinned.shas, path, a.qualname, a.near, since, day]
        )
        for a in asked
    ]
    answers: list[FunctionHistory | HistoryError | None] = [None] * len(asked)
    if cache is not None:
        for index, key in enumerate(keys):
            if (hit := cache.get(key)) is not None:
                answers[index] = FunctionHistory.from_json(hit)
    missing = [index for index, answer in enumerate(answers) if answer is None]
    if missing:
        from workbench.history.file_walk import walk_file

        if since:
            check_since(pinned.root, since)
        try:
            computed = walk_file(pinned, path, [asked[i] for i in missing], since)
        except HistoryError as error:  # the file's own trouble: each function's answer
            computed = [error] * len(missing)
        for index, answer in zip(missing, computed, strict=True):
            answers[index] = answer
            if isinstance(answer, FunctionHistory):
                answer.rev_range = rev_range
                if cache is not None:
                    cache.put(keys[index], answer.to_json(patches=True))
    return [answer for answer in answers if answer is not None]

"""The commits that changed one function, with what each did inside it.

The function is found by qualified name with ``ast`` at the revision asked
about; then every commit that touched its file is judged on the function's own
text before and after it (see :mod:`workbench.history.finder` for why not
``git log -L``). Renames are followed by git (``--follow``); a function cut
from one file and pasted into another is followed to the file it came from.
Lines added and removed are counted inside the function only; nothing calls
``Commit.stats`` (tens of milliseconds per commit on a large repository).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.errors import HistoryError
from workbench.history.blobs import BlobReader
from workbench.history.cache import cache_for
from workbench.history.finder import FunctionFinder
from workbench.history.function_patch import function_patch
from workbench.history.locate import (
    Span,
    frame_line,
    locate_in_source,
    parse_function_ref,
)
from workbench.history.log_stream import Change, FileLog
from workbench.history.repo import as_repo, file_at, quick_resolve, repo_path, shallow_boundary

if TYPE_CHECKING:
    import git

#: Moves to another file followed before giving up (each costs one more walk).
_MAX_MOVES = 20


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
    for an unknown revision, a file missing at that revision, or a function
    that is not in it.
    """
    path, qualname = parse_function_ref(function)
    near = near if near is not None else frame_line(function)
    base, tip = split_range(rev_range) if rev_range else (None, rev)
    where = repo if repo is None or isinstance(repo, (str, os.PathLike)) else repo.working_dir
    pinned = quick_resolve(where, tip, *([base] if base else []))
    # A relative date ("90 days ago") means another window tomorrow: key on the day too.
    key = json.dumps(
        [
            "history",
            pinned.root,
            pinned.shas,
            path,
            qualname,
            near,
            since,
            since and str(dt.date.today()),
        ]
    )
    cache = cache_for(pinned.git_dir) if use_cache else None
    if cache is not None and (hit := cache.get(key)) is not None:
        return FunctionHistory.from_json(hit)
    answer = _compute(
        as_repo(repo or pinned.root), function, path, qualname, pinned.shas, since, near
    )
    answer.rev_range = rev_range
    if cache is not None:
        cache.put(key, answer.to_json(patches=True))
    return answer


def _compute(
    repo: git.Repo,
    function: str,
    path: str,
    qualname: str,
    shas: tuple[str, ...],
    since: str | None,
    near: int | None,
) -> FunctionHistory:
    tip, base = shas[0], (shas[1] if len(shas) > 1 else None)
    pending = FileLog(repo, path, tip, base, since)  # git walks while the tip is read and parsed
    source = file_at(repo, tip, path)
    if source is None:  # a path from a profile or another checkout: map it, start again
        pending.cancel()
        path = repo_path(repo, path, tip)
        pending = FileLog(repo, path, tip, base, since)
        source = file_at(repo, tip, path) or ""
    try:
        span = locate_in_source(source, qualname, path, near)
    except HistoryError:
        pending.cancel()
        raise
    boundary = shallow_boundary(repo)
    answer = FunctionHistory(function, path, span, tip, shallow=bool(boundary), since=since)
    current, start = span, tip
    for _ in range(_MAX_MOVES):
        log = pending or FileLog(repo, current.path, start, base, since)
        pending = None
        created = _judge_changes(repo, answer, current, log, boundary, source)
        if created is None:
            break
        change, text = created
        moved = _moved_from(repo, change, current)
        if moved is None:
            break
        previous, old_text = moved
        if old_text == text:
            answer.commits.pop()
        verb = "moved unchanged" if old_text == text else "moved and changed"
        answer.notes.append(f"{verb} in {change.sha[:12]} from {previous.path}:{previous.start}")
        current, start = previous, change.parents[0]
    if boundary and answer.truncated_at is None:
        answer.notes.append("shallow clone: older history may be missing")
    return answer


def _judge_changes(
    repo: git.Repo,
    answer: FunctionHistory,
    span: Span,
    log: FileLog,
    boundary: frozenset[str],
    tip_source: str,
) -> tuple[Change, str] | None:
    """Add the commits that changed the function's text in ``span.path`` to ``answer``.

    Returns the change that created the function in this file, with the
    function's text then, when it has a parent the function may have come from.
    """
    blobs = BlobReader(repo)
    blobs.learn(tip_source)
    try:
        return _judge(answer, span, log.changes(), blobs, boundary)
    finally:
        blobs.close()


def _judge(
    answer: FunctionHistory,
    span: Span,
    changes: Iterable[Change],
    blobs: BlobReader,
    boundary: frozenset[str],
) -> tuple[Change, str] | None:
    finder = FunctionFinder(span.qualname, blobs)
    created = None
    for change in changes:
        new = finder.version(change.new_blob, change.new_path)
        old = finder.older(change, new)
        if old.unparsable:
            answer.notes.append(
                f"{change.old_path} before {change.sha[:12]} does not parse as Python 3: "
                "older history is not searched"
            )
            break
        if old.text == new.text:
            continue
        if old.text is None and change.sha in boundary:
            answer.truncated_at = change.sha
            answer.notes.append(
                f"shallow clone: history is cut at {change.sha[:12]} ({change.date:%Y-%m-%d}); "
                "whether it or older commits changed the function is unknown "
                "(git fetch --unshallow for the rest)"
            )
            break
        added, removed, patch = function_patch(old, new, change.old_path, change.new_path)
        answer.commits.append(
            FunctionCommit(
                change.sha,
                change.author,
                change.email,
                change.date,
                change.summary,
                added,
                removed,
                patch,
                change.new_path,
            )
        )
        created = (change, new.text) if old.text is None and new.text is not None else None
    if created is None or not created[0].parents:
        return None
    return created


def _moved_from(repo: git.Repo, change: Change, span: Span) -> tuple[Span, str] | None:
    """Where the function was before ``change`` created it in its file: in another file.

    A function cut from one module and pasted into another (a file split)
    looks newly written; the files that commit renamed, deleted or changed
    are searched for the same qualified name in its parent.
    """
    name = span.qualname.rsplit(".", 1)[-1]
    defined = re.compile(rf"\bdef\s+{re.escape(name)}\b")
    parent = change.parents[0]
    others = _changed_sources(repo, parent, change.sha, change.new_path)
    return _find_in(repo, parent, others, span.qualname, defined)


def _find_in(
    repo: git.Repo, rev: str, paths: list[str], qualname: str, defined: re.Pattern[str]
) -> tuple[Span, str] | None:
    for path in paths:
        source = file_at(repo, rev, path)
        if source is None or not defined.search(source):
            continue  # cheap text test before parsing
        try:
            span = locate_in_source(source, qualname, path)
        except HistoryError:
            continue
        return span, "\n".join(source.split("\n")[span.start - 1 : span.end])
    return None


def _changed_sources(repo: git.Repo, parent: str, sha: str, path: str) -> list[str]:
    """Python files ``sha`` renamed away from, deleted or changed (``path`` rename source first)."""
    fields = repo.git.diff_tree(
        "-r", "-M", "--name-status", "--no-commit-id", "-z", parent, sha
    ).split("\x00")
    first: list[str] = []
    others: list[str] = []
    index = 0
    while index < len(fields) - 1:
        status = fields[index]
        if status.startswith(("R", "C")):
            old, new = fields[index + 1], fields[index + 2]
            (first if new == path else others).append(old)
            index += 3
            continue
        if status[:1] in ("M", "D") and fields[index + 1].endswith(".py"):
            others.append(fields[index + 1])
        index += 2
    return [p for p in dict.fromkeys(first + others) if p != path]

"""The commits that changed one function, from a single ``git log -L``.

``git log -L start,end:path REV`` follows the span back through history by
itself (across moves of lines inside the file and renames of the file); the
lines each commit added and removed inside the function are counted from its
patch, since ``-L`` allows no ``--numstat`` and ``Commit.stats`` costs tens of
milliseconds per commit on a large repository.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.errors import HistoryError
from workbench.history.cache import cache_for
from workbench.history.locate import (
    Span,
    frame_line,
    locate_function,
    locate_in_source,
    parse_function_ref,
)
from workbench.history.repo import as_repo, file_at, quick_resolve, repo_path, shallow_boundary

if TYPE_CHECKING:
    import git


_MARK = "\x1e"
#: One header line per commit; patch lines never start with the record separator.
LOG_FORMAT = f"{_MARK}%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
#: Moves followed before giving up (each costs one more ``git log -L``).
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
    """The ``-L`` patch restricted to the function (unified diff, untrusted text)."""
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
    source = file_at(repo, tip, path)
    if source is None:
        path = repo_path(repo, path, tip)
        span = locate_function(repo, path, qualname, tip, near)
    else:
        span = locate_in_source(source, qualname, path, near)
    boundary = shallow_boundary(repo)
    answer = FunctionHistory(function, path, span, tip, shallow=bool(boundary), since=since)
    current = span
    for _ in range(_MAX_MOVES):
        entries = _log(repo, current, tip, base, since)
        answer.commits.extend(entry.commit for entry in entries)
        if not entries:
            break
        oldest = entries[-1]
        if oldest.commit.sha in boundary:
            answer.truncated_at = oldest.commit.sha
            answer.notes.append(
                f"shallow clone: history is cut at {oldest.commit.sha[:12]} "
                f"({oldest.commit.date:%Y-%m-%d}); run git fetch --unshallow for the rest"
            )
            if oldest.created:  # its parent is missing, not the function
                answer.commits.pop()
            break
        if not oldest.created or not oldest.parents:
            break
        moved = _moved_from(repo, oldest, current.qualname)
        if moved is None:
            break
        previous, text = moved
        if text == oldest.new_text:
            answer.commits.pop()
            verb = "moved unchanged"
        else:
            verb = "moved and changed"
        answer.notes.append(
            f"{verb} in {oldest.commit.sha[:12]} from {previous.path}:{previous.start}"
        )
        current, tip = previous, oldest.parents[0]
    if boundary and answer.truncated_at is None and not answer.notes:
        answer.notes.append("shallow clone: older history may be missing")
    return answer


@dataclass
class _Entry:
    commit: FunctionCommit
    parents: list[str]
    created: bool
    """Every hunk adds lines to an empty range: ``-L`` found the span's origin here."""
    new_text: str
    """The span's lines in this commit when ``created`` (all of them are added lines)."""


def _log(repo: git.Repo, span: Span, tip: str, base: str | None, since: str | None) -> list[_Entry]:
    args = [f"-L{span.start},{span.end}:{span.path}", f"--format={LOG_FORMAT}", "--no-color"]
    if since:
        args.append(f"--since={since}")
    args.append(f"{base}..{tip}" if base else tip)
    output = repo.git.log(*args, strip_newline_in_stdout=False)
    return _parse_entries(output, span.path)


def parse_log(output: str, path: str) -> list[FunctionCommit]:
    """Commits from the output of ``git log -L`` run with :data:`LOG_FORMAT`, newest first."""
    return [entry.commit for entry in _parse_entries(output, path)]


def _parse_entries(output: str, path: str) -> list[_Entry]:
    entries = []
    for record in output.split("\n" + _MARK):
        record = record.removeprefix(_MARK)
        if not record.strip():
            continue
        header, _, patch = record.partition("\n")
        sha, parents, author, email, date, summary = header.split("\x00", 5)
        added, removed, created, new_lines, file_path = _count(patch)
        commit = FunctionCommit(
            sha,
            author,
            email,
            datetime.fromisoformat(date),
            summary,
            added,
            removed,
            patch.strip("\n"),
            file_path or path,
        )
        entries.append(_Entry(commit, parents.split(), created, "\n".join(new_lines)))
    return entries


def _count(patch: str) -> tuple[int, int, bool, list[str], str]:
    """Added and removed lines, whether the old range was empty, added text and the file path.

    Hunk bodies are read by the counts in their headers, so a removed line that
    itself starts with ``--`` is never taken for a file header.
    """
    added = removed = hunks = 0
    empty_old_ranges = True
    new_lines: list[str] = []
    file_path = ""
    lines = patch.split("\n")
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("+++ "):
            file_path = _unquote(line[4:]).removeprefix("b/")
            continue
        hunk = _HUNK.match(line)
        if not hunk:
            continue
        old = int(hunk[2]) if hunk[2] is not None else 1
        new = int(hunk[4]) if hunk[4] is not None else 1
        hunks += 1
        empty_old_ranges = empty_old_ranges and old == 0
        while (old > 0 or new > 0) and index < len(lines):
            body = lines[index]
            index += 1
            if body.startswith("+"):
                added += 1
                new -= 1
                new_lines.append(body[1:])
            elif body.startswith("-"):
                removed += 1
                old -= 1
            elif body.startswith(" ") or body == "":
                old -= 1
                new -= 1
    created = hunks > 0 and empty_old_ranges and removed == 0
    return added, removed, created, new_lines, file_path


def _unquote(path: str) -> str:
    """A path as git prints it in a header: C-quoted when it has unusual bytes."""
    if not path.startswith('"'):
        return path
    raw = path[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
    return raw.encode("latin-1").decode("utf-8", "replace")


def _moved_from(repo: git.Repo, entry: _Entry, qualname: str) -> tuple[Span, str] | None:
    """Where the function was in the parent of the commit that ``-L`` says created it.

    ``-L`` follows lines, so a function cut and pasted elsewhere in its file
    (or into another file) looks newly written. Looking it up by name in the
    parent tells a move from a creation: the file itself first, then (one more
    git call) the files that commit renamed, deleted or changed.
    """
    parent = entry.parents[0]
    name = qualname.rsplit(".", 1)[-1]
    defined = re.compile(rf"\bdef\s+{re.escape(name)}\b")
    found = _find_in(repo, parent, [entry.commit.path], qualname, defined)
    if found is None:
        others = _changed_sources(repo, parent, entry.commit.sha, entry.commit.path)
        found = _find_in(repo, parent, others, qualname, defined)
    return found


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

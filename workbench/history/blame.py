"""Who wrote the lines that are there now: ``git blame --porcelain -w``.

One ``git blame`` call per question: a span is ``-L a,b``, hot lines are one
``-L n,n`` each in the same call. ``-C`` (see through code moved or copied
from other files) is opt-in and labelled, since it changes attribution.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from workbench.errors import HistoryError
from workbench.history.locate import source_encoding
from workbench.history.repo import as_repo, resolve_rev

if TYPE_CHECKING:
    import git

    from workbench.history.log import FunctionHistory


@dataclass(frozen=True, slots=True)
class BlameLine:
    """One line as it is at the revision, with the commit that last changed it."""

    line: int
    """1-based line number at the revision."""
    sha: str
    author: str
    email: str
    date: datetime
    """Author date, timezone-aware."""
    summary: str
    text: str
    """The line's source text, without the newline."""
    orig_path: str = ""
    """Path of the file in the blamed commit (differs after a rename or, with -C, a copy)."""
    orig_line: int = 0
    boundary: bool = False
    """The commit is a shallow-clone boundary (or a root): the line may be older."""

    def to_json(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "sha": self.sha,
            "author": self.author,
            "email": self.email,
            "date": self.date.isoformat(),
            "summary": self.summary,
            "text": self.text,
            "orig_path": self.orig_path,
            "orig_line": self.orig_line,
            "boundary": self.boundary,
        }


@dataclass(frozen=True, slots=True)
class AuthorShare:
    """An author's share of the current lines of a span."""

    author: str
    email: str
    lines: int
    share: float
    """Fraction of the blamed lines, 0..1."""

    def to_json(self) -> dict[str, Any]:
        return {
            "author": self.author,
            "email": self.email,
            "lines": self.lines,
            "share": self.share,
        }


def blame_span(
    repo: git.Repo | str | os.PathLike[str] | None,
    path: str,
    start: int,
    end: int,
    *,
    rev: str = "HEAD",
    copies: bool = False,
) -> list[BlameLine]:
    """Blame lines ``start..end`` (inclusive) of ``path`` at ``rev``, ignoring whitespace."""
    return _blame(repo, path, [f"-L{start},{end}"], rev, copies)


def blame_lines(
    repo: git.Repo | str | os.PathLike[str] | None,
    path: str,
    lines: Iterable[int],
    *,
    rev: str = "HEAD",
    copies: bool = False,
) -> list[BlameLine]:
    """Blame exactly ``lines`` (hot lines of a profile) in one call, in line order."""
    wanted = sorted(set(lines))
    if not wanted:
        return []
    return _blame(repo, path, [f"-L{line},{line}" for line in wanted], rev, copies)


def _blame(
    repo: git.Repo | str | os.PathLike[str] | None,
    path: str,
    ranges: list[str],
    rev: str,
    copies: bool,
) -> list[BlameLine]:
    import git

    repo = as_repo(repo)
    sha = resolve_rev(repo, rev)
    options = ["--porcelain", "-w", *(["-C"] if copies else []), *ranges, sha, "--", path]
    try:
        output = repo.git.blame(*options, strip_newline_in_stdout=False, stdout_as_string=False)
    except git.GitCommandError as error:
        detail = (error.stderr or "").strip().removeprefix("stderr:").strip(" '\n")
        raise HistoryError(f"cannot blame {path} at {sha[:12]}: {detail}") from None
    encoding = "utf-8"
    try:
        output.decode("utf-8")
    except UnicodeDecodeError:  # a file in another encoding (PEP 263), or odd metadata
        head = repo.git.cat_file("blob", f"{sha}:{path}", stdout_as_string=False)[:4096]
        encoding = source_encoding(head)
    return parse_porcelain(output, encoding)


def blame_history(
    repo: git.Repo | str | os.PathLike[str] | None,
    history: FunctionHistory,
    lines: Iterable[int] = (),
    *,
    copies: bool = False,
) -> list[BlameLine]:
    """Blame the hot ``lines`` when there are any, else the function's whole span.

    At the revision ``history`` was asked at, so the lines are the ones it located.
    """
    hot = list(lines)
    if hot:
        return blame_lines(repo, history.path, hot, rev=history.rev, copies=copies)
    span = history.span
    return blame_span(repo, history.path, span.start, span.end, rev=history.rev, copies=copies)


def blame_label(copies: bool) -> str:
    """What the blame was run with, shown beside it: ``-C`` changes who gets a line."""
    return "git blame -w -C (moves from other files followed)" if copies else "git blame -w"


def author_shares(lines: Sequence[BlameLine]) -> list[AuthorShare]:
    """Authors by the number of ``lines`` they last changed, largest first."""
    counts = Counter((line.author, line.email) for line in lines)
    total = len(lines) or 1
    return [
        AuthorShare(author, email, count, count / total)
        for (author, email), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    ]


def parse_porcelain(output: bytes, encoding: str = "utf-8") -> list[BlameLine]:
    """Lines from ``git blame --porcelain`` output.

    Porcelain gives a commit's fields only the first time it appears, so they
    are remembered per sha. Source lines are decoded in the file's
    ``encoding``, names and summaries as UTF-8 (undecodable bytes as U+FFFD).
    """
    commits: dict[str, dict[str, str]] = {}
    result: list[BlameLine] = []
    current: dict[str, str] = {}
    sha = ""
    orig_line = final_line = 0
    for raw in output.split(b"\n"):
        if raw.startswith(b"\t"):
            info = commits[sha]
            result.append(
                BlameLine(
                    final_line,
                    sha,
                    info.get("author", ""),
                    info.get("author-mail", "").strip("<>"),
                    _date(info.get("author-time", "0"), info.get("author-tz", "+0000")),
                    info.get("summary", ""),
                    raw[1:].decode(encoding, "replace"),
                    current.get("filename", info.get("filename", "")),
                    orig_line,
                    "boundary" in info,
                )
            )
            continue
        head, _, value = raw.decode("utf-8", "replace").partition(" ")
        if len(head) == 40 and all(c in "0123456789abcdef" for c in head):
            sha = head
            numbers = value.split()
            orig_line, final_line = int(numbers[0]), int(numbers[1])
            current = commits.setdefault(sha, {})
        elif head:
            current[head] = value
    return result


def _date(epoch: str, tz: str) -> datetime:
    sign = -1 if tz.startswith("-") else 1
    offset = timedelta(hours=int(tz[1:3]), minutes=int(tz[3:5])) * sign
    return datetime.fromtimestamp(int(epoch), timezone(offset))

"""Who wrote the lines that are there now: ``git blame --porcelain -w``.

One ``git blame`` call per question: a span is ``-L a,b``, hot lines are one
``-L n,n`` each in the same call. ``-C`` (see through code moved or copied
from other files) is opt-in and labelled, since it changes attribution.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import git


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

    def to_json(self) -> dict[str, Any]:
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class AuthorShare:
    """An author's share of the current lines of a span."""

    author: str
    email: str
    lines: int
    share: float
    """Fraction of the blamed lines, 0..1."""


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
    raise NotImplementedError


def blame_lines(
    repo: git.Repo | str | os.PathLike[str] | None,
    path: str,
    lines: Iterable[int],
    *,
    rev: str = "HEAD",
    copies: bool = False,
) -> list[BlameLine]:
    """Blame exactly ``lines`` (hot lines of a profile) in one call, in line order."""
    raise NotImplementedError


def author_shares(lines: Sequence[BlameLine]) -> list[AuthorShare]:
    """Authors by the number of ``lines`` they last changed, largest first."""
    raise NotImplementedError


def parse_porcelain(output: str) -> list[BlameLine]:
    """Lines from ``git blame --porcelain`` output."""
    raise NotImplementedError

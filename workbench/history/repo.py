"""Open the repository that holds the profiled code and pin a revision.

Every question the history answers is asked at a resolved commit sha, so a
cached answer can never be served for a branch that has since moved.
GitPython costs ~55 ms to import; :func:`quick_resolve` answers the one thing
the cached path needs (repository root and sha) with a single plain
``git rev-parse`` so a warm answer never pays for it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.errors import HistoryError

if TYPE_CHECKING:
    import git


@dataclass(frozen=True, slots=True)
class Pinned:
    """A repository root and a revision resolved to a full commit sha."""

    root: str
    """Absolute path of the working tree (or of the git dir for a bare repository)."""
    sha: str
    """The 40-hex commit the question is asked at."""


def open_repo(path: str | os.PathLike[str] | None = None) -> git.Repo:
    """The repository containing ``path`` (default: the current directory).

    Raises :class:`HistoryError` when ``path`` is not inside a git repository.
    """
    raise NotImplementedError


def as_repo(repo: git.Repo | str | os.PathLike[str] | None) -> git.Repo:
    """``repo`` itself if it is a ``git.Repo``, else :func:`open_repo` of it."""
    raise NotImplementedError


def resolve_rev(repo: git.Repo, rev: str = "HEAD") -> str:
    """The full sha of commit ``rev``; :class:`HistoryError` for an unknown revision."""
    raise NotImplementedError


def quick_resolve(path: str | os.PathLike[str] | None, rev: str = "HEAD") -> Pinned:
    """Repository root and commit sha of ``rev`` in one ``git rev-parse``, without GitPython."""
    raise NotImplementedError


def shallow_boundary(repo: git.Repo) -> frozenset[str]:
    """Shas whose parents are missing because the clone is shallow (empty if complete)."""
    raise NotImplementedError


def repo_path(repo: git.Repo, path: str, rev: str = "HEAD") -> str:
    """``path`` as the repository knows it at ``rev`` (relative, ``/``-separated).

    Profiles carry absolute paths, paths relative to a ``sys.path`` entry, or
    paths from another checkout; the repository file is the one whose path
    ends with the longest ``/``-suffix of ``path``. Raises :class:`HistoryError`
    when no file matches, or several match equally well (naming them).
    """
    raise NotImplementedError


def write_commit_graph(repo: git.Repo) -> None:
    """``git commit-graph write --reachable --changed-paths``: makes ``log -L`` 3-5x faster."""
    raise NotImplementedError


def cache_root(root: str | Path) -> Path:
    """Folder for derived data about the repository at ``root`` (``.workbench/``)."""
    raise NotImplementedError

"""Open the repository that holds the profiled code and pin a revision.

Every question the history answers is asked at a resolved commit sha, so a
cached answer can never be served for a branch that has since moved.
GitPython costs ~55 ms to import; :func:`quick_resolve` answers the one thing
the cached path needs (repository root, git dir and shas) with a single plain
``git rev-parse`` so a warm answer never pays for it.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from workbench.errors import HistoryError

if TYPE_CHECKING:
    import git


@dataclass(frozen=True, slots=True)
class Pinned:
    """A repository and revisions resolved to full commit shas."""

    root: str
    """Absolute path of the working tree."""
    git_dir: str
    """Absolute path of the common git directory (shared by worktrees)."""
    shas: tuple[str, ...]
    """The 40-hex commits, one per revision asked for, in order."""

    @property
    def sha(self) -> str:
        """The first (usually only) resolved revision."""
        return self.shas[0]


def open_repo(path: str | os.PathLike[str] | None = None) -> git.Repo:
    """The repository containing ``path`` (default: the current directory).

    Raises :class:`HistoryError` when ``path`` is not inside a git repository.
    """
    import git

    where = Path(path or ".")
    if not where.exists():
        raise _missing(where)
    try:
        return git.Repo(where, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise _not_a_repository(where) from None


def _missing(where: object) -> HistoryError:
    return HistoryError(
        f"{where} does not exist; pass --repo with the repository folder",
        in_app=f"{where} does not exist; choose the repository folder",
    )


def _not_a_repository(where: object) -> HistoryError:
    return HistoryError(
        f"{where} is not a git repository; pass --repo with the folder that holds the code",
        in_app=f"{where} is not a git repository; choose the folder that holds the code",
    )


def as_repo(repo: git.Repo | str | os.PathLike[str] | None) -> git.Repo:
    """``repo`` itself if it is a ``git.Repo``, else :func:`open_repo` of it."""
    if repo is None or isinstance(repo, (str, os.PathLike)):
        return open_repo(repo)
    return repo


def _check_rev(rev: str) -> None:
    if not rev or rev.startswith("-"):
        raise HistoryError(f"unknown revision {rev!r}; give a branch, tag or commit sha")


def resolve_rev(repo: git.Repo, rev: str = "HEAD") -> str:
    """The full sha of commit ``rev``; :class:`HistoryError` for an unknown revision."""
    import git

    _check_rev(rev)
    try:
        return repo.git.rev_parse("--verify", "--quiet", f"{rev}^{{commit}}")
    except git.GitCommandError:
        raise HistoryError(_unknown_rev_message(rev, repo.working_dir, repo.common_dir)) from None


def _unknown_rev_message(rev: str, where: object, git_dir: str | None = None) -> str:
    if rev == "HEAD":
        return f"the repository at {where} has no commits yet (HEAD is unborn)"
    message = (
        f"unknown revision {rev!r} in {where}; check the branch, tag or sha (git log --oneline)"
    )
    try:
        cut = (Path(git_dir) / "shallow").read_text().split() if git_dir else []
    except OSError:
        cut = []
    if cut:  # HEAD~50 in a --depth 10 clone is not a typo: say where history stops
        message += (
            f"; this is a shallow clone, its history is cut at {', '.join(c[:12] for c in cut)}"
            " (git fetch --unshallow for the rest)"
        )
    return message


def quick_resolve(path: str | os.PathLike[str] | None, *revs: str) -> Pinned:
    """Repository root, git dir and commit shas of ``revs`` in one ``git rev-parse``.

    Used before GitPython is imported, by the cached path. Raises
    :class:`HistoryError` like :func:`open_repo` and :func:`resolve_rev`.
    """
    where = Path(path or ".")
    if not where.is_dir():
        where_file = where
        where = where.parent
        if not where.is_dir():
            raise _missing(where_file)
    revs = revs or ("HEAD",)
    for rev in revs:
        _check_rev(rev)
    result = subprocess.run(
        ["git", "rev-parse", "--path-format=absolute", "--show-toplevel", "--git-common-dir"]
        + [f"{rev}^{{commit}}" for rev in revs],
        cwd=where,
        capture_output=True,
        text=True,
    )
    lines = result.stdout.splitlines()
    if result.returncode != 0 or len(lines) != 2 + len(revs):
        if "not a git repository" in result.stderr:
            raise _not_a_repository(where)
        if len(lines) >= 2:
            bad = next(
                (rev for rev, line in zip(revs, lines[2:], strict=False) if len(line) != 40), None
            )
            raise HistoryError(
                _unknown_rev_message(bad or revs[len(lines) - 2], lines[0], lines[1])
            )
        raise HistoryError(f"git rev-parse failed in {where}: {result.stderr.strip()}")
    return Pinned(lines[0], lines[1], tuple(lines[2:]))


def shallow_boundary(git_dir: str) -> frozenset[str]:
    """Shas whose parents are missing because the clone is shallow (empty if complete)."""
    shallow = Path(git_dir) / "shallow"
    try:
        return frozenset(shallow.read_text().split())
    except FileNotFoundError:
        return frozenset()


def file_at(repo: git.Repo, rev: str, path: str) -> str | None:
    """The text of ``path`` at commit ``rev``, or None when it is not a file there."""
    import git

    try:
        return repo.git.cat_file("blob", f"{rev}:{path}", strip_newline_in_stdout=False)
    except git.GitCommandError:
        return None


def _root(repo: git.Repo | str) -> str:
    """The working tree of ``repo`` (a ``git.Repo`` or the path of its root)."""
    return repo if isinstance(repo, str) else (repo.working_tree_dir or repo.common_dir)


def tracked_files(repo: git.Repo | str, rev: str = "HEAD") -> list[str]:
    """Every file path in commit ``rev`` (one ``git ls-tree``)."""
    listing = subprocess.run(
        ["git", "ls-tree", "-r", "--name-only", "--full-tree", "-z", rev],
        cwd=_root(repo),
        capture_output=True,
        check=False,
    ).stdout
    return listing.decode("utf-8", "surrogateescape").split("\x00")


def check_since(root: str, since: str) -> None:
    """Refuse a ``--since`` git would not read as a date.

    ``git log --since`` reads anything (``not a date`` becomes "now" and the
    answer silently becomes "0 commits"); git's careful date parser, which
    ``git config --type=expiry-date`` uses, says when a text is no date.
    """
    checked = subprocess.run(
        [
            "git",
            "-c",
            f"workbench.since={since}",
            "config",
            "--type=expiry-date",
            "workbench.since",
        ],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if checked.returncode != 0 or "\n" in since:
        raise HistoryError(
            f"--since {since!r} is not a date git understands; give e.g. 2024-01-31, "
            "'2 weeks ago' or '90 days ago'"
        )


def repo_path(
    repo: git.Repo | str, path: str, rev: str = "HEAD", files: list[str] | None = None
) -> str:
    """``path`` as the repository knows it at ``rev`` (relative, ``/``-separated).

    Profiles carry absolute paths, paths relative to a ``sys.path`` entry, or
    paths from another checkout; the repository file is the one whose path
    ends with ``path``, or equals the longest ``/``-suffix of ``path`` (never a
    file that merely shares the file name). ``files`` (from
    :func:`tracked_files`) saves the listing when mapping many paths. Raises
    :class:`HistoryError` when no file matches, or several match equally well.
    """
    path = path.replace("\\", "/")
    root = Path(_root(repo)).resolve()
    if os.path.isabs(path):
        try:
            return Path(path).resolve().relative_to(root).as_posix()
        except ValueError:
            pass  # another checkout: match by suffix below
    for marker in ("/site-packages/", "/dist-packages/"):
        if marker in path:  # installed code: the package path after it is the whole path
            path = path.rsplit(marker, 1)[1]
    parts = PurePosixPath(path.lstrip("/")).parts
    files = tracked_files(repo, rev) if files is None else files
    for start in range(len(parts)):
        suffix = "/".join(parts[start:])
        # The whole path may sit under a folder of the repository (``src/``); once a
        # leading folder of the path is dropped (another checkout's root), the rest
        # must be a whole repository path: ``sympy/strategies/core.py`` is not
        # ``markdown/core.py`` just because both end in ``core.py``.
        matches = [
            name for name in files if name == suffix or (start == 0 and name.endswith("/" + suffix))
        ]
        if len(matches) == 1:
            return matches[0]
        if matches:
            shown = ", ".join(matches[:5])
            raise HistoryError(
                f"{path} matches several files in the repository ({shown}); give the path "
                "relative to the repository root"
            )
    raise HistoryError(
        f"{path} is not in the repository at {rev[:12]}; check --repo and --rev",
        in_app=f"{path} is not in the repository at {rev[:12]}; choose the repository of the code",
    )


def write_commit_graph(repo: git.Repo) -> None:
    """``git commit-graph write --reachable --changed-paths``: path-limited logs 3-5x faster."""
    repo.git.commit_graph("write", "--reachable", "--changed-paths")


def cache_dir(git_dir: str | Path) -> Path:
    """Folder for derived data about a repository: inside its git dir, never in its tree."""
    return Path(git_dir) / "workbench"

"""Check out revisions beside the user's checkout, never in it: ``git worktree`` under a cache.

Each revision gets its own detached worktree in the workbench's cache folder
(``$WORKBENCH_CACHE_DIR`` or the platform cache dir, then ``worktrees/``),
named with our PID so that a worktree left by a killed workbench is recognised
and removed the next time (its PID is gone). The user's checkout, dirty or
not, its index and its branches are never touched; git records a worktree in
the repository's git dir, and :meth:`Worktrees.close` removes the worktree and
prunes that record, so ``git worktree list`` is as before.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from workbench.errors import CaptureError

#: Name prefix of our worktree folders: ``wb-PID-SHA12-N``.
PREFIX = "wb-"


@dataclass(frozen=True)
class Worktree:
    """One revision checked out."""

    rev: str
    """The revision as the user named it."""
    sha: str
    path: Path


def cache_root() -> Path:
    """The workbench's cache folder (``$WORKBENCH_CACHE_DIR`` overrides)."""
    override = os.environ.get("WORKBENCH_CACHE_DIR")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_cache_dir("triage-workbench"))


def git(repo: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """``git -C repo ARGS`` with its output captured; CaptureError (one line) on failure."""
    try:
        done = subprocess.run(
            ["git", "-C", str(repo), *args], capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise CaptureError("git is not installed or not on PATH") from None
    if check and done.returncode != 0:
        message = (done.stderr.strip().splitlines() or ["no message"])[-1]
        raise CaptureError(f"git {args[0]} failed in {repo}: {message}")
    return done


class Worktrees:
    """The worktrees of one capture or bisect; a context manager that removes them all."""

    def __init__(self, repo: Path, git_dir: str, *, keep: bool = False) -> None:
        self.repo = repo
        self.keep = keep
        digest = hashlib.sha256(str(Path(git_dir).resolve()).encode()).hexdigest()[:16]
        self.folder = cache_root() / "worktrees" / digest
        self.made: list[Worktree] = []
        self._count = 0

    def __enter__(self) -> Worktrees:
        self.remove_stale()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def add(self, rev: str, sha: str) -> Worktree:
        """A detached worktree of ``sha`` (``rev`` is the user's name for it)."""
        self._count += 1
        path = self.folder / f"{PREFIX}{os.getpid()}-{sha[:12]}-{self._count}"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise CaptureError(f"cannot create the cache folder {self.folder}: {error}") from None
        git(self.repo, "worktree", "add", "--detach", "--quiet", str(path), sha)
        tree = Worktree(rev, sha, path)
        self.made.append(tree)
        return tree

    def remove(self, tree: Worktree) -> None:
        """Remove one worktree now (unless kept) and forget it."""
        if tree in self.made:
            self.made.remove(tree)
        if not self.keep:
            _remove(self.repo, tree.path)

    def close(self) -> None:
        """Remove every worktree made (unless ``keep``) and prune git's records of them."""
        trees, self.made = self.made, []
        if self.keep:
            return
        for tree in trees:
            _remove(self.repo, tree.path)
        git(self.repo, "worktree", "prune", check=False)

    def remove_stale(self) -> None:
        """Remove worktrees a killed workbench left in our cache folder (their PID is gone)."""
        listed = git(self.repo, "worktree", "list", "--porcelain", check=False).stdout
        for line in listed.splitlines():
            if not line.startswith("worktree "):
                continue
            path = Path(line.removeprefix("worktree "))
            if path.parent != self.folder or not path.name.startswith(PREFIX):
                continue
            pid = path.name.removeprefix(PREFIX).split("-", 1)[0]
            if pid.isdigit() and not _alive(int(pid)):
                _remove(self.repo, path)
        git(self.repo, "worktree", "prune", check=False)


def _remove(repo: Path, path: Path) -> None:
    git(repo, "worktree", "remove", "--force", str(path), check=False)
    if path.exists():
        shutil.rmtree(path, ignore_errors=True)
    venv = venv_path(path)
    if venv.exists():
        shutil.rmtree(venv, ignore_errors=True)


def venv_path(worktree: Path) -> Path:
    """Where ``--setup`` puts the per-revision virtualenv: beside its worktree."""
    return worktree.with_name(worktree.name + ".venv")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

"""What the panes share for the app's lifetime: one object the app makes and hands them.

The :class:`~workbench.context.LaunchContext` is what the command line asked
for and never changes once the app runs. What the user changes in the app
(the repository of the profiled code) lives here, so a pane reads the current
answer when it needs it instead of a copy taken at start-up; panes never see
each other, they post the typed messages of :mod:`screens.messages`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from workbench.context import LaunchContext

if TYPE_CHECKING:  # profiles load with the first one read, not with the app
    from workbench.profiles.model import Profile


class Session:
    """The backlog database, the repository of the profiled code, how the app was opened."""

    def __init__(self, launch: LaunchContext | None = None) -> None:
        self.launch = launch or LaunchContext()
        """What the command line asked for (read-only)."""
        self.db: Path | None = self.launch.db
        """Backlog database; None means the default location."""
        self.repo: Path | None = self.launch.repo
        """The repository the user named (``--repo``, or chosen in the History pane);
        None: each question finds it from where the code runs (:meth:`repo_for`)."""
        self.profiles: dict[str, Path | None] = {
            "base": self.launch.base,
            "branch": self.launch.branch,
        }
        """The Compare pane's two profiles: the History pane ranks the commits between them."""
        self.rev_range: str | None = self.launch.rev_range
        """``BASE..BRANCH`` last asked for those commits (prefilled the next time)."""

    def repo_for(self, where: Path | None) -> Path | None:
        """The repository to ask about code found at ``where`` (a file or a folder).

        The user's choice wins; else the git repository holding ``where`` (the
        profile's path of the function, or the target's working directory);
        else None, which the history layer reads as the current directory.
        """
        if self.repo is not None:
            return self.repo
        return git_root(where) if where is not None else None

    def choose_repo(self, path: Path) -> None:
        """The user named the repository in the app: every later question uses it."""
        self.repo = path


def git_root(where: Path) -> Path | None:
    """The nearest folder at or above ``where`` holding ``.git`` (a worktree's is a file)."""
    folder = where if where.is_dir() else where.parent
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists():
            return candidate
    return None


def code_files(profile: Profile) -> dict[str, Path]:
    """Where the profile saw each function's code: its file, when the profile kept it absolute.

    py-spy's speedscope output and a script run by its full path keep absolute
    paths; the repository that holds that file is the one to ask about the
    function, whatever the current directory is.
    """
    from workbench.profiles.identity import function_key

    files: dict[str, Path] = {}
    for frame in profile.frames:
        if os.path.isabs(frame.file):
            files.setdefault(str(function_key(frame)), Path(frame.file))
    return files


def process_folder(pid: int | None) -> Path | None:
    """The working directory of process ``pid`` (where a relative path in its profile starts)."""
    if pid is None:
        return None
    import psutil

    try:
        return Path(psutil.Process(pid).cwd())
    except (psutil.Error, OSError):
        return None

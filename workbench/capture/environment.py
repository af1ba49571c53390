"""What a revision's runs see: ``PYTHONPATH`` first, or a virtualenv prepared by ``--setup``.

Without ``--setup`` the worktree (and its ``src/`` when there is one) goes
first on ``PYTHONPATH``: a pure-Python project then imports the revision's own
code, nothing to install.

With ``--setup CMD`` the workbench creates a virtualenv beside the worktree
(``<worktree>.venv``, removed with it) and runs ``/bin/sh -c CMD`` in the
worktree with that virtualenv active: ``VIRTUAL_ENV`` set, its ``bin/``
first on ``PATH``, so ``pip install .`` installs into it. The measured
command then runs with the same environment, so its ``python`` is the
virtualenv's. ``PYTHONPATH`` is left alone (an installed build, not the
source folder, is what runs).

Every run also gets ``WORKBENCH_WORKTREE`` (the checkout), ``WORKBENCH_REVISION``
(the full sha) and, with ``--setup``, ``WORKBENCH_VENV``.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from workbench.capture.worktrees import Worktree, venv_path
from workbench.sampling.command import record_command


@dataclass
class Prepared:
    """A worktree ready to run the command in."""

    tree: Worktree
    env: dict[str, str]
    venv: Path | None = None
    setup_seconds: float | None = None
    setup_error: str | None = None
    """Why the setup failed (the command then never runs at this revision)."""
    setup_log: Path | None = None


def prepare(
    tree: Worktree,
    *,
    setup: str | None,
    log: Path | None = None,
    cancel: threading.Event | None = None,
) -> Prepared:
    """The environment of ``tree``'s runs; with ``setup``, its virtualenv made and set up.

    ``log`` receives the setup's output. Raises
    :class:`~workbench.sampling.command.Interrupted` on Ctrl-C or ``cancel``.
    """
    env = dict(os.environ)
    env["WORKBENCH_WORKTREE"] = str(tree.path)
    env["WORKBENCH_REVISION"] = tree.sha
    if setup is None:
        first = [str(tree.path / "src")] if (tree.path / "src").is_dir() else []
        rest = [part for part in env.get("PYTHONPATH", "").split(os.pathsep) if part]
        env["PYTHONPATH"] = os.pathsep.join([*first, str(tree.path), *rest])
        return Prepared(tree, env)
    venv = venv_path(tree.path)
    env.pop("PYTHONHOME", None)
    env["VIRTUAL_ENV"] = str(venv)
    env["WORKBENCH_VENV"] = str(venv)
    env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    prepared = Prepared(tree, env, venv=venv, setup_log=log)
    steps = [[sys.executable, "-m", "venv", str(venv)], ["/bin/sh", "-c", setup]]
    seconds = 0.0
    for argv in steps:
        with _log_file(log) as out:
            run = record_command(argv, None, profiler="none", cwd=tree.path, env=env, stdout=out)
        seconds += run.wall_seconds
        if not run.ok:
            what = "creating its virtualenv" if argv is steps[0] else f"setup {setup!r}"
            tail = run.stderr_tail.splitlines()[-1] if run.stderr_tail else ""
            prepared.setup_error = f"{what} {run.failure}" + (f": {tail}" if tail else "")
            break
    prepared.setup_seconds = seconds
    return prepared


def relocate(argv: list[str], repo: Path, tree: Path) -> list[str]:
    """``argv`` with paths inside the user's checkout pointed into the worktree.

    ``python /home/me/proj/bench.py`` run at a revision must run that
    revision's ``bench.py``, and Python puts the script's folder first on
    ``sys.path``: left alone, the user's checkout would shadow the worktree.
    """
    root = repo.resolve()
    moved = []
    for part in argv:
        path = Path(part)
        if path.is_absolute():
            try:
                inside = path.resolve().relative_to(root)
            except (ValueError, OSError):
                inside = None
            if inside is not None:
                part = str(tree / inside)
        moved.append(part)
    return moved


@contextmanager
def _log_file(path: Path | None) -> Iterator[int]:
    """An appendable log file descriptor, or /dev/null's when there is no log."""
    target = os.devnull if path is None else str(path)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        yield fd
    finally:
        os.close(fd)

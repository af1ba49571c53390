"""``capture``: the command at two revisions, repeated and interleaved, into one folder.

Order of work: resolve both revisions (one ``git rev-parse``), check the
output folder, check out each revision in its own worktree, prepare each
(:mod:`.environment`), then run ``base, branch, base, branch, …`` — so that
whatever drifts on the machine (another job, thermal state, caches) lands on
both sides alike. The manifest is rewritten after every run.

A side whose first run fails (the command is missing there, an import
error) is not run again: every later run would fail the same way. Later
failures are recorded and the runs go on. Ctrl-C or a cancel stops at once:
the command and the profiler are killed, the worktrees removed, and the
manifest keeps what was measured, marked ``interrupted``.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from workbench.capture.environment import Prepared, prepare, relocate
from workbench.capture.manifest import MANIFEST, SIDES, Manifest, RunRecord, Side, SideInfo
from workbench.capture.worktrees import Worktrees, git
from workbench.errors import CaptureError, WorkbenchError
from workbench.history.repo import quick_resolve
from workbench.sampling.command import Interrupted, Profiler, record_command

MAX_REPEAT = 1000


@dataclass
class CaptureRequest:
    """What to capture (the CLI's flags and the Compare pane's dialog both make one)."""

    repo: Path
    base: str
    branch: str
    argv: list[str]
    out: Path
    repeat: int = 6
    setup: str | None = None
    profiler: Profiler = "py-spy"
    rate: int = 100
    keep: bool = False


@dataclass(frozen=True)
class Progress:
    """Where a capture is: ``done`` of ``total`` runs (a bisect: steps) after ``elapsed`` s."""

    done: int
    total: int
    elapsed: float
    message: str
    unit: str = "runs"
    """What ``done`` and ``total`` count: ``runs`` (capture) or ``steps`` (bisect, estimated)."""
    revision: str = ""
    """The revision being measured (a bisect's step: its short sha; GOOD: ``good``), or ''."""
    standing: str = ""
    """What is known so far (a bisect: its verdicts and the candidates left), or ''."""


ProgressCallback = Callable[[Progress], None]


def run_capture(
    request: CaptureRequest,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> Manifest:
    """Capture ``request``; the manifest says what ran, what failed, and if it was interrupted."""
    if not request.argv:
        raise CaptureError("no command given; usage: workbench capture ... -- python bench.py")
    if not 1 <= request.repeat <= MAX_REPEAT:
        raise CaptureError(f"--repeat must be between 1 and {MAX_REPEAT}, not {request.repeat}")
    pinned = quick_resolve(request.repo, request.base, request.branch)
    folder = prepare_output(request.out)
    manifest = Manifest(
        folder=folder,
        repo=pinned.root,
        argv=list(request.argv),
        profiler=request.profiler,
        rate=request.rate,
        repeat=request.repeat,
        base=SideInfo(request.base, pinned.shas[0], subject=subject(pinned.root, pinned.shas[0])),
        branch=SideInfo(
            request.branch, pinned.shas[1], subject=subject(pinned.root, pinned.shas[1])
        ),
        setup=request.setup,
        created_at=_now(),
    )
    manifest.write()
    clock = _Clock(progress, total=2 * request.repeat)
    try:
        with Worktrees(Path(pinned.root), pinned.git_dir, keep=request.keep) as trees:
            prepared = {}
            for role in SIDES:
                info = manifest.side(role)
                clock.say(f"checking out {role} {info.rev} ({info.sha[:12]})")
                tree = trees.add(info.rev, info.sha)
                info.worktree = str(tree.path)
                if request.setup is not None:
                    clock.say(f"setting up {role}: {request.setup}")
                log = folder / f"setup-{role}.log" if request.setup is not None else None
                prepared[role] = ready = prepare(tree, setup=request.setup, log=log, cancel=cancel)
                _note_setup(info, ready)
                manifest.write()
            _interleave(request, manifest, prepared, clock, cancel)
    except KeyboardInterrupt:  # Interrupted too: the run it carries is already recorded
        manifest.interrupted = True
    finally:
        manifest.finished_at = _now()
        manifest.write()
    return manifest


def prepare_output(out: Path) -> Path:
    """Create ``out`` (or accept it empty): a capture never mixes with other files."""
    out = Path(out)
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise CaptureError(f"{out} exists and is not a folder; choose a new --out folder")
    if out.exists() and any(out.iterdir()):
        hint = " (it holds an earlier capture)" if (out / MANIFEST).exists() else ""
        raise CaptureError(f"{out} is not empty{hint}; choose a new --out folder")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CaptureError(f"cannot create {out}: {error.strerror or error}") from None
    return out.resolve()


def subject(repo: str | Path, sha: str) -> str | None:
    """The commit's summary line (None if git cannot say)."""
    done = git(Path(repo), "log", "-1", "--format=%s", sha, "--", check=False)
    return done.stdout.strip() or None if done.returncode == 0 else None


def _interleave(
    request: CaptureRequest,
    manifest: Manifest,
    prepared: dict[Side, Prepared],
    clock: _Clock,
    cancel: threading.Event | None,
) -> None:
    """base, branch, base, branch…; a side that cannot run is not run again."""
    stopped = {role for role in SIDES if prepared[role].setup_error is not None}
    for index in range(1, request.repeat + 1):
        for role in SIDES:
            if role in stopped:
                clock.skip()
                continue
            record = _one_run(request, manifest, prepared[role], role, index, clock, cancel)
            if not record.ok and index == 1:
                stopped.add(role)


def _one_run(
    request: CaptureRequest,
    manifest: Manifest,
    ready: Prepared,
    role: Side,
    index: int,
    clock: _Clock,
    cancel: threading.Event | None,
) -> RunRecord:
    clock.say(f"run {clock.done + 1} of {clock.total}: {role} #{index}")
    output = manifest.folder / f"{role}-{index:02d}.speedscope.json"
    try:
        run = record_command(
            relocate(request.argv, Path(manifest.repo), ready.tree.path),
            None if request.profiler == "none" else output,
            rate=request.rate,
            profiler=request.profiler,
            cwd=ready.tree.path,
            env=ready.env,
            git_revision=ready.tree.sha,
            cancel=cancel,
        )
    except Interrupted as stop:
        manifest.runs.append(
            RunRecord.from_run(role, index, ready.tree.sha, stop.run, manifest.folder)
        )
        raise
    except WorkbenchError as error:  # the profile could not be written: a full disk
        raise CaptureError(f"{manifest.folder}: {error}") from None
    record = RunRecord.from_run(role, index, ready.tree.sha, run, manifest.folder)
    manifest.runs.append(record)
    manifest.write()
    clock.tick()
    return record


def _note_setup(info: SideInfo, ready: Prepared) -> None:
    info.venv = None if ready.venv is None else str(ready.venv)
    info.setup_seconds = ready.setup_seconds
    info.setup_error = ready.setup_error
    info.setup_log = None if ready.setup_log is None else ready.setup_log.name


class _Clock:
    """Counts runs and tells the progress callback."""

    def __init__(self, callback: ProgressCallback | None, total: int) -> None:
        self.callback = callback
        self.total = total
        self.done = 0
        self.started = time.monotonic()

    def say(self, message: str) -> None:
        if self.callback is not None:
            elapsed = time.monotonic() - self.started
            self.callback(Progress(self.done, self.total, elapsed, message))

    def tick(self) -> None:
        self.done += 1

    def skip(self) -> None:
        self.done += 1


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")

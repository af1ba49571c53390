"""The record of a capture: one ``manifest.json`` per folder, listing every run.

Written after every run (to a temporary file renamed over the old one), so
an interrupted or killed capture leaves a manifest of what was measured.
Read back by ``diff``/``gate``/``show``/``compare DIR`` and the Compare pane;
the file is untrusted then: every figure is checked (finite, non-negative,
plausible) and a bad one is one error line, exit 2.

Schema ``workbench.capture/1`` (see ``docs/capture.md``)::

    {"schema": "workbench.capture/1", "repo": ..., "argv": [...],
     "profiler": "py-spy", "rate": 100, "repeat": 5, "setup": null,
     "base": {"rev": "v1", "sha": "...", "setup_error": null, ...},
     "branch": {...},
     "runs": [{"side": "base", "index": 1, "sha": "...", "wall_seconds": 1.2,
               "cpu_seconds": 1.1, "exit_status": 0, "peak_rss_bytes": ...,
               "profile": "base-01.speedscope.json", "ok": true, ...}, ...],
     "interrupted": false, ...}
"""

from __future__ import annotations

import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from workbench import __version__
from workbench.documents import FieldProblem, fields_of, number, read_json, typed
from workbench.errors import CaptureError
from workbench.files import write_output
from workbench.output import json_text, plain
from workbench.profiles.run_meta import MAX_RSS_BYTES, MAX_SECONDS
from workbench.sampling.command import CommandRun

SCHEMA = "workbench.capture/1"
MANIFEST = "manifest.json"
Side = Literal["base", "branch"]
SIDES: tuple[Side, Side] = ("base", "branch")


@dataclass
class SideInfo:
    """One revision of the capture."""

    rev: str
    """As the user named it (``v1.2``, ``main``, a sha)."""
    sha: str
    worktree: str | None = None
    """Where it was checked out (removed afterwards unless ``--keep``)."""
    venv: str | None = None
    setup_seconds: float | None = None
    setup_error: str | None = None
    setup_log: str | None = None
    subject: str | None = None
    """The commit's summary line."""


@dataclass
class RunRecord:
    """One run at one revision, as the manifest lists it."""

    side: Side
    index: int
    """1-based repeat number within its side."""
    sha: str
    started_at: str
    wall_seconds: float
    cpu_seconds: float
    exit_status: int | None
    peak_rss_bytes: int
    profile: str | None
    """Profile file, relative to the capture folder."""
    ok: bool
    profile_error: str | None = None
    samples: int = 0
    stderr_tail: str | None = None
    error: str | None = None
    interrupted: bool = False
    python_version: str | None = None

    @classmethod
    def from_run(cls, side: Side, index: int, sha: str, run: CommandRun, folder: Path) -> RunRecord:
        profile = None
        if run.profile_path is not None:
            profile = os.path.relpath(run.profile_path, folder)
        return cls(
            side=side,
            index=index,
            sha=sha,
            started_at=run.started_at,
            wall_seconds=run.wall_seconds,
            cpu_seconds=run.cpu_seconds,
            exit_status=run.exit_status,
            peak_rss_bytes=run.peak_rss_bytes,
            profile=profile,
            ok=run.ok,
            profile_error=run.profile_error,
            samples=run.samples,
            stderr_tail=run.stderr_tail or None,
            error=run.error,
            interrupted=run.interrupted,
            python_version=run.python_version,
        )

    @property
    def failure(self) -> str | None:
        """Why this run failed, one line, or None."""
        if self.ok:
            return None
        if self.error:
            return self.error
        if self.interrupted:
            return "interrupted"
        return f"exited with status {self.exit_status}"


@dataclass
class Manifest:
    """Everything a capture did, in the order it did it."""

    folder: Path
    repo: str
    argv: list[str]
    profiler: str
    rate: int
    repeat: int
    base: SideInfo
    branch: SideInfo
    setup: str | None = None
    created_at: str = ""
    finished_at: str | None = None
    runs: list[RunRecord] = field(default_factory=list)
    interrupted: bool = False
    workbench_version: str = __version__
    python_version: str = platform.python_version()

    def side(self, role: Side) -> SideInfo:
        return self.base if role == "base" else self.branch

    def runs_of(self, role: Side, *, ok_only: bool = False) -> list[RunRecord]:
        return [run for run in self.runs if run.side == role and (run.ok or not ok_only)]

    def failed_runs(self) -> list[RunRecord]:
        return [run for run in self.runs if not run.ok]

    def profile_path(self, run: RunRecord) -> Path | None:
        return None if run.profile is None else self.folder / run.profile

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("folder")
        return {"schema": SCHEMA, **data}

    def write(self) -> None:
        """Write ``manifest.json`` atomically (see :mod:`workbench.files`); a full disk is one
        error line."""
        write_output(self.folder / MANIFEST, json_text(self.to_json(), indent=True) + "\n")


def load_manifest(path: Path) -> Manifest:
    """The manifest of capture folder ``path`` (or of the manifest file itself), checked."""
    path = Path(path)
    file = path / MANIFEST if path.is_dir() else path
    if not file.exists():
        raise CaptureError(f"{plain(path)}: no {MANIFEST}; is this a capture folder?")
    data = read_json(file, CaptureError, what="capture manifest")
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise CaptureError(f"{plain(file)}: not a workbench capture manifest (schema {SCHEMA})")
    with fields_of(file, CaptureError, "manifest"):
        return _manifest(data, file.parent)


def _manifest(data: dict[str, Any], folder: Path) -> Manifest:
    """The manifest's fields checked by type, then each run's figures for plausibility (a
    corrupt or edited manifest must not reach a time gate)."""
    manifest = typed(Manifest, {**data, "folder": str(folder)}, "manifest")
    for index, run in enumerate(manifest.runs):
        where = f"runs[{index}]"
        number(run.wall_seconds, f"{where}.wall_seconds", high=MAX_SECONDS)
        number(run.cpu_seconds, f"{where}.cpu_seconds", high=MAX_SECONDS)
        number(run.peak_rss_bytes, f"{where}.peak_rss_bytes", high=MAX_RSS_BYTES)
        if run.profile is not None and (
            os.path.isabs(run.profile) or ".." in Path(run.profile).parts
        ):
            raise FieldProblem(
                f"{where}.profile {run.profile!r} must be a file inside the capture folder"
            )
    return manifest

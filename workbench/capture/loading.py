"""A capture folder (or two single profiles) read back as runs for the time diff and gates.

``diff``, ``gate``, ``show`` and ``compare`` accept a capture folder where
they take profiles; this is where it becomes runs (:class:`RunTimes`) and,
for the share diff and the icicle, one merged profile per side (the average
run, :func:`~workbench.profiles.merge.merge_profiles`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from workbench.capture.manifest import MANIFEST, Manifest, RunRecord, Side, load_manifest
from workbench.capture.time_diff import RunTimes
from workbench.errors import CaptureError
from workbench.profiles.io import read_profile
from workbench.profiles.merge import merge_profiles
from workbench.profiles.model import Profile


@dataclass
class LoadedCapture:
    """What a capture folder holds, ready to compare."""

    manifest: Manifest
    base: list[RunTimes]
    """The successful base runs."""
    branch: list[RunTimes]
    roots: list[str] = field(default_factory=list)
    """The worktrees' paths: stripped from function files so both sides match."""
    base_profile: Profile | None = None
    """The average base run (None when no base run has a profile)."""
    branch_profile: Profile | None = None

    @property
    def failed(self) -> list[RunRecord]:
        return self.manifest.failed_runs()


def is_capture(path: Path) -> bool:
    """Whether ``path`` is a capture folder (or its manifest)."""
    path = Path(path)
    return (path / MANIFEST).is_file() if path.is_dir() else path.name == MANIFEST


def load_capture(path: Path) -> LoadedCapture:
    """Read the manifest and every profile it lists (CaptureError/ProfileFormatError: exit 2)."""
    manifest = load_manifest(path)
    loaded = LoadedCapture(
        manifest,
        _runs(manifest, "base"),
        _runs(manifest, "branch"),
        roots=[info.worktree for info in (manifest.base, manifest.branch) if info.worktree],
    )
    for role in ("base", "branch"):
        runs = loaded.base if role == "base" else loaded.branch
        profiles = [run.profile for run in runs if run.profile is not None]
        if profiles:
            info = manifest.side(role)
            label = f"{role} {info.rev} ({len(profiles)} runs)"
            merged = merge_profiles(profiles, name=label, roots=loaded.roots)
            merged.meta.source = str(manifest.folder)
            merged.meta.git_revision = info.sha
            setattr(loaded, f"{role}_profile", merged)
    return loaded


def _runs(manifest: Manifest, role: Side) -> list[RunTimes]:
    runs = []
    for record in manifest.runs_of(role, ok_only=True):
        path = manifest.profile_path(record)
        profile = None
        if path is not None:
            if not path.is_file():
                raise CaptureError(
                    f"{manifest.folder}: {record.profile} is listed in the manifest but missing"
                )
            profile = read_profile(path)
        label = f"{role} #{record.index}"
        runs.append(RunTimes(record.wall_seconds, record.cpu_seconds, profile, label))
    return runs


def single_run(profile: Profile) -> RunTimes:
    """One profile as one run: its recorded wall and CPU seconds when it has them."""
    meta = profile.meta
    return RunTimes(meta.wall_seconds, meta.cpu_seconds, profile, meta.source or "")

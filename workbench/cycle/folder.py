"""Where a cycle lives: a folder per cycle of JSON files and the runs' own files.

Layout, under ``.workbench/cycles/`` beside the backlog (at the git root of
the project, else the user data dir; ``--cycles DIR`` overrides)::

    CURRENT                      # the name of the cycle commands act on
    NAME/cycle.json              # SLOs as started, the load plan, the PID, the backlog
    NAME/runs/baseline-baseline/ # one folder per run: locust CSVs and log, plan,
    NAME/runs/after-baseline/    #   locustfiles, result.json, profile.speedscope.json
    NAME/runs/after-stress/      # (more profiles per phase; a repeat gets -2, -3…)
    NAME/reports/*.md            # the six reports, rewritten by ``cycle report``

Why files, not tables in the backlog database: a run is mostly files another
tool wrote (locust's CSVs, py-spy's profile) and must stay readable by those
tools; the backlog's schema belongs to the triage store, which migrates it on
its own terms. JSON written here is strict (no NaN) and replaced atomically.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from workbench import documents
from workbench.cycle.plans import PROFILES, LoadPlan
from workbench.cycle.results import LoadResult
from workbench.cycle.run_files import PROFILE_FILE, RESULT_FILE
from workbench.cycle.slo import SloSet
from workbench.documents import fields_of, mapping, number, read_text, text
from workbench.errors import CycleError, WorkbenchError
from workbench.files import write_output
from workbench.output import json_text, plain
from workbench.triage.dbfile import default_db_path, ignore_in_git

SCHEMA = "workbench.cycle/1"
PHASES = ("baseline", "after")
CURRENT_FILE = "CURRENT"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


def default_cycles_root(cwd: Path | None = None) -> Path:
    """``cycles/`` beside the default backlog (``.workbench/`` at the git root)."""
    return default_db_path(cwd).parent / "cycles"


@dataclass
class CycleConfig:
    """What ``cycle start`` fixed: the objectives, the load, the process to profile."""

    name: str
    created_at: str
    slos: SloSet
    plan: LoadPlan | None
    """The load to run; None for a cycle fed only with imported results (``--from``)."""
    pid: int | None = None
    rate: int = 100
    idle: bool = False
    allow_remote: bool = False
    locustfile: str | None = None
    db: str | None = None
    """The backlog the analysis reads; None means the default one."""

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "name": self.name,
            "created_at": self.created_at,
            "slos": self.slos.to_json(),
            "plan": self.plan.to_json() if self.plan else None,
            "pid": self.pid,
            "rate": self.rate,
            "idle": self.idle,
            "allow_remote": self.allow_remote,
            "locustfile": self.locustfile,
            "db": self.db,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: Path) -> CycleConfig:
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise CycleError(f"{plain(source)}: not a workbench cycle file ({SCHEMA})")
        with fields_of(source, CycleError, "cycle file"), _named(source):
            plan = data.get("plan")
            return cls(
                name=text(data["name"], "name"),
                created_at=text(data["created_at"], "created_at"),
                slos=SloSet.from_json(mapping(data["slos"], "slos")),
                plan=LoadPlan.from_json(mapping(plan, "plan")) if plan else None,
                pid=_optional(number, data.get("pid"), "pid", high=2**31, integer=True),
                rate=number(data.get("rate", 100), "rate", low=1, high=10_000, integer=True),
                idle=data.get("idle", False) is True,
                allow_remote=data.get("allow_remote", False) is True,
                locustfile=_optional(text, data.get("locustfile"), "locustfile"),
                db=_optional(text, data.get("db"), "db"),
            )


@contextmanager
def _named(source: Path) -> Iterator[None]:
    """A stored plan or SLO set that its own checks refuse is an error of this file."""
    try:
        yield
    except WorkbenchError as error:
        raise CycleError(f"{plain(source)}: incomplete cycle file ({error})") from None


def _optional(check: Callable[..., Any], value: Any, what: str, **bounds: Any) -> Any:
    return None if value is None else check(value, what, **bounds)


@dataclass
class Run:
    """One stored load test of a phase, with its profile if one was taken."""

    phase: str
    profile: str
    folder: Path
    result: LoadResult

    @property
    def profile_path(self) -> Path | None:
        path = self.folder / PROFILE_FILE
        return path if path.is_file() else None


class Cycle:
    """One cycle's folder: its config, its runs, its reports."""

    def __init__(self, folder: Path, config: CycleConfig) -> None:
        self.folder = folder
        self.config = config

    @property
    def name(self) -> str:
        return self.config.name

    @property
    def reports_folder(self) -> Path:
        return self.folder / "reports"

    # -- creating and opening ----------------------------------------------
    @classmethod
    def create(cls, root: Path, config: CycleConfig) -> Cycle:
        """A new cycle under ``root``, made the current one; refuses an existing name."""
        check_name(config.name)
        folder = root / config.name
        if folder.exists():
            raise CycleError(
                f"cycle {config.name!r} exists ({folder}); pick another name or use it"
            )
        ignore_in_git(root.parent)
        try:
            (folder / "runs").mkdir(parents=True)
        except OSError as error:
            raise CycleError(f"cannot create {folder}: {error.strerror or error}") from None
        write_json(folder / "cycle.json", config.to_json())
        set_current(root, config.name)
        return cls(folder, config)

    @classmethod
    def open(cls, root: Path, name: str | None = None) -> Cycle:
        """Cycle ``name``, else the current one."""
        name = name or current_name(root)
        check_name(name)
        path = root / name / "cycle.json"
        if not path.is_file():
            known = ", ".join(list_cycles(root)) or "none yet"
            raise CycleError(
                f"no cycle {name!r} in {root} (cycles: {known}); workbench cycle start {name}"
            )
        return cls(path.parent, CycleConfig.from_json(read_json(path), path))

    # -- runs ---------------------------------------------------------------
    def new_run_folder(self, phase: str, profile: str) -> Path:
        """A fresh folder for a run; repeats of a phase and profile are numbered."""
        if phase not in PHASES:
            raise CycleError(f"unknown phase {phase!r}; use {' or '.join(PHASES)}")
        base = self.folder / "runs" / f"{phase}-{profile}"
        candidate, number = base, 2
        while candidate.exists():
            candidate, number = base.with_name(f"{base.name}-{number}"), number + 1
        return candidate

    def runs(self, phase: str) -> list[Run]:
        """The latest complete run of each profile in ``phase``, in profile order."""
        latest: dict[str, Run] = {}
        runs_folder = self.folder / "runs"
        folders = (
            sorted(runs_folder.glob(f"{phase}-*"), key=_run_order) if runs_folder.is_dir() else []
        )
        for folder in folders:
            result_path = folder / RESULT_FILE
            if not result_path.is_file():
                continue  # a run that failed before locust wrote anything
            result = LoadResult.from_json(read_json(result_path), str(result_path))
            profile = result.profile or folder.name.split("-", 1)[1]
            latest[profile] = Run(phase, profile, folder, result)
        return sorted(latest.values(), key=lambda run: _profile_order(run.profile))


def _profile_order(profile: str) -> int:
    """baseline, stress, spike, soak; a profile named otherwise (an import's) after them."""
    return PROFILES.index(profile) if profile in PROFILES else len(PROFILES)


def _run_order(folder: Path) -> tuple[str, int]:
    """``after-stress``, ``after-stress-2``… in the order they were made."""
    stem, _, number = folder.name.rpartition("-")
    if number.isdigit():
        return stem, int(number)
    return folder.name, 1


def check_name(name: str) -> None:
    if not _NAME.match(name or ""):
        raise CycleError(
            f"{name!r} is not a cycle name; use letters, digits, '.', '_' or '-' (64 at most)"
        )


def list_cycles(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(path.parent.name for path in root.glob("*/cycle.json"))


def current_name(root: Path) -> str:
    """The name in ``CURRENT``; CycleError when no cycle was started."""
    path = root / CURRENT_FILE
    name = read_text(path, CycleError, what="cycle name").strip() if path.exists() else ""
    if not name:
        raise CycleError(f"no cycle started in {plain(root)}; workbench cycle start NAME")
    return name


def set_current(root: Path, name: str) -> None:
    write_text(root / CURRENT_FILE, name + "\n")


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def read_json(path: Path) -> Any:
    return documents.read_json(path, CycleError, what="cycle file")


def write_json(path: Path, data: Any) -> None:
    """Strict JSON (NaN refused, see :func:`~workbench.output.json_text`), replaced only
    once complete."""
    write_text(path, json_text(data, indent=True) + "\n")


def write_text(path: Path, text: str) -> None:
    """Write ``path`` by the rules of :mod:`workbench.files`, refusing a symlink, device or
    FIFO in a cycle folder (this replaces only files the cycle writes)."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise CycleError(f"{path} is not a regular file; refusing to replace it")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise CycleError(f"cannot write {path}: {error.strerror or error}") from None
    write_output(path, text)

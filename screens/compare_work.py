"""The Compare pane's blocking work, as plain functions its thread worker calls.

Reading, diffing, gating and building the icicle tree take seconds on large
profiles. The worker calls :func:`load_and_compare` (tables and verdict),
posts that, then :func:`build_icicle` (the slower part). Nothing here
touches a widget, so it is tested and timed without a terminal.

(A helper *process* was tried to keep the GIL away from the UI thread; on
this 2-core machine under load, key latency while a 100,000-stack pair
loaded was the same either way — median 0.5–0.6 s, dominated by CPU
contention — so the simpler thread stayed.)
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from screens.session import code_files
from screens.widgets.icicle_tree import IcicleNode
from workbench.errors import WorkbenchError
from workbench.profiles.identity import FunctionKey, function_key
from workbench.profiles.model import Profile

if TYPE_CHECKING:
    from workbench.capture.report import CaptureReport
    from workbench.profiles.diff import By, ProfileDiff, ProfileSummary
    from workbench.profiles.difftree import DiffNode
    from workbench.profiles.gates import GateVerdict

# Reading, diffing and gating (NumPy underneath) are imported by the functions that
# run them, in the worker: the pane's first frame does not wait for them.

#: Call paths below this inclusive share (percent) in both profiles are left out
#: of the icicle: at 1/10,000 of the total they stay invisible until zoomed
#: 100× deep, and dropping them bounds the tree of a 1M-stack profile.
ICICLE_MIN_PCT = 0.01
#: The full colour is reached at this many points of change, or more when the tree's
#: biggest change is smaller (so a subtle diff still shows its shape).
MIN_DELTA_SCALE = 1.0
#: Hot lines kept per function for the History pane.
MAX_HOT_LINES = 10
#: Profiles kept in memory by a :class:`ProfileCache` (two pairs).
CACHE_SIZE = 4
#: Function rows of a capture's time table.
TIME_ROWS = 8


@dataclass
class CompareRequest:
    """What to compare; ``fresh`` reads the files again even if they look unchanged."""

    paths: dict[str, Path | None]
    by: By = "function"
    project_dir: Path | None = None
    fresh: bool = False
    capture: Path | None = None
    """A capture folder: its average runs are the two sides, its runs give seconds."""
    mixed_views: bool = False
    """Compare a wall view with a CPU or samples view (refused unless asked for)."""


@dataclass
class Comparison:
    """The tables and the verdict for one (base, branch, level) triple."""

    diff: ProfileDiff
    verdict: GateVerdict
    seconds: float
    """Time the diff and the gates took."""
    gate_error: str | None = None
    """Why the project's gate settings could not be used (defaults were used instead)."""
    hot_lines: dict[FunctionKey, list[int]] = field(default_factory=dict)
    """Lines of each function the branch profile sampled, for the History pane."""
    code_files: dict[str, Path] = field(default_factory=dict)
    """The branch profile's absolute file of each function, where it kept one: the
    History pane asks the repository that holds it."""


@dataclass
class Loaded:
    """What the first step returns: each side's summary or error, and the comparison."""

    summaries: dict[str, ProfileSummary] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    read_seconds: float = 0.0
    comparison: Comparison | None = None
    """None unless both profiles were read (and could be compared)."""
    compare_error: str | None = None
    """Both were read but cannot be compared so (by line, and one has no line numbers;
    a wall view against another, not asked for)."""
    views_refused: bool = False
    """``compare_error`` is the views refusal: ``c`` compares them anyway."""
    time_report: CaptureReport | None = None
    """A capture's comparison in seconds (runs, statistics, time gate)."""
    profiles: dict[str, Profile] = field(default_factory=dict)
    """The two sides as compared (a capture's are not files the cache can read)."""


@dataclass
class IcicleTree:
    """The differential icicle of a pair; built apart because it costs more than the diff."""

    root: IcicleNode
    delta_scale: float
    """Points of change drawn at full colour intensity."""
    seconds: float


class ProfileCache:
    """Profiles already read, keyed by path, size and modification time.

    Switching function/line level or building the tree after the tables then
    reads nothing again. Locked: a cancelled worker may still be reading
    while its successor starts.
    """

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self.size = size
        self._profiles: dict[tuple[str, int, int], Profile] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every profile (``r`` reloads)."""
        with self._lock:
            self._profiles.clear()

    def read(self, path: Path) -> Profile:
        """The profile at ``path``, read again only when the file changed."""
        from workbench.profiles.io import read_profile

        try:
            stat = path.stat()
        except OSError:
            return read_profile(path)  # it raises the one-line error for us
        stamp = (str(path), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            profile = self._profiles.get(stamp)
        if profile is None:
            profile = read_profile(path)
            with self._lock:
                while len(self._profiles) >= self.size:
                    del self._profiles[next(iter(self._profiles))]
                self._profiles[stamp] = profile
        return profile


def load_and_compare(request: CompareRequest, cache: ProfileCache) -> Loaded:
    """Read what is chosen; when both sides are there, diff and gate them."""
    from workbench.errors import ProfileFormatError
    from workbench.profiles.diff import summarize
    from workbench.profiles.views import check_views

    if request.fresh:
        cache.clear()
    loaded = Loaded()
    started = time.perf_counter()
    profiles: dict[str, Profile] = loaded.profiles
    if request.capture is not None:
        _load_capture(request, loaded)
    for role, path in request.paths.items():
        if path is None or request.capture is not None:
            continue
        try:
            profiles[role] = cache.read(path)
        except WorkbenchError as error:
            loaded.errors[role] = error.in_app()
        else:
            loaded.summaries[role] = summarize(profiles[role])
    loaded.read_seconds = time.perf_counter() - started
    if "base" in profiles and "branch" in profiles:
        try:
            check_views(profiles["base"], profiles["branch"], request.mixed_views)
        except ProfileFormatError as error:
            loaded.compare_error, loaded.views_refused = error.in_app(), True
            return loaded
        try:
            loaded.comparison = compare(
                profiles["base"], profiles["branch"], by=request.by, project_dir=request.project_dir
            )
        except WorkbenchError as error:  # e.g. by line, and a profile has no line numbers
            loaded.compare_error = error.in_app()
    return loaded


def _load_capture(request: CompareRequest, loaded: Loaded) -> None:
    """A capture folder's average runs as the sides, and its comparison in seconds."""
    from workbench.capture.compare import compare_capture
    from workbench.capture.loading import load_capture
    from workbench.capture.time_gates import load_time_gate_config
    from workbench.profiles.diff import summarize

    assert request.capture is not None
    try:
        capture = load_capture(request.capture)
        gate = load_time_gate_config(request.project_dir)
        loaded.time_report = compare_capture(capture, gate=gate, top=TIME_ROWS)
    except WorkbenchError as error:
        loaded.errors["base"] = str(error)
        return
    for role, profile in (("base", capture.base_profile), ("branch", capture.branch_profile)):
        if profile is None:
            loaded.errors[role] = f"{request.capture}: no profiled {role} run"
        else:
            loaded.profiles[role] = profile
            loaded.summaries[role] = summarize(profile)


def compare(
    base: Profile, branch: Profile, *, by: By = "function", project_dir: Path | None = None
) -> Comparison:
    """Diff and gate ``branch`` against ``base``.

    Gate thresholds and waivers come from ``project_dir``'s ``[tool.workbench]``
    (the current directory when None); a malformed table does not hide the
    diff: the defaults are used and ``gate_error`` says why.
    """
    from workbench.profiles.config import load_gate_config
    from workbench.profiles.diff import diff_profiles
    from workbench.profiles.gates import GateConfig, evaluate_gates

    started = time.perf_counter()
    gate_error = None
    try:
        config = load_gate_config(project_dir)
    except WorkbenchError as error:
        config, gate_error = GateConfig(), error.in_app()
    diff = diff_profiles(
        base, branch, by=by, hotspot_pct=config.new_hotspot_pct, noise_pct=config.noise_pct
    )
    verdict = evaluate_gates(diff, config)
    seconds = time.perf_counter() - started
    return Comparison(diff, verdict, seconds, gate_error, hot_lines(branch), code_files(branch))


def hot_lines(profile: Profile) -> dict[FunctionKey, list[int]]:
    """The sampled lines of every function of ``profile`` (at most ``MAX_HOT_LINES`` each)."""
    lines: dict[FunctionKey, set[int]] = {}
    for frame in profile.frames:
        if frame.line is not None:
            lines.setdefault(function_key(frame), set()).add(frame.line)
    return {key: sorted(found)[:MAX_HOT_LINES] for key, found in lines.items()}


def build_icicle(base: Profile, branch: Profile) -> IcicleTree:
    """The differential icicle of the pair (call paths below ``ICICLE_MIN_PCT`` left out)."""
    from workbench.profiles.difftree import diff_tree

    started = time.perf_counter()
    root, largest = icicle_from_diff(diff_tree(base, branch, min_pct=ICICLE_MIN_PCT))
    return IcicleTree(root, max(largest, MIN_DELTA_SCALE), time.perf_counter() - started)


def icicle_from_diff(root: DiffNode) -> tuple[IcicleNode, float]:
    """The icicle tree of a diff tree, and its largest absolute delta in points.

    Width is the branch inclusive share; call paths absent from the branch
    have no width and are left out (the tables list what vanished). Each
    node's ``data`` is its :class:`DiffNode`. Iterative, so a pathological
    stack depth cannot hit the recursion limit.
    """
    top = IcicleNode(root.label, root.branch_pct / 100.0, root.delta_pct, data=root)
    largest = 0.0
    pending: list[tuple[DiffNode, IcicleNode]] = [(root, top)]
    while pending:
        source, target = pending.pop()
        for child in source.children:
            if child.branch_pct <= 0:
                continue
            delta = child.delta_pct
            largest = max(largest, abs(delta))
            node = target.add(IcicleNode(child.label, child.branch_pct / 100.0, delta, data=child))
            pending.append((child, node))
    return top, largest

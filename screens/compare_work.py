"""The Compare pane's heavy work, run in a helper process the screen's worker waits on.

Reading, diffing and building the differential tree of a 100,000-stack pair
takes seconds of pure-Python and numpy work. In a thread it holds the GIL
so often that Textual's event loop, which gives the GIL up at every
``select``, waits ~5 ms to get it back each time: key presses took 0.6 s
(median) to 1.5 s to be handled while a pair loaded. In a process the UI
thread keeps the GIL to itself.

The helper keeps the profiles it read (keyed by path, size and mtime), so
switching function/line level or building the tree after the tables reads
nothing again. Everything that crosses the process boundary is plain,
flat data: the tree travels as rows, not as a deep object graph that pickle
would have to recurse through.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from screens.widgets.icicle_tree import IcicleNode
from workbench.errors import WorkbenchError
from workbench.profiles.config import load_gate_config
from workbench.profiles.diff import By, ProfileDiff, ProfileSummary, diff_profiles, summarize
from workbench.profiles.difftree import ROOT_KEY, DiffNode, diff_tree
from workbench.profiles.gates import GateConfig, GateVerdict, evaluate_gates
from workbench.profiles.identity import FunctionKey, function_key
from workbench.profiles.io import read_profile
from workbench.profiles.model import Profile

#: Call paths below this inclusive share (percent) in both profiles are left out
#: of the icicle: at 1/10,000 of the total they stay invisible until zoomed
#: 100× deep, and dropping them bounds the tree of a 1M-stack profile.
ICICLE_MIN_PCT = 0.01
#: The full colour is reached at this many points of change, or more when the tree's
#: biggest change is smaller (so a subtle diff still shows its shape).
MIN_DELTA_SCALE = 1.0
#: Hot lines kept per function for the History pane.
MAX_HOT_LINES = 10
#: Profiles the helper keeps in memory (two pairs).
_CACHE_SIZE = 4
#: Profiles read by this (helper) process: (path, size, mtime) → profile.
_profiles: dict[tuple[str, int, int], Profile] = {}


@dataclass
class CompareRequest:
    """What to compare; ``fresh`` drops what the helper has cached."""

    paths: dict[str, Path | None]
    by: By = "function"
    project_dir: Path | None = None
    fresh: bool = False


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


@dataclass
class Loaded:
    """What the first step returns: each side's summary or error, and the comparison."""

    summaries: dict[str, ProfileSummary] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    read_seconds: float = 0.0
    comparison: Comparison | None = None
    """None unless both profiles were read."""


@dataclass
class IcicleTree:
    """The differential icicle of a pair; built apart because it costs more than the diff."""

    root: IcicleNode
    delta_scale: float
    """Points of change drawn at full colour intensity."""
    seconds: float


#: One diff-tree node as it crosses the process boundary: parent row (-1 for the
#: root), key, label, base weight, branch weight, base %, branch %.
TreeRow = tuple[int, FunctionKey, str, float, float, float, float]


def load_and_compare(request: CompareRequest) -> Loaded:
    """Read what is chosen; when both sides are there, diff and gate them (helper side)."""
    if request.fresh:
        _profiles.clear()
    loaded = Loaded()
    started = time.perf_counter()
    profiles: dict[str, Profile] = {}
    for role, path in request.paths.items():
        if path is None:
            continue
        try:
            profiles[role] = _read(path)
        except WorkbenchError as error:
            loaded.errors[role] = str(error)
        else:
            loaded.summaries[role] = summarize(profiles[role])
    loaded.read_seconds = time.perf_counter() - started
    if "base" in profiles and "branch" in profiles:
        loaded.comparison = compare(
            profiles["base"], profiles["branch"], by=request.by, project_dir=request.project_dir
        )
    return loaded


def tree_rows(request: CompareRequest) -> list[TreeRow]:
    """The differential tree of the requested pair as flat rows, parents first (helper side)."""
    base, branch = (_read(request.paths[role]) for role in ("base", "branch"))
    rows: list[TreeRow] = []
    pending: list[tuple[int, DiffNode]] = [(-1, diff_tree(base, branch, min_pct=ICICLE_MIN_PCT))]
    while pending:
        parent, node = pending.pop()
        rows.append(
            (
                parent,
                node.key,
                node.label,
                node.base_weight,
                node.branch_weight,
                node.base_pct,
                node.branch_pct,
            )
        )
        index = len(rows) - 1
        pending.extend((index, child) for child in reversed(node.children))
    return rows


def _read(path: Path | None) -> Profile:
    """The profile at ``path``, from the cache when the file has not changed."""
    if path is None:
        raise ValueError("both profiles are needed")
    try:
        stat = path.stat()
        stamp = (str(path), stat.st_size, stat.st_mtime_ns)
    except OSError:
        return read_profile(path)  # it raises the one-line error for us
    profile = _profiles.get(stamp)
    if profile is None:
        profile = read_profile(path)
        while len(_profiles) >= _CACHE_SIZE:
            del _profiles[next(iter(_profiles))]
        _profiles[stamp] = profile
    return profile


def compare(
    base: Profile, branch: Profile, *, by: By = "function", project_dir: Path | None = None
) -> Comparison:
    """Diff and gate ``branch`` against ``base``.

    Gate thresholds and waivers come from ``project_dir``'s ``[tool.workbench]``
    (the current directory when None); a malformed table does not hide the
    diff: the defaults are used and ``gate_error`` says why.
    """
    started = time.perf_counter()
    gate_error = None
    try:
        config = load_gate_config(project_dir)
    except WorkbenchError as error:
        config, gate_error = GateConfig(), str(error)
    diff = diff_profiles(
        base, branch, by=by, hotspot_pct=config.new_hotspot_pct, noise_pct=config.noise_pct
    )
    verdict = evaluate_gates(diff, config)
    return Comparison(diff, verdict, time.perf_counter() - started, gate_error, hot_lines(branch))


def hot_lines(profile: Profile) -> dict[FunctionKey, list[int]]:
    """The sampled lines of every function of ``profile`` (at most ``MAX_HOT_LINES`` each)."""
    lines: dict[FunctionKey, set[int]] = {}
    for frame in profile.frames:
        if frame.line is not None:
            lines.setdefault(function_key(frame), set()).add(frame.line)
    return {key: sorted(found)[:MAX_HOT_LINES] for key, found in lines.items()}


def icicle_from_rows(rows: list[TreeRow], seconds: float = 0.0) -> IcicleTree:
    """The icicle of a differential tree given as rows (see :func:`tree_rows`).

    Width is the branch inclusive share; call paths absent from the branch
    have no width and are left out (the tables list what vanished). Each
    node's ``data`` is its :class:`DiffNode` (without children).
    """
    nodes: list[IcicleNode | None] = []
    largest = 0.0
    for parent, key, label, base_weight, branch_weight, base_pct, branch_pct in rows:
        above = nodes[parent] if parent >= 0 else None
        if branch_pct <= 0 or (parent >= 0 and above is None):
            nodes.append(None)
            continue
        info = DiffNode(key, label, base_weight, branch_weight, base_pct, branch_pct)
        node = IcicleNode(label, branch_pct / 100.0, info.delta_pct, data=info)
        if above is not None:
            above.add(node)
            largest = max(largest, abs(info.delta_pct))
        nodes.append(node)
    root = nodes[0] if nodes else None
    if root is None:  # an empty branch: nothing has width
        root = IcicleNode(ROOT_KEY.qualname, 0.0, 0.0, data=DiffNode(ROOT_KEY, "all", 0, 0, 0, 0))
    return IcicleTree(root, max(largest, MIN_DELTA_SCALE), seconds)

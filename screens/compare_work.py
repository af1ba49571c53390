"""The Compare pane's blocking work, as plain functions a thread worker calls.

Reading, diffing, gating and building the icicle tree take seconds on large
profiles; the screen's worker calls :func:`compare` (tables and verdict)
then :func:`build_icicle` (the slower part), posting each result as soon as
it is ready. Nothing here touches a widget, so it is tested and
timed without a terminal.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from screens.widgets.icicle import IcicleNode
from workbench.errors import WorkbenchError
from workbench.profiles.config import load_gate_config
from workbench.profiles.diff import By, ProfileDiff, diff_profiles
from workbench.profiles.difftree import DiffNode, diff_tree
from workbench.profiles.gates import GateConfig, GateVerdict, evaluate_gates
from workbench.profiles.model import Profile

#: Call paths below this inclusive share (percent) in both profiles are left out
#: of the icicle: at 1/10,000 of the total they stay invisible until zoomed
#: 100× deep, and dropping them bounds the tree of a 1M-stack profile.
ICICLE_MIN_PCT = 0.01
#: The full colour is reached at this many points of change, or more when the tree's
#: biggest change is smaller (so a subtle diff still shows its shape).
MIN_DELTA_SCALE = 1.0


@dataclass
class Comparison:
    """The tables and the verdict for one (base, branch, level) triple."""

    diff: ProfileDiff
    verdict: GateVerdict
    seconds: float
    """Time the diff and the gates took."""
    gate_error: str | None = None
    """Why the project's gate settings could not be used (defaults were used instead)."""


@dataclass
class IcicleTree:
    """The differential icicle of a pair; built apart because it costs more than the diff."""

    root: IcicleNode
    delta_scale: float
    """Points of change drawn at full colour intensity."""
    seconds: float


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
    return Comparison(diff, verdict, time.perf_counter() - started, gate_error)


def build_icicle(base: Profile, branch: Profile) -> IcicleTree:
    """The differential icicle of the pair (call paths below ``ICICLE_MIN_PCT`` left out)."""
    started = time.perf_counter()
    root, largest = icicle_from_diff(diff_tree(base, branch, min_pct=ICICLE_MIN_PCT))
    return IcicleTree(root, max(largest, MIN_DELTA_SCALE), time.perf_counter() - started)


def icicle_from_diff(root: DiffNode) -> tuple[IcicleNode, float]:
    """The icicle tree of a diff tree, and its largest absolute delta in points.

    Width is the branch inclusive share; nodes absent from the branch have no
    width and are left out (the table lists what vanished). Iterative, so a
    pathological stack depth cannot hit the recursion limit.
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


def profile_stamp(path: Path) -> tuple[str, int, int]:
    """What identifies a file's content cheaply: path, size and modification time."""
    stat = path.stat()
    return str(path), stat.st_size, stat.st_mtime_ns

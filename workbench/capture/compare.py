"""A loaded capture (or two recorded profiles) compared: time diff, time gates, share diff."""

from __future__ import annotations

from workbench.capture.loading import LoadedCapture
from workbench.capture.report import DEFAULT_TOP, CaptureReport
from workbench.capture.time_diff import time_diff
from workbench.capture.time_gates import TimeGateConfig, evaluate_time_gates
from workbench.profiles.diff import diff_profiles


def compare_capture(
    loaded: LoadedCapture,
    *,
    gate: TimeGateConfig | None = None,
    alpha: float = 0.05,
    top: int | None = DEFAULT_TOP,
) -> CaptureReport:
    """The report of ``loaded``: seconds with statistics, time gate, average runs' shares."""
    time = time_diff(loaded.base, loaded.branch, alpha=alpha, roots=loaded.roots)
    shares = None
    if loaded.base_profile is not None and loaded.branch_profile is not None:
        shares = diff_profiles(loaded.base_profile, loaded.branch_profile, roots=loaded.roots)
    verdict = None if gate is None else evaluate_time_gates(time, gate)
    return CaptureReport(time, loaded.manifest, verdict, shares, top)

"""False alarms: the same code captured against itself 20 times is "~" at least 19 times.

Each capture runs a tiny command 6 times a side at the same commit (two
worktrees, interleaved) and compares wall and CPU time; at α = 0.05 about one
in twenty may come out significant by chance, so 19 of 20 must say "~", and
the time gate must fail at most once (false failures ≤ 5%). Runs without a
profiler (times only) to keep the 240 runs within CI's budget; the judgement
is on the program's times, which a profiler would only slow down.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.capture.repos import BENCH, FAST, commit, make_repo, worktrees
from workbench.capture.compare import compare_capture
from workbench.capture.loading import load_capture
from workbench.capture.runner import CaptureRequest, run_capture
from workbench.capture.time_gates import TimeGateConfig

pytestmark = pytest.mark.slow
CAPTURES = 20


def test_same_code_against_itself_is_judged_unchanged(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    unchanged = {"wall": 0, "cpu": 0}
    failures = 0
    for index in range(CAPTURES):
        request = CaptureRequest(
            repo=repo,
            base="HEAD",
            branch="HEAD",
            argv=[sys.executable, "bench.py", "100000"],
            out=tmp_path / f"cap-{index}",
            repeat=6,
            profiler="none",
        )
        manifest = run_capture(request)
        assert all(run.ok for run in manifest.runs)
        report = compare_capture(load_capture(manifest.folder), gate=TimeGateConfig())
        unchanged["wall"] += not report.time.wall.significant
        unchanged["cpu"] += not report.time.cpu.significant
        failures += report.gate.outcome == "fail"
    assert unchanged["wall"] >= CAPTURES - 1, unchanged
    assert unchanged["cpu"] >= CAPTURES - 1, unchanged
    assert failures <= 1
    assert worktrees(repo) == [str(repo)]

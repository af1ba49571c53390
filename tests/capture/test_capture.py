"""``workbench capture`` end to end: real git worktrees, real runs, real py-spy."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.capture.repos import bench_command, commit, git, worktrees
from tests.helpers import wait_until, workbench
from workbench.capture.manifest import load_manifest

pytestmark = pytest.mark.slow


def test_uniform_3x_slowdown_fails_the_time_gate_while_shares_stay_put(
    uniform_repo, tmp_path: Path
) -> None:
    repo, base, branch = uniform_repo
    (repo / "untracked.txt").write_text("the user's work in progress")
    (repo / "bench.py").write_text((repo / "bench.py").read_text() + "\n# dirty\n")
    out = tmp_path / "cap"
    # 1000 Hz: a base run is a tenth of a second, so at 200 Hz its ~20 samples made the
    # pooled share of parse vary by ±6 points a side, and the 10-point bound below fail
    # about one run in ten, whichever the view.
    done = workbench("capture", "--repo", repo, "--base", "HEAD~1", "--branch", "HEAD",
                     "--repeat", "6", "--rate", "1000", "--out", out, "--format", "json", "--",
                     *bench_command(repo, 2_000_000))  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    wall = report["time"]["wall"]
    assert wall["significant"] and wall["delta_pct"] > 100
    assert report["time"]["cpu"]["interval_pct"][0] > 100  # the whole interval: ~3x
    slower = {f["function"]: f for f in report["time"]["functions"] if f["significant"]}
    assert {"parse", "render.<locals>.<genexpr>"} <= set(slower)
    assert slower["parse"]["branch_self_seconds"] > 2 * slower["parse"]["base_self_seconds"]
    assert report["gate"]["outcome"] == "fail"
    # Shares barely move: the share diff alone would have passed this branch.
    parse_share = next(f for f in report["shares"]["functions"] if f["function"] == "parse")
    assert abs(parse_share["delta_self_pct"]) < 10

    manifest = load_manifest(out)
    assert [(r.side, r.index) for r in manifest.runs] == [
        (side, index) for index in range(1, 7) for side in ("base", "branch")
    ]  # interleaved
    assert (manifest.base.sha, manifest.branch.sha) == (base, branch)
    assert all(r.ok and (out / r.profile).is_file() for r in manifest.runs)
    assert json.loads((out / "manifest.json").read_text())["schema"] == "workbench.capture/1"

    gate = workbench("gate", out)
    assert gate.returncode == 1
    assert "FAIL         program-slowdown" in gate.stdout
    diff = workbench("diff", out)
    assert diff.returncode == 0 and "Program time" in diff.stdout
    # The user's checkout and worktree list are as they were.
    assert worktrees(repo) == [str(repo)]
    assert (repo / "untracked.txt").read_text() == "the user's work in progress"
    assert git(repo, "status", "--porcelain") == "M bench.py\n?? untracked.txt".strip()


def test_failed_runs_are_recorded_and_reported(tmp_path: Path) -> None:
    from tests.capture.repos import BENCH, FAST, make_repo

    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    commit(repo, {"pkg/__init__.py": "raise ImportError('broken at this revision')\n"}, "broken")
    out = tmp_path / "cap"
    done = workbench("capture", "--repo", repo, "--base", "HEAD~1", "--branch", "HEAD",
                     "--repeat", "3", "--profiler", "none", "--out", out, "--",
                     sys.executable, "bench.py", "1000")  # fmt: skip
    assert done.returncode == 2
    assert "no successful run at branch" in done.stderr
    assert "broken at this revision" in done.stderr
    manifest = load_manifest(out)
    failed = manifest.failed_runs()
    assert len(failed) == 1 and failed[0].side == "branch"  # not run again after the first
    assert "ImportError: broken at this revision" in failed[0].stderr_tail
    assert len(manifest.runs_of("base", ok_only=True)) == 3
    assert worktrees(repo) == [str(repo)]


def test_setup_runs_in_a_virtualenv_the_command_then_uses(uniform_repo, tmp_path: Path) -> None:
    repo, _, _ = uniform_repo
    probe = (
        "import os, sys; "
        "assert sys.prefix == os.environ['WORKBENCH_VENV'], (sys.prefix, os.environ); "
        "open(os.path.join(os.environ['WORKBENCH_WORKTREE'], 'setup-ran')).read()"
    )
    out = tmp_path / "cap"
    done = workbench("capture", "--repo", repo, "--base", "HEAD~1", "--branch", "HEAD",
                     "--repeat", "1", "--profiler", "none", "--setup", "echo ok > setup-ran",
                     "--out", out, "--", "python", "-c", probe)  # fmt: skip
    assert done.returncode == 0, done.stderr
    manifest = load_manifest(out)
    assert all(r.ok for r in manifest.runs) and len(manifest.runs) == 2
    assert manifest.base.venv and not Path(manifest.base.venv).exists()  # removed with it
    failing = workbench("capture", "--repo", repo, "--base", "HEAD~1", "--branch", "HEAD",
                        "--repeat", "1", "--profiler", "none", "--setup", "exit 7",
                        "--out", tmp_path / "cap2", "--", "python", "-c", "pass")  # fmt: skip
    assert failing.returncode == 2
    assert "setup 'exit 7' exited with status 7" in failing.stderr
    assert worktrees(repo) == [str(repo)]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--base", "nope", "--branch", "HEAD"], "unknown revision 'nope'"),
        (["--base", "HEAD", "--branch", "HEAD", "--repeat", "0"], "must be a positive integer"),
    ],
)
def test_bad_input_is_one_line_exit_2(uniform_repo, tmp_path, args, message) -> None:
    repo, _, _ = uniform_repo
    done = workbench("capture", "--repo", repo, *args, "--out", tmp_path / "x", "--",
                     sys.executable, "bench.py")  # fmt: skip
    assert done.returncode == 2
    assert message in done.stderr and "Traceback" not in done.stderr
    assert worktrees(repo) == [str(repo)]


def test_missing_command_is_reported_not_dropped(uniform_repo, tmp_path: Path) -> None:
    repo, _, _ = uniform_repo
    done = workbench("capture", "--repo", repo, "--base", "HEAD~1", "--branch", "HEAD",
                     "--out", tmp_path / "x", "--", "no-such-benchmark")  # fmt: skip
    assert done.returncode == 2
    assert "command not found: no-such-benchmark" in done.stderr
    assert len(load_manifest(tmp_path / "x").failed_runs()) == 2


@pytest.mark.parametrize(
    "sig", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP], ids=lambda sig: sig.name
)
def test_a_stop_signal_cleans_up_and_keeps_what_was_measured(
    uniform_repo, tmp_path: Path, sig: signal.Signals
) -> None:
    """Ctrl-C, ``timeout``/``kill`` (SIGTERM) and a closed terminal (SIGHUP) stop alike."""
    repo, _, _ = uniform_repo
    out = tmp_path / "cap"
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "capture", "--repo", str(repo), "--base", "HEAD~1",
         "--branch", "HEAD", "--repeat", "50", "--out", str(out), "--",
         *bench_command(repo, 3_000_000)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    workbench_process = psutil.Process(process.pid)

    def next_run_under_way() -> list[psutil.Process]:
        """The children of a run started after one was recorded (between two runs, none)."""
        measured = (out / "manifest.json").exists() and load_manifest(out).runs
        return workbench_process.children(recursive=True) if measured else []

    try:
        children = wait_until(next_run_under_way, timeout=60)
    except AssertionError:
        process.kill()
        raise
    process.send_signal(sig)
    _, err = process.communicate(timeout=60)
    assert process.returncode == 2, err  # a fault like the others: one line, exit 2
    last = err.strip().splitlines()[-1]
    assert last.startswith("workbench: error: interrupted after ") and str(out) in last
    assert "Traceback" not in err
    manifest = load_manifest(out)
    assert manifest.interrupted and manifest.runs
    assert all(r.ok for r in manifest.runs if not r.interrupted)
    assert worktrees(repo) == [str(repo)]
    # A SIGKILLed py-spy detaching from its target can take a moment on a loaded machine.
    wait_until(lambda: all(gone(child) for child in children), timeout=10)


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_full_disk_in_out_is_one_line(uniform_repo, tmp_path: Path) -> None:
    repo, _, _ = uniform_repo
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=12k", "tmpfs", str(full)],
                      capture_output=True).returncode != 0:  # fmt: skip
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        done = workbench("capture", "--repo", repo, "--base", "HEAD~1", "--branch", "HEAD",
                         "--repeat", "3", "--rate", "500", "--out", full / "cap", "--",
                         *bench_command(repo, 3_000_000))  # fmt: skip
    finally:
        subprocess.run(["umount", str(full)], check=False)
    assert done.returncode == 2, done.stdout
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("workbench: error:") and "No space left on device" in last
    assert worktrees(repo) == [str(repo)]


def test_out_folder_is_never_mixed_with_other_files(uniform_repo, tmp_path: Path) -> None:
    repo, _, _ = uniform_repo
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "notes.txt").write_text("mine")
    done = workbench("capture", "--repo", repo, "--base", "HEAD", "--branch", "HEAD",
                     "--out", tmp_path / "busy", "--", sys.executable, "bench.py")  # fmt: skip
    assert done.returncode == 2 and "is not empty" in done.stderr
    assert os.listdir(tmp_path / "busy") == ["notes.txt"]


def test_a_capture_without_profiles_is_gated_on_its_seconds(uniform_repo, tmp_path: Path) -> None:
    repo, _, _ = uniform_repo
    out = tmp_path / "times"
    done = workbench("capture", "--repo", repo, "--base", "HEAD~1", "--branch", "HEAD",
                     "--repeat", "4", "--profiler", "none", "--out", out, "--format", "markdown",
                     "--", *bench_command(repo, 1_000_000))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "- **Reproduce:** `workbench capture --repo" in done.stdout
    assert "not profiled \\(times only\\)" in done.stdout  # Markdown-escaped
    gate = workbench("gate", out)
    assert gate.returncode == 1, gate.stderr
    assert gate.stdout.startswith("share gates: not applied (the capture has no profiles")
    assert "FAIL         program-slowdown" in gate.stdout
    assert "function-slowdown not evaluated: no profiled runs (times only)" in gate.stdout
    sarif = json.loads(workbench("gate", out, "--format", "sarif").stdout)
    results = sarif["runs"][0]["results"]
    assert [(r["ruleId"], r["level"]) for r in results] == [("program-slowdown", "error")]
    assert sarif["runs"][0]["invocations"][0]["exitCode"] == 1
    diff = workbench("diff", out)
    assert diff.returncode == 0 and "Functions: not profiled" in diff.stdout

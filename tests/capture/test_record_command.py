"""``workbench record -- CMD``: a real command under real py-spy and pyinstrument."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import psutil
import pytest

from tests.helpers import workbench
from workbench.errors import ProfileFormatError
from workbench.profiles.io import read_profile
from workbench.sampling.command import record_command

HOT = """
import sys

def hot_loop(n):
    total = 0
    for i in range(n):
        total += i * i
    return total

hot_loop(int(sys.argv[1]))
sys.exit(int(sys.argv[2]) if len(sys.argv) > 2 else 0)
"""

pytestmark = pytest.mark.slow


def _script(tmp_path: Path) -> Path:
    script = tmp_path / "hot.py"
    script.write_text(HOT)
    return script


def _leaf_seconds(path: Path, function: str) -> float:
    profile = read_profile(path)
    return sum(
        weight
        for stack, weight, _ in profile.stacks()
        if profile.frames[stack[-1]].function == function
    ) * (profile.to_seconds(1.0) or 0)


@pytest.mark.parametrize("profiler", ["py-spy", "pyinstrument"])
def test_record_command_writes_profile_with_run_figures(tmp_path: Path, profiler: str) -> None:
    script = _script(tmp_path)
    out = tmp_path / "out.json"
    done = workbench("record", "-o", out, "--profiler", profiler, "--rate", "200", "--",
                     sys.executable, script, "8000000", cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"wrote {out}" in done.stdout and "wall" in done.stdout
    profile = read_profile(out)
    meta = profile.meta
    assert meta.profiler == profiler and meta.rate == 200
    assert meta.exit_status == 0
    assert 0 < meta.cpu_seconds <= meta.wall_seconds * 1.5
    assert meta.peak_rss_bytes > 1_000_000
    assert meta.argv == [sys.executable, str(script), "8000000"]
    assert meta.python_version == ".".join(map(str, sys.version_info[:3]))
    # The hot loop is most of what was sampled, in seconds.
    assert _leaf_seconds(out, "hot_loop") > 0.5 * profile.to_seconds(profile.total_weight)
    # py-spy: the CPU view by default, its seconds no more than the CPU the run used;
    # pyinstrument: wall-clock, the only view it has.
    assert meta.view == ("cpu" if profiler == "py-spy" else "wall")
    assert f"{meta.view} view" in done.stdout
    if profiler == "py-spy":
        assert 0 < profile.total_weight <= meta.cpu_seconds + 0.05


def test_record_command_in_a_git_checkout_notes_the_revision(tmp_path: Path) -> None:
    from tests.capture.repos import commit, make_repo

    repo = make_repo(tmp_path / "repo")
    sha = commit(repo, {"hot.py": HOT}, "hot")
    (repo / "hot.py").write_text(HOT + "\n# edited\n")  # a dirty checkout says so
    run = record_command([sys.executable, "hot.py", "100000"], None, profiler="none", cwd=repo)
    assert run.ok and run.profile_path is None
    from workbench.sampling.command import current_revision

    assert current_revision(repo) == f"{sha}-dirty"


def test_failing_command_is_recorded_and_exits_2(tmp_path: Path) -> None:
    script = _script(tmp_path)
    out = tmp_path / "failed.json"
    # Long enough (~1.5 s) for py-spy to attach on a loaded machine before the exit.
    done = workbench("record", "-o", out, "--", sys.executable, script, "30000000", "3",
                     cwd=tmp_path)  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().splitlines()[-1] == (
        "workbench: error: the command exited with status 3"
    )
    assert read_profile(out).meta.exit_status == 3  # what was sampled is kept


def test_pyinstrument_has_no_cpu_view_one_line_exit_2(tmp_path: Path) -> None:
    done = workbench("record", "--profiler", "pyinstrument", "--view", "cpu", "-o",
                     tmp_path / "x.json", "--", sys.executable, "-c", "pass")  # fmt: skip
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pyinstrument measures wall-clock time, not the cpu view" in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_missing_command_is_one_line_exit_2(tmp_path: Path) -> None:
    done = workbench("record", "-o", tmp_path / "x.json", "--", "no-such-command-here")
    assert done.returncode == 2
    assert "command not found: no-such-command-here" in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "x.json").exists()


def test_no_child_outlives_a_run(tmp_path: Path) -> None:
    """The command's own children (left running) and py-spy die with the run."""
    script = tmp_path / "spawner.py"
    script.write_text(
        "import subprocess, sys\n"
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)'])\n"
        "print(child.pid, flush=True)\n"
        "sum(i * i for i in range(2_000_000))\n"
    )
    out = tmp_path / "pid.txt"
    with out.open("w") as handle:
        run = record_command(
            [sys.executable, str(script)], tmp_path / "p.json", stdout=handle.fileno()
        )
    assert run.ok
    orphan = int(out.read_text().split()[0])
    assert not psutil.pid_exists(orphan) or psutil.Process(orphan).status() == "zombie"
    me = psutil.Process()
    assert not [c for c in me.children(recursive=True) if c.name() == "py-spy"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("wall_seconds", -1.0), ("cpu_seconds", 1e12), ("peak_rss_bytes", "lots"),
     ("exit_status", 1.5), ("argv", "python x.py")],
)  # fmt: skip
def test_absurd_run_figures_in_a_file_are_refused(tmp_path: Path, field: str, value) -> None:
    run = record_command(
        [sys.executable, str(_script(tmp_path)), "8000000"], tmp_path / "p.json", rate=200
    )
    assert run.profile_path is not None, run.profile_error
    document = json.loads(run.profile_path.read_text())
    document["workbench"][field] = value
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(document))
    with pytest.raises(ProfileFormatError, match=field):
        read_profile(bad)
    done = workbench("show", bad)
    assert done.returncode == 2 and field in done.stderr

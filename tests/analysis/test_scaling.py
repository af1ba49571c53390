"""Scaling signatures on real py-spy captures of a real program, and on exact synthetic times."""

from __future__ import annotations

import json
import math
import signal
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.helpers import wait_until, workbench
from workbench.analysis.scaling import scaling_report
from workbench.analysis.scaling_runs import command_at, schedule
from workbench.errors import ProfileFormatError
from workbench.profiles.model import Frame, Profile, ProfileMeta

#: A real program: a quadratic de-duplication and a linear checksum, sized by argv[1]. Both
#: take a tenth of a second of CPU or more at the smallest size (each repeat needs samples
#: there: on a quiet machine py-spy samples CPU time alone) and alternate in short phases.
PROGRAM = """
import sys

def dedupe(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen

def checksum(items):
    total = 0
    for item in items:
        for k in range(300):
            total = (total + item * k) % 1000003
    return total

n = int(sys.argv[1])
items = list(range(n))
for _ in range(8):
    dedupe(items)
    checksum(items)
"""


def synthetic(times: dict[str, float], unit_rate: float = 1000.0) -> Profile:
    """A profile whose functions take exactly ``times`` seconds (as samples at 1 kHz)."""
    profile = Profile(ProfileMeta(format="collapsed", unit="samples", rate=unit_rate))
    for name, seconds in times.items():
        profile.add_frames([Frame("main", "app.py", 1), Frame(name, "app.py", 2)], seconds * 1000)
    return profile


def test_n_log_n_is_not_called_quadratic_and_exact_models_are_recognised() -> None:
    sizes = [1000, 2000, 4000, 8000]
    runs = [
        (
            n,
            synthetic(
                {
                    "sort_merge": 2e-4 * n * math.log(n),
                    "pairs": 1e-6 * n * n,
                    "scan": 1e-3 * n,
                    "setup": 0.5,
                    "triples": 1e-9 * n**3,
                }
            ),
        )
        for n in sizes
    ]
    report = scaling_report(runs, min_share=0.0)
    by_name = {f.key.qualname: f for f in report.functions}
    assert by_name["sort_merge"].cls == "n log n"
    assert by_name["pairs"].cls == "quadratic"
    assert by_name["scan"].cls == "linear"
    assert by_name["setup"].cls == "constant"
    assert by_name["triples"].cls == "cubic"
    assert by_name["pairs"].exponent_self == pytest.approx(2.0)
    assert by_name["sort_merge"].flagged is False  # exponent 1.1: not super-linear
    assert by_name["triples"].flagged and by_name["triples"].projected_seconds == pytest.approx(
        1e-9 * 8000**3 * 1000, rel=1e-6
    )
    assert json.dumps(report.to_json(), allow_nan=False)


def test_a_cpu_view_is_taken_in_cpu_seconds_as_it_is() -> None:
    """``record -- CMD``'s default files: weights are CPU seconds; no CPU/wall ratio on top."""
    runs = []
    for n in (1000, 2000, 4000):
        profile = Profile(ProfileMeta(format="speedscope", unit="seconds", rate=100.0, view="cpu"))
        profile.add_frames([Frame("main", "app.py", 1), Frame("pairs", "app.py", 2)], 1e-7 * n * n)
        profile.meta.cpu_seconds, profile.meta.wall_seconds = 1e-7 * n * n, 3e-7 * n * n + 5
        runs.append((n, profile))
    report = scaling_report(runs, min_share=0.0, clock="cpu")
    fit = next(f for f in report.functions if f.key.qualname == "pairs")
    assert fit.seconds_self == pytest.approx([0.1, 0.4, 1.6])
    assert fit.exponent_self == pytest.approx(2.0)


def test_noise_without_a_model_is_unclear() -> None:
    runs = [
        (n, synthetic({"jumpy": t, "steady": 1.0})) for n, t in [(10, 1.0), (20, 9.0), (40, 0.5)]
    ]
    by_name = {f.key.qualname: f for f in scaling_report(runs, min_share=0.0).functions}
    assert by_name["jumpy"].cls == "unclear"


@pytest.mark.parametrize(
    ("sizes", "message"),
    [([100, 200], "three or more"), ([100, 100, 200], "three or more"), ([0, 10, 20], "above 1")],
)
def test_bad_sizes_are_refused(sizes: list[int], message: str) -> None:
    with pytest.raises(ProfileFormatError, match=message):
        scaling_report([(n, synthetic({"f": 1.0})) for n in sizes])


def test_samples_without_a_rate_need_one() -> None:
    profiles = [(n, synthetic({"f": n / 100})) for n in (10, 20, 40)]
    for _, profile in profiles:
        profile.meta.rate = None
    with pytest.raises(ProfileFormatError, match="--rate"):
        scaling_report(profiles)
    assert scaling_report(profiles, rate=1000.0).functions[0].cls == "linear"


def write_sizes(folder: Path, law: dict[str, object]) -> list[str]:
    """Collapsed files at three sizes whose functions follow ``law`` (name -> f(n)); --size args."""
    args = []
    for n in (1000, 2000, 4000):
        path = folder / f"n{n}.txt"
        path.write_text(
            "".join(f"main (app.py:1);{name} (app.py:2) {round(f(n))}\n" for name, f in law.items())
        )
        args += ["--size", str(n), str(path)]
    return args


def test_propose_files_a_flagged_function_with_its_fit(tmp_path: Path) -> None:
    law = {"pairs": lambda n: n * n / 1000, "scan": lambda n: 2 * n}
    args = write_sizes(tmp_path, law)
    db = tmp_path / "triage.db"
    done = workbench("scaling", *args, "--rate", "1000", "--propose", "--db", db)
    assert done.returncode == 0, done.stderr
    assert "proposed" in done.stderr and "Super-linear: pairs grows as n^2.00" in done.stderr
    items = json.loads(workbench("backlog", "list", "--db", db, "--format", "json").stdout)
    (item,) = items  # scan is linear: not flagged, not filed
    assert item["pattern"] == "algorithmic" and item["signal"] == "latency"  # no CPU measured
    (function,) = [e for e in item["evidence"] if e["kind"] == "function"]
    assert function["ref"] == "app.py:pairs"
    assert function["note"] == "n^2.00 (r2 1.000, quadratic) over n = 1000..4000"
    assert "at n=40000 it would take" in item["hypothesis"]
    [profile] = [e["ref"] for e in item["evidence"] if e["kind"] == "profile"]
    assert profile.endswith("n4000.txt")
    again = workbench("scaling", *args, "--rate", "1000", "--propose", "--db", db)
    assert "no flagged function needs a new item" in again.stderr  # open item: no duplicate


def test_the_command_form_interleaves_rounds_and_refuses_what_cannot_fit(tmp_path: Path) -> None:
    assert schedule([4000, 1000, 2000], 2) == [
        (1, 1000), (1, 2000), (1, 4000), (2, 2000), (2, 4000), (2, 1000),
    ]  # fmt: skip
    assert command_at(["python", "app.py", "--items={n}", "{n}"], 7) == [
        "python", "app.py", "--items=7", "7",
    ]  # fmt: skip
    out = tmp_path / "runs"
    cases = [
        (["--sizes", "10,20,40", "--", sys.executable, "-c", "pass"], "has no {n}"),
        (["--sizes", "10,20", "--", sys.executable, "-c", "{n}"], "three or more"),
        (["--sizes", "10,x", "--", "true", "{n}"], "whole input sizes"),
        (["--size", "10", "a.txt", "--", "true", "{n}"], "go with --sizes"),
        (
            ["--sizes", "10,20,40", "--out", str(out), "--",
             sys.executable, "-c", "import sys; sys.exit('too big: ' + '{n}')"],
            "n=10: the command exited with status 1; its stderr ends: too big: 10",
        ),
    ]  # fmt: skip
    for args, message in cases:
        done = workbench("scaling", *args)
        assert done.returncode == 2 and message in done.stderr, (args, done.stderr)
        assert "Traceback" not in done.stderr
    assert out.is_dir()  # what was measured stays (the failed run has no profile)


@pytest.mark.slow
def test_real_captures_of_a_real_program(tmp_path: Path) -> None:
    """A quadratic function is quadratic, a linear one linear, on py-spy at three sizes.

    Through the command form: every run is recorded with its CPU and wall time,
    so a busy machine (other tests, other engineers) does not bend the fit.
    """
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    out = tmp_path / "runs"
    command = ["--sizes", "2000,4000,8000", "--repeat", "5", "--rate", "1000", "--out", str(out)]
    result = workbench(
        "scaling",
        *command,
        "--format",
        "json",
        "--",
        sys.executable,
        str(script),
        "{n}",
        timeout=900,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sizes"] == [2000, 4000, 8000] and data["clock"] == "cpu"
    rows = {row["function"]: row for row in data["functions"]}
    seen = {name: (rows[name]["seconds_self"], rows[name]["exponent_self"]) for name in
            ("dedupe", "checksum")}  # fmt: skip
    assert rows["dedupe"]["class"] == "quadratic", seen
    assert 1.8 <= rows["dedupe"]["exponent_self"] <= 2.4, seen
    assert rows["dedupe"]["flagged"] is True
    assert rows["checksum"]["class"] == "linear", seen
    assert rows["checksum"]["flagged"] is False
    assert len(list(out.glob("n*-r*.speedscope.json"))) == 15
    # The profile form reads the same files back to the same answer.
    again = []
    for path in sorted(out.glob("n*-r*.speedscope.json")):
        again += ["--size", path.name.split("-")[0][1:], str(path)]
    text = workbench("scaling", *again).stdout
    assert "! dedupe" in text and "checksum" in text


def test_ctrl_c_keeps_the_runs_recorded_and_leaves_no_process(tmp_path: Path) -> None:
    script = tmp_path / "spin.py"
    script.write_text(
        "import sys, time\nend = time.time() + int(sys.argv[1]) / 10\n"
        "while time.time() < end:\n    pass\n"
    )
    out = tmp_path / "runs"
    command = [
        sys.executable, "-m", "workbench", "scaling", "--sizes", "5,40,80", "--out", str(out),
        "--", sys.executable, str(script), "{n}",
    ]  # fmt: skip
    process = subprocess.Popen(command, stderr=subprocess.PIPE, text=True)
    try:
        wait_until(lambda: (out / "n5-r1.speedscope.json").exists(), timeout=120)
        wait_until(lambda: _alive_args(script), timeout=60)  # the second run is on
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, stderr
    assert f"the profiles recorded so far are in {out}" in stderr
    assert (out / "n5-r1.speedscope.json").stat().st_size > 0
    wait_until(lambda: not _alive_args(script), timeout=10)


def _alive_args(script: Path) -> str:
    """Command lines of processes still running ``script`` (none once we are gone)."""
    found = []
    for proc in psutil.process_iter(["cmdline"]):
        cmdline = proc.info["cmdline"] or []
        if str(script) in cmdline:
            found.append(" ".join(cmdline))
    return "\n".join(found)

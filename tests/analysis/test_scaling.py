"""Scaling signatures on real py-spy captures of a real program, and on exact synthetic times."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.analysis.scaling import scaling_report
from workbench.errors import ProfileFormatError
from workbench.profiles.io import read_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.pyspy_output import find_pyspy

#: A real program: a quadratic de-duplication and a linear checksum, sized by argv[1].
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
        for k in range(150):
            total = (total + item * k) % 1000003
    return total

n = int(sys.argv[1])
items = list(range(n))
for _ in range(4):
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


@pytest.mark.slow
def test_real_captures_of_a_real_program(tmp_path: Path) -> None:
    """A quadratic function is quadratic, a linear one linear, on py-spy at three sizes."""
    script = tmp_path / "program.py"
    script.write_text(PROGRAM)
    args = []
    # Five rounds, sizes interleaved: a busy spell slows every size, and the fit
    # keeps each function's median repeat.
    for round_, n in [(r, n) for r in range(5) for n in (2000, 4000, 8000)]:
        output = tmp_path / f"n{n}-{round_}.txt"
        done = subprocess.run(
            [str(find_pyspy()), "record", "-r", "250", "-f", "raw", "-o", str(output), "--",
             sys.executable, str(script), str(n)],
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-500:]
        args += ["--size", str(n), str(output)]
    args += ["--rate", "250"]  # py-spy's raw output does not carry its rate
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "scaling", *args, "--format", "json"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["sizes"] == [2000, 4000, 8000]
    rows = {row["function"]: row for row in data["functions"]}
    assert rows["dedupe"]["class"] == "quadratic", rows["dedupe"]["seconds_self"]
    assert 1.8 <= rows["dedupe"]["exponent_self"] <= 2.4
    assert rows["dedupe"]["flagged"] is True
    assert rows["checksum"]["class"] == "linear", rows["checksum"]
    assert rows["checksum"]["flagged"] is False
    text = subprocess.run(
        [sys.executable, "-m", "workbench", "scaling", *args],
        capture_output=True, text=True, timeout=120,
    ).stdout  # fmt: skip
    assert "! dedupe" in text
    assert read_profile(tmp_path / "n8000-0.txt").total_weight > 0

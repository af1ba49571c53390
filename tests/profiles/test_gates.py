"""Gate rules, waivers, and where thresholds come from (flags > pyproject > defaults)."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbench.errors import ConfigError
from workbench.profiles.config import load_gate_config, parse_waiver, read_waivers
from workbench.profiles.diff import ProfileDiff, diff_profiles
from workbench.profiles.gates import NEW_HOTSPOT, SELF_GROWTH, GateConfig, evaluate_gates
from workbench.profiles.identity import FunctionKey
from workbench.profiles.model import Frame, Profile


def profile(weights: dict[str, float], path: str = "pkg/app.py") -> Profile:
    result = Profile()
    for name, weight in weights.items():
        result.add_frames([Frame("main", path), Frame(name, path)], weight)
    return result


@pytest.fixture
def diff() -> ProfileDiff:
    """cache is new at 10%; render grows 50 → 60 (+10 points at most); parse shrinks."""
    base = profile({"parse": 50, "render": 50})
    branch = profile({"parse": 30, "render": 60, "cache": 10}, path="/nonexistent/wt/pkg/app.py")
    return diff_profiles(base, branch)


def test_new_hotspot_fails_without_waiver(diff: ProfileDiff) -> None:
    verdict = evaluate_gates(diff, GateConfig())
    assert not verdict.passed
    (finding,) = verdict.findings
    assert (finding.rule, finding.function) == (NEW_HOTSPOT, FunctionKey("pkg/app.py", "cache"))
    assert finding.value == pytest.approx(10.0) and not finding.waived
    assert "absent from base" in finding.message
    assert verdict.to_json()["verdict"] == "fail"


@pytest.mark.parametrize(
    "name", ["pkg/app.py:cache", "cache", "app.py:cache", "/x/pkg/app.py:cache"]
)
def test_waiver_turns_failure_into_documented_pass(diff: ProfileDiff, name: str) -> None:
    verdict = evaluate_gates(diff, GateConfig(waivers={name: "warm-up moved here (PERF-12)"}))
    assert verdict.passed
    (finding,) = verdict.findings
    assert finding.waived and finding.justification == "warm-up moved here (PERF-12)"
    assert verdict.to_json()["findings"][0]["justification"] == "warm-up moved here (PERF-12)"


def test_waiver_for_another_function_does_not_apply(diff: ProfileDiff) -> None:
    for name in ("render", "other/app.py:cache", "pkg/app.py:cache_x"):
        assert not evaluate_gates(diff, GateConfig(waivers={name: "no"})).passed


def test_threshold_and_self_growth(diff: ProfileDiff) -> None:
    assert evaluate_gates(diff, GateConfig(new_hotspot_pct=10.5)).passed
    verdict = evaluate_gates(diff, GateConfig(new_hotspot_pct=50, max_self_growth_pct=5))
    assert [(f.rule, f.function.qualname) for f in verdict.findings] == [
        (SELF_GROWTH, "cache"),
        (SELF_GROWTH, "render"),
    ]
    assert verdict.findings[1].value == pytest.approx(10.0)
    assert evaluate_gates(diff, GateConfig(new_hotspot_pct=50, max_self_growth_pct=10)).passed


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_pyproject_then_flags(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[project]\nname = 'x'\n\n[tool.workbench]\nnew-hotspot-pct = 8\n"
        "max_self_growth_pct = 2.5\nsampling-rate = 100  # another area's key\n"
        'waivers-file = "waivers.txt"\n\n[tool.workbench.waivers]\n'
        '"pkg/a.py:f" = "from pyproject"\n"g" = "pyproject g"\n',
    )
    write(tmp_path / "waivers.txt", "# line format\npkg/b.py:h = from the file\n")
    nested = tmp_path / "src" / "pkg"
    nested.mkdir(parents=True)
    config = load_gate_config(nested)
    assert config.new_hotspot_pct == 8 and config.max_self_growth_pct == 2.5
    assert config.noise_pct == 0.5
    assert config.waivers == {
        "pkg/a.py:f": "from pyproject",
        "g": "pyproject g",
        "pkg/b.py:h": "from the file",
    }
    flags = load_gate_config(
        tmp_path,
        new_hotspot_pct=3,
        noise_pct=1,
        waivers_file=write(tmp_path / "more.toml", '[waivers]\n"g" = "file g"\n'),
        waivers={"pkg/a.py:f": "flag"},
    )
    assert (flags.new_hotspot_pct, flags.max_self_growth_pct, flags.noise_pct) == (3, 2.5, 1)
    assert flags.waivers["g"] == "file g" and flags.waivers["pkg/a.py:f"] == "flag"


def test_defaults_without_pyproject(tmp_path: Path) -> None:
    # tmp dirs live under /tmp, which has no pyproject.toml above them.
    config = load_gate_config(tmp_path)
    assert (config.new_hotspot_pct, config.max_self_growth_pct, config.waivers) == (5.0, None, {})


@pytest.mark.parametrize(
    ("pyproject", "message"),
    [
        ("[tool.workbench]\nnew-hotspot-pct = 'five'\n", "must be a number"),
        ("[tool.workbench.waivers]\nf = ''\n", "needs a non-empty reason"),
        ("[tool.workbench\n", "is not valid TOML"),
        # A threshold that is not a finite percentage would turn the gate off: refused.
        ("[tool.workbench]\nnew-hotspot-pct = nan\n", "finite"),
        ("[tool.workbench]\nnew-hotspot-pct = inf\n", "finite"),
        ("[tool.workbench]\nmax-self-growth-pct = 1e308\n", "out of range"),
        ("[tool.workbench]\nnoise-pct = -1\n", "out of range"),
        ("[tool.workbench]\nnew-hotspot-pct = 1" + "0" * 400 + "\n", "too large"),
        ("tool = 'x'\n", "must be a table"),
        ("[tool]\nworkbench = 3\n", "must be a table"),
    ],
)
def test_malformed_pyproject_is_a_config_error(
    tmp_path: Path, pyproject: str, message: str
) -> None:
    write(tmp_path / "pyproject.toml", pyproject)
    with pytest.raises(ConfigError, match=message):
        load_gate_config(tmp_path)


def test_waiver_file_and_flag_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not a folder"):
        load_gate_config(tmp_path / "nowhere")
    with pytest.raises(ConfigError, match="does not exist"):
        read_waivers(tmp_path / "missing.toml")
    with pytest.raises(ConfigError, match=":2: expected"):
        read_waivers(write(tmp_path / "bad.txt", "f = ok\njust a name\n"))
    assert parse_waiver("pkg/a.py:f = cache warm-up = on purpose") == (
        "pkg/a.py:f",
        "cache warm-up = on purpose",
    )
    for text in ("f", "f=", "=why"):
        with pytest.raises(ConfigError, match="FUNCTION=REASON"):
            parse_waiver(text)


def test_line_level_findings_name_the_line() -> None:
    base = Profile()  # line-level diffs need line numbers on both sides
    base.add_frames([Frame("main", "pkg/app.py", 2), Frame("parse", "pkg/app.py", 3)], 10)
    branch = Profile()
    branch.add_frames([Frame("main", "pkg/app.py"), Frame("parse", "pkg/app.py", 7)], 5)
    branch.add_frames([Frame("main", "pkg/app.py"), Frame("parse", "pkg/app.py", 9)], 5)
    verdict = evaluate_gates(diff_profiles(base, branch, by="line"), GateConfig())
    assert sorted(finding.where for finding in verdict.findings) == [
        "pkg/app.py:parse:7",
        "pkg/app.py:parse:9",
    ]
    assert {row["line"] for row in verdict.to_json()["findings"]} == {7, 9}
    # parse is in the base, at another line: not "absent from base".
    for finding in verdict.findings:
        assert "absent from base" not in finding.message
        assert f"line {finding.line} not sampled in base, its function was" in finding.message


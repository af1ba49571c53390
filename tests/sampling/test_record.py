"""``workbench record`` end to end: real py-spy on real targets."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.helpers import needs_ptrace, pyspy_children
from workbench.cli import main
from workbench.profiles.io import read_profile
from workbench.profiles.model import Profile

pytestmark = needs_ptrace

SHORT_LIVED = """
import time

def spin_until_exit():
    end = time.monotonic() + 3
    while time.monotonic() < end:
        pass

print("ready", flush=True)
spin_until_exit()
"""


def self_share(profile: Profile, function: str) -> float:
    """Share of all samples whose leaf frame is ``function``."""
    hot = sum(
        weight
        for ids, weight, _ in profile.stacks()
        if profile.frames[ids[-1]].function == function
    )
    return hot / profile.total_weight


def top_leaf(profile: Profile) -> str:
    """The function with the most self samples."""
    leaves: Counter[str] = Counter()
    for ids, weight, _ in profile.stacks():
        leaves[profile.frames[ids[-1]].function] += weight
    return leaves.most_common(1)[0][0]


def test_record_finds_the_hot_function(spawn, tmp_path: Path, capsys) -> None:
    target = spawn(None, "30")
    out = tmp_path / "hot.speedscope.json"
    assert main(["record", str(target.pid), "--duration", "2", "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert f"wrote {out}" in captured.out
    assert "blocking" in captured.err  # the mode and why
    profile = read_profile(out)
    assert top_leaf(profile) == "crunch_numbers"
    assert self_share(profile, "crunch_numbers") > 0.4
    assert profile.meta.pid == target.pid
    assert profile.meta.rate == 100
    assert profile.meta.unit == "samples" and profile.total_weight >= 100
    assert 1.0 < (profile.meta.duration or 0) < 4.0
    assert (
        any("napper" in label for label in profile.meta.threads) or len(profile.meta.threads) >= 1
    )
    assert pyspy_children() == []


def test_record_keeps_a_partial_capture_when_the_target_exits(
    spawn, tmp_path: Path, capsys
) -> None:
    target = spawn(SHORT_LIVED)
    out = tmp_path / "partial.txt"
    code = main(["record", str(target.pid), "--duration", "8", "-o", str(out)])
    err = capsys.readouterr().err
    assert code == 0, err
    assert f"process {target.pid} exited after" in err and "partial profile is kept" in err
    profile = read_profile(out)  # .txt: collapsed
    assert profile.meta.format == "collapsed"
    assert self_share(profile, "spin_until_exit") > 0.5
    assert (profile.meta.duration or 0) < 6.0


def test_record_default_file_name(spawn, tmp_path: Path, monkeypatch, capsys) -> None:
    target = spawn(None, "30")
    monkeypatch.chdir(tmp_path)
    assert main(["record", str(target.pid), "-d", "1", "--format", "collapsed"]) == 0
    written = list(tmp_path.glob(f"profile-{target.pid}-*.collapsed.txt"))
    assert len(written) == 1
    assert read_profile(written[0]).total_weight > 0

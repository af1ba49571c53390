"""pprof files written by Go's own runtime/pprof, read with the totals ``go tool pprof`` reports,
and ours read back by ``go tool pprof``."""

from __future__ import annotations

import gzip
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.errors import ProfileFormatError
from workbench.profiles.io import read_profile, sniff_format, write_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.pprof_writer import pprof_bytes
from workbench.profiles.top import top_functions

GO = shutil.which("go")
pytestmark = pytest.mark.skipif(GO is None, reason="Go's toolchain (Debian golang-go) is needed")

PROGRAM = """
package main

import (
	"os"
	"runtime/pprof"
	"time"
)

//go:noinline
func hot(n int) int {
	s := 0
	for i := 0; i < n; i++ {
		s += i * i % 7
	}
	return s
}

//go:noinline
func mild(n int) int { return hot(n / 4) }

func main() {
	f, _ := os.Create(os.Args[1])
	pprof.StartCPUProfile(f)
	deadline := time.Now().Add(500 * time.Millisecond)
	s := 0
	for time.Now().Before(deadline) {
		s += hot(200000) + mild(200000)
	}
	pprof.StopCPUProfile()
	f.Close()
	if s == 42 {
		println(s)
	}
}
"""
#: A ``go tool pprof -top -unit=ns`` row: flat, flat%, sum%, cum, cum%, function.
_TOP_ROW = re.compile(r"^\s*(\d+)(?:ns)?\s+\S+%\s+\S+%\s+(\d+)(?:ns)?\s+\S+%\s+(.+)$")


def go_top(path: Path) -> dict[str, tuple[float, float]]:
    """``{function: (flat seconds, cum seconds)}`` as ``go tool pprof -top`` reports them."""
    result = subprocess.run(
        [str(GO), "tool", "pprof", "-top", "-unit=ns", "-nodecount=1000", str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    rows = {}
    for line in result.stdout.splitlines():
        match = _TOP_ROW.match(line)
        if match:
            rows[match[3].strip()] = (int(match[1]) * 1e-9, int(match[2]) * 1e-9)
    assert rows, result.stdout
    return rows


@pytest.fixture(scope="module")
def go_cpu_profile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("go")
    (folder / "main.go").write_text(PROGRAM)
    output = folder / "cpu.pprof"
    subprocess.run(
        [str(GO), "run", "main.go", str(output)], cwd=folder, check=True, timeout=300
    )
    return output


def test_go_cpu_profile_reads_with_go_tool_pprof_totals(go_cpu_profile: Path) -> None:
    assert sniff_format(go_cpu_profile.read_bytes()[:64]) == "pprof"
    profile = read_profile(go_cpu_profile)
    assert profile.meta.format == "pprof" and profile.meta.unit == "samples"
    assert profile.meta.rate == pytest.approx(100.0)  # Go samples CPU profiles every 10 ms
    expected = go_top(go_cpu_profile)
    top = top_functions(profile, top=None)
    ours = {item.key.qualname: (item.self_seconds, item.total_seconds) for item in top.by_self}
    assert set(ours) == set(expected)
    for name, (flat, cum) in expected.items():
        assert ours[name] == (pytest.approx(flat), pytest.approx(cum)), name
    hot = next(frame for frame in profile.frames if frame.function == "main.hot")
    assert hot.file.endswith("main.go") and hot.line is not None


def test_our_pprof_opens_in_go_tool_pprof_with_the_same_totals(tmp_path: Path) -> None:
    profile = Profile(ProfileMeta(unit="samples", rate=100.0, threads=['Thread 1 "main"']))
    work, parse = Frame("work", "app/work.py", 12), Frame("parse", "app/parse.py", 40)
    profile.add_frames([work], 30, thread=0)
    profile.add_frames([work, parse], 70, thread=0)
    profile.add_frames([Frame("idle", "app/loop.py", 3)], 100)
    path = tmp_path / "ours.pb.gz"
    assert main(["convert", "--to", "pprof", _collapsed(tmp_path, profile), str(path)]) == 0
    write_profile(profile, path, "pprof")
    expected = go_top(path)  # at 100 Hz a sample is 10 ms
    assert expected == {
        "parse": (pytest.approx(0.7), pytest.approx(0.7)),
        "work": (pytest.approx(0.3), pytest.approx(1.0)),
        "idle": (pytest.approx(1.0), pytest.approx(1.0)),
    }
    back = read_profile(path)
    assert back.total_weight == 200
    assert back.meta.rate == pytest.approx(100.0)
    assert back.meta.threads == ['Thread 1 "main"']
    assert sorted(frame.function for frame in back.frames) == ["idle", "parse", "work"]


def _collapsed(folder: Path, profile: Profile) -> str:
    path = folder / "in.txt"
    write_profile(profile, path, "collapsed")
    return str(path)


@pytest.mark.parametrize(
    ("content", "said"),
    [
        (gzip.compress(b"\x0a\x05hello\xff\xff"), "not a pprof profile"),
        (gzip.compress(b"")[:-6], "truncated gzip"),
        (b"\x1f\x8b" + b"\x00" * 30, "corrupt"),
        (gzip.compress(b"\x32\x02\x08\x05"), "no sample_type"),
    ],
)
def test_bad_pprof_is_one_line(tmp_path: Path, content: bytes, said: str) -> None:
    path = tmp_path / "bad.pb.gz"
    path.write_bytes(content)
    with pytest.raises(ProfileFormatError, match=said):
        read_profile(path)


def test_negative_values_are_bad_input(tmp_path: Path) -> None:
    profile = Profile(ProfileMeta(unit="samples"))
    profile.add_frames([Frame("f", "a.py", 1)], 5)
    minus_five = b"\xfb" + b"\xff" * 8 + b"\x01"
    data = pprof_bytes(profile).replace(b"\x12\x01\x05", b"\x12\x0a" + minus_five)
    path = tmp_path / "negative.pb.gz"
    path.write_bytes(gzip.compress(data))
    with pytest.raises(ProfileFormatError, match="negative"):
        read_profile(path)

"""Files of every shape other tools write, read with the totals those tools report.

The shapes are made from real captures (``real_profiles``) the way other
tools save them: UTF-16 with a BOM (Windows stackcollapse), CRLF, CR alone,
a tab before the count, invalid lines among valid ones; and a real program
recursing 500 deep under real pyinstrument and py-spy.
"""

from __future__ import annotations

import codecs
import json
import sys
from pathlib import Path

import pytest

from tests.helpers import run_together
from tests.profiles.conftest import RealProfiles
from tests.profiles.test_readers import folded_lines
from workbench.profiles.diff import diff_profiles
from workbench.profiles.io import read_profile

DEPTH = 500
RECURSION = f"""
import sys, time
sys.setrecursionlimit(5000)

def descend(n):
    if n == 0:
        deadline = time.monotonic() + 0.002
        while time.monotonic() < deadline:
            pass
        return 0
    return descend(n - 1) + 1

deadline = time.monotonic() + float(sys.argv[1])
while time.monotonic() < deadline:
    descend({DEPTH})
"""


def _reshaped(source: Path) -> dict[str, bytes]:
    text = source.read_text()
    lines = text.splitlines()
    return {
        "utf16-le": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "utf16-be": codecs.BOM_UTF16_BE + text.encode("utf-16-be"),
        "utf8-bom": codecs.BOM_UTF8 + text.encode(),
        "crlf": "\r\n".join(lines).encode() + b"\r\n",
        "cr-only": "\r".join(lines).encode() + b"\r",
        "tab": "\n".join(line[::-1].replace(" ", "\t", 1)[::-1] for line in lines).encode(),
        "invalid-lines": "".join(f"{line}\ngarbage without a count\n\n" for line in lines).encode(),
    }


@pytest.mark.parametrize(
    "shape", ["utf16-le", "utf16-be", "utf8-bom", "crlf", "cr-only", "tab", "invalid-lines"]
)
def test_reshaped_py_spy_capture_reads_with_py_spy_totals(
    shape: str, real_profiles: RealProfiles, tmp_path: Path
) -> None:
    expected = folded_lines(real_profiles.raw)
    path = tmp_path / f"{shape}.txt"
    path.write_bytes(_reshaped(real_profiles.raw)[shape])
    profile = read_profile(path)
    assert profile.total_weight == sum(count for _, count in expected)
    assert len(profile) == len(expected)
    if shape == "invalid-lines":
        assert f"skipped {len(expected)} invalid lines" in profile.meta.notes[0]
    else:
        assert not profile.meta.notes
    leaves = sorted(profile.frames[stack[-1]].function for stack, _, _ in profile.stacks())
    assert leaves == sorted(
        stack[-1].split(" (")[0] if stack[-1] else "(no Python frame)" for stack, _ in expected
    )


@pytest.fixture(scope="module")
def deep_captures(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("deep")
    script = folder / "recurse.py"
    script.write_text(RECURSION)
    spy = str(Path(sys.executable).with_name("py-spy"))
    outputs = {
        "pyinstrument-json": folder / "deep.json",
        "pyinstrument-session": folder / "deep.pyisession",
        "py-spy-speedscope": folder / "deep.speedscope.json",
        "py-spy-raw": folder / "deep.txt",
    }
    run = [str(script), "1"]
    commands = [
        [sys.executable, "-m", "pyinstrument", "-r", "json",
         "-o", str(outputs["pyinstrument-json"]), *run],
        [sys.executable, "-m", "pyinstrument", "-r", "pyisession",
         "-o", str(outputs["pyinstrument-session"]), *run],
        [spy, "record", "--rate", "200", "--format", "speedscope",
         "-o", str(outputs["py-spy-speedscope"]), "--", sys.executable, *run],
        [spy, "record", "--rate", "200", "--format", "raw",
         "-o", str(outputs["py-spy-raw"]), "--", sys.executable, *run],
    ]  # fmt: skip
    run_together(commands, cwd=folder)
    return outputs


def _deepest(path: Path) -> int:
    profile = read_profile(path)
    return max(
        sum(1 for frame_id in stack if profile.frames[frame_id].function == "descend")
        for stack, _, _ in profile.stacks()
    )


def test_pyinstrument_json_of_a_500_deep_recursion_reads_whole(
    deep_captures: dict[str, Path],
) -> None:
    path = deep_captures["pyinstrument-json"]
    document = json.loads(path.read_text()) if sys.getrecursionlimit() > 4 * DEPTH else None
    profile = read_profile(path)
    assert _deepest(path) == DEPTH + 1
    assert not profile.meta.notes  # nothing shortened
    if document is not None:  # pyinstrument's own total: the root frame's time
        assert profile.total_weight == pytest.approx(document["root_frame"]["time"], rel=1e-6)


@pytest.mark.parametrize("capture", ["pyinstrument-session", "py-spy-speedscope", "py-spy-raw"])
def test_deep_recursion_from_every_tool_reads_and_diffs(
    capture: str, deep_captures: dict[str, Path]
) -> None:
    path = deep_captures[capture]
    assert _deepest(path) >= DEPTH  # py-spy may miss the leaf level in a sample
    profile = read_profile(path)
    diff = diff_profiles(read_profile(deep_captures["pyinstrument-json"]), profile)
    descend = next(item for item in diff.functions if item.function == "descend")
    assert 0 < descend.branch_total_pct <= 100 + 1e-9  # counted once per stack, however deep
    if capture == "py-spy-raw":  # against plain splitting of py-spy's own lines
        lines = folded_lines(path)
        inside = sum(count for stack, count in lines if any("descend" in f for f in stack))
        share = 100 * inside / sum(count for _, count in lines)
        assert descend.branch_total_pct == pytest.approx(share)

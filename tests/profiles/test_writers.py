"""Writers: what we write reads back the same, and is what the viewers expect."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest

from tests.profiles.real_profiles import RealProfiles
from workbench.errors import OutputError, ProfileFormatError
from workbench.profiles.io import read_profile, write_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.writers import EXPORTER

#: speedscope's own test for a folded line (import/bg-flamegraph.ts); others are skipped.
SPEEDSCOPE_FOLDED_LINE = re.compile(r"^(.*) (\d+)$")
SPEEDSCOPE_UNITS = {"none", "nanoseconds", "microseconds", "milliseconds", "seconds", "bytes"}


def canonical(profile: Profile) -> Counter[tuple[str | None, tuple[Frame, ...]]]:
    """Weight per (thread label, frames): what must survive a round trip."""
    result: Counter[tuple[str | None, tuple[Frame, ...]]] = Counter()
    for stack, weight, thread in profile.stacks():
        label = profile.meta.threads[thread] if thread >= 0 else None
        result[(label, tuple(profile.frames[i] for i in stack))] += weight
    return result


def assert_same_stacks(before: Profile, after: Profile) -> None:
    expected, actual = canonical(before), canonical(after)
    assert actual.keys() == expected.keys()
    for key, weight in expected.items():
        assert actual[key] == pytest.approx(weight, abs=1e-6)
    assert after.meta.unit == before.meta.unit
    assert after.meta.threads == before.meta.threads


@pytest.mark.parametrize("fmt", ["collapsed", "speedscope"])
@pytest.mark.parametrize(
    "capture", ["raw", "raw_threads", "raw_nolineno", "speedscope", "pyinstrument_json"]
)
def test_round_trip_keeps_stacks_weights_and_threads(
    real_profiles: RealProfiles, tmp_path: Path, capture: str, fmt: str
) -> None:
    original = read_profile(getattr(real_profiles, capture))
    written = tmp_path / "out"
    write_profile(original, written, fmt)  # type: ignore[arg-type]
    again = read_profile(written)
    assert again.meta.format == fmt
    assert_same_stacks(original, again)
    write_profile(again, tmp_path / "twice", fmt)  # type: ignore[arg-type]
    assert (tmp_path / "twice").read_bytes() == written.read_bytes()


def _annotated_profile() -> Profile:
    meta = ProfileMeta(
        unit="samples",
        rate=250.0,
        duration=3.5,
        command="python app.py --fast",
        pid=4242,
        git_revision="0123abcd",
        captured_at="2026-11-23T10:00:00+00:00",
        name="nightly",
    )
    profile = Profile(meta)
    worker = profile.thread_index("worker pool; #2")  # not py-spy's spelling, on purpose
    profile.add_frames([Frame("main", "app.py", 3), Frame("[/]", "app.py", 9)], 5, worker)
    profile.add_frames([Frame("main", "app.py", 3)], 2)
    return profile


@pytest.mark.parametrize("fmt", ["collapsed", "speedscope"])
def test_metadata_and_unusual_names_survive(tmp_path: Path, fmt: str) -> None:
    profile = _annotated_profile()
    path = tmp_path / "annotated"
    write_profile(profile, path, fmt)  # type: ignore[arg-type]
    again = read_profile(path)
    assert_same_stacks(profile, again)
    for key in ("rate", "duration", "command", "pid", "git_revision", "captured_at", "name"):
        assert getattr(again.meta, key) == getattr(profile.meta, key), key


def test_seconds_survive_collapsed_as_integer_microseconds(
    real_profiles: RealProfiles, tmp_path: Path
) -> None:
    profile = read_profile(real_profiles.pyinstrument_json)
    path = tmp_path / "seconds.txt"
    write_profile(profile, path, "collapsed")
    lines = path.read_text().splitlines()
    assert lines[0].startswith("# workbench: ")
    assert all(SPEEDSCOPE_FOLDED_LINE.match(line) for line in lines)
    assert read_profile(path).total_weight == pytest.approx(profile.total_weight, abs=1e-5)


def test_collapsed_output_is_what_flamegraph_tools_read(
    real_profiles: RealProfiles, tmp_path: Path
) -> None:
    path = tmp_path / "threads.txt"
    write_profile(read_profile(real_profiles.raw_threads), path, "collapsed")
    text = path.read_text()
    # speedscope takes a file for folded stacks when every line ends in " COUNT" (import/index.ts)
    assert len(text.split("\n")) == len(re.split(r" \d+\r?\n", text))
    header, *lines = text.splitlines()
    assert header.startswith("# workbench: {") and header.endswith("} 0")  # weight 0: ignored
    assert lines and all(SPEEDSCOPE_FOLDED_LINE.match(line) for line in lines)
    assert all(line.startswith("thread (") for line in lines)  # py-spy's --threads spelling


def test_speedscope_output_follows_the_schema(real_profiles: RealProfiles, tmp_path: Path) -> None:
    path = tmp_path / "out.speedscope.json"
    write_profile(read_profile(real_profiles.raw_threads), path, "speedscope")
    document = json.loads(path.read_text())
    assert document["$schema"] == "https://www.speedscope.app/file-format-schema.json"
    assert document["exporter"] == EXPORTER
    frames = document["shared"]["frames"]
    assert frames and all(isinstance(frame["name"], str) for frame in frames)
    assert all(isinstance(frame.get("line", 0), int) for frame in frames)
    assert len(document["profiles"]) == 2  # one per thread
    for entry in document["profiles"]:
        assert entry["type"] == "sampled"
        assert entry["unit"] in SPEEDSCOPE_UNITS
        assert isinstance(entry["name"], str)
        assert len(entry["samples"]) == len(entry["weights"])
        assert all(0 <= index < len(frames) for stack in entry["samples"] for index in stack)
        assert entry["endValue"] - entry["startValue"] == pytest.approx(sum(entry["weights"]))


def test_unknown_output_format_and_unwritable_path_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ProfileFormatError, match="collapsed, speedscope or pprof"):
        write_profile(_annotated_profile(), tmp_path / "x", "svg")  # type: ignore[arg-type]
    with pytest.raises(OutputError, match="cannot write .*does not exist"):
        write_profile(_annotated_profile(), tmp_path / "no" / "such" / "dir.txt", "collapsed")

"""Readers on files written by the real tools, checked against independent computations."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from tests.profiles.real_profiles import (
    BACKGROUND_FUNCTION,
    BACKGROUND_THREAD,
    HOT_FUNCTION,
    RealProfiles,
)
from workbench.errors import ProfileFormatError
from workbench.profiles.io import read_profile, sniff_format
from workbench.profiles.model import Frame, Profile
from workbench.profiles.readers import NO_PYTHON_FRAME
from workbench.profiles.readers.collapsed import parse_frame


def folded_lines(path: Path) -> list[tuple[list[str], float]]:
    """The file's stacks and counts by plain string splitting (the independent computation)."""
    result = []
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            stack, _, count = line.rstrip().rpartition(" ")
            result.append((stack.split(";"), float(count)))
    return result


def self_weights(profile: Profile) -> Counter[str]:
    """Self weight per function name (the leaf of each stack).

    Samples without a Python frame are left out: on a loaded machine py-spy
    catches many of them while the interpreter starts, and they say nothing
    about the reader.
    """
    weights: Counter[str] = Counter()
    for stack, weight, _thread in profile.stacks():
        frame = profile.frames[stack[-1]]
        if frame != NO_PYTHON_FRAME:
            weights[frame.function] += weight
    return weights


def hot_share(profile: Profile) -> float:
    weights = self_weights(profile)
    return weights[HOT_FUNCTION] / sum(weights.values())


def functions(profile: Profile) -> set[str]:
    return {frame.function for frame in profile.frames}


# -- py-spy raw ----------------------------------------------------------------


def test_raw_totals_and_stacks_match_plain_splitting(real_profiles: RealProfiles) -> None:
    profile = read_profile(real_profiles.raw)
    expected = folded_lines(real_profiles.raw)
    assert profile.meta.format == "collapsed"
    assert profile.meta.unit == "samples"
    assert len(profile) == len(expected)
    assert profile.total_weight == sum(count for _, count in expected)
    for index, (names, count) in enumerate(expected):
        stack, weight, thread = next(iter([list(profile.stacks())[index]]))
        assert [profile.frames[i] for i in stack] == [parse_frame(name) for name in names]
        assert weight == count
        assert thread == -1


def test_raw_hot_function_has_most_self_samples(real_profiles: RealProfiles) -> None:
    profile = read_profile(real_profiles.raw)
    weights = self_weights(profile)
    assert weights.most_common(1)[0][0] == HOT_FUNCTION
    main = read_profile(real_profiles.raw_threads, thread="MainThread")
    assert hot_share(main) > 0.5
    hot_frames = [frame for frame in profile.frames if frame.function == HOT_FUNCTION]
    assert all(frame.file == "workload.py" and frame.line for frame in hot_frames)


def test_raw_threads_become_metadata_not_functions(real_profiles: RealProfiles) -> None:
    profile = read_profile(real_profiles.raw_threads)
    names = functions(profile)
    assert not any(name.startswith(("thread (", "process ")) for name in names)
    labels = profile.meta.threads
    assert any(label.endswith('"MainThread"') for label in labels)
    assert any(label.endswith(f'"{BACKGROUND_THREAD}"') for label in labels)
    assert all(label.startswith("Thread ") for label in labels)
    assert min(profile.stack_threads) >= 0
    expected = folded_lines(real_profiles.raw_threads)
    assert profile.total_weight == sum(count for _, count in expected)


def test_thread_selection_separates_the_threads(real_profiles: RealProfiles) -> None:
    merged = read_profile(real_profiles.raw_threads)
    main = read_profile(real_profiles.raw_threads, thread="MainThread")
    background = read_profile(real_profiles.raw_threads, thread=BACKGROUND_THREAD)
    assert HOT_FUNCTION in functions(main) and BACKGROUND_FUNCTION not in functions(main)
    assert BACKGROUND_FUNCTION in functions(background)
    assert HOT_FUNCTION not in functions(background)
    assert main.meta.threads == [label for label in merged.meta.threads if "MainThread" in label]
    assert main.total_weight + background.total_weight == pytest.approx(merged.total_weight)
    assert self_weights(main).most_common(1)[0][0] == HOT_FUNCTION
    thread_id = main.meta.threads[0].split()[1]
    by_id = read_profile(real_profiles.raw_threads, thread=thread_id)
    assert by_id.total_weight == main.total_weight


def test_unknown_thread_names_the_threads_there_are(real_profiles: RealProfiles) -> None:
    with pytest.raises(ProfileFormatError, match="no thread 'nope'.*MainThread"):
        read_profile(real_profiles.raw_threads, thread="nope")


def test_raw_without_line_numbers(real_profiles: RealProfiles) -> None:
    profile = read_profile(real_profiles.raw_nolineno)
    hot = [frame for frame in profile.frames if frame.function == HOT_FUNCTION]
    assert hot == [Frame(HOT_FUNCTION, "workload.py", None)]
    assert self_weights(profile).most_common(1)[0][0] == HOT_FUNCTION


# -- speedscope ----------------------------------------------------------------


def test_speedscope_from_py_spy(real_profiles: RealProfiles) -> None:
    document = json.loads(real_profiles.speedscope.read_text())
    profile = read_profile(real_profiles.speedscope)
    assert profile.meta.format == "speedscope"
    assert profile.meta.unit == "seconds"
    assert profile.total_weight == pytest.approx(
        sum(sum(entry["weights"]) for entry in document["profiles"])
    )
    assert profile.meta.threads == [entry["name"] for entry in document["profiles"]]
    # py-spy often does not know thread names yet (``Thread 5543 ""``): tell threads by content.
    per_thread = [
        read_profile(real_profiles.speedscope, thread=str(index))
        for index in range(len(profile.meta.threads))
    ]
    main = [thread for thread in per_thread if HOT_FUNCTION in functions(thread)]
    background = [thread for thread in per_thread if BACKGROUND_FUNCTION in functions(thread)]
    assert len(main) == 1 and len(background) == 1 and main[0] is not background[0]
    assert self_weights(main[0]).most_common(1)[0][0] == HOT_FUNCTION
    assert sum(thread.total_weight for thread in per_thread) == pytest.approx(profile.total_weight)
    hot = next(frame for frame in profile.frames if frame.function == HOT_FUNCTION)
    assert hot.file == str(real_profiles.workload)  # py-spy's speedscope paths are absolute


def test_speedscope_threads_frames_from_py_spy_are_not_functions(
    real_profiles: RealProfiles,
) -> None:
    # py-spy --threads puts ``thread (TID): name`` at the root of each speedscope
    # sample, as in its raw output; with --idle a sleeping thread is that frame alone.
    document = json.loads(real_profiles.speedscope_threads.read_text())
    frames = document["shared"]["frames"]
    roots = {frames[s[0]]["name"] for entry in document["profiles"] for s in entry["samples"] if s}
    assert any(root.startswith("thread (") for root in roots)  # the real thing has them
    profile = read_profile(real_profiles.speedscope_threads)
    assert not [name for name in functions(profile) if name.startswith(("thread (", "process "))]
    assert profile.total_weight == pytest.approx(
        sum(sum(entry["weights"]) for entry in document["profiles"])
    )
    assert all(stack for stack, _, _ in profile.stacks())  # a lone thread frame: no Python frame
    assert {HOT_FUNCTION, BACKGROUND_FUNCTION} <= functions(profile)
    assert len(profile.meta.threads) == len(document["profiles"])


#: An evented speedscope profile: ``outer`` open 0-10 ms, ``inner`` inside it 2-7 ms.
EVENTED = {
    "$schema": "https://www.speedscope.app/file-format-schema.json",
    "shared": {"frames": [{"name": "outer", "file": "a.py", "line": 1}, {"name": "inner"}]},
    "profiles": [
        {
            "type": "evented",
            "name": "main",
            "unit": "milliseconds",
            "startValue": 0,
            "endValue": 10,
            "events": [
                {"type": "O", "frame": 0, "at": 0},
                {"type": "O", "frame": 1, "at": 2},
                {"type": "C", "frame": 1, "at": 7},
                {"type": "C", "frame": 0, "at": 10},
            ],
        }
    ],
}


def test_speedscope_evented_profile_weights_time_with_the_stack_open(tmp_path: Path) -> None:
    path = tmp_path / "evented"
    path.write_text(json.dumps(EVENTED))
    profile = read_profile(path)
    stacks = {
        tuple(profile.frames[i].function for i in stack): weight
        for stack, weight, _ in profile.stacks()
    }
    assert stacks == {("outer",): pytest.approx(0.005), ("outer", "inner"): pytest.approx(0.005)}
    assert profile.meta.unit == "seconds"
    assert profile.meta.duration == pytest.approx(0.010)


def test_speedscope_evented_from_pyinstrument(real_profiles: RealProfiles) -> None:
    document = json.loads(real_profiles.pyinstrument_speedscope.read_text())
    (entry,) = document["profiles"]
    assert entry["type"] == "evented"
    open_time, depth, last = 0.0, 0, entry["startValue"]
    for event in entry["events"]:  # time with at least one frame open
        open_time += (event["at"] - last) if depth else 0.0
        depth += 1 if event["type"] == "O" else -1
        last = event["at"]
    profile = read_profile(real_profiles.pyinstrument_speedscope)
    assert profile.total_weight == pytest.approx(open_time)
    names = {document["shared"]["frames"][event["frame"]]["name"] for event in entry["events"]}
    assert functions(profile) == names
    assert profile.meta.threads == [entry["name"]]


# -- pyinstrument --------------------------------------------------------------


def path_totals(profile: Profile) -> Counter[tuple[str, ...]]:
    """Total weight under every call path (function names from the root)."""
    totals: Counter[tuple[str, ...]] = Counter()
    for stack, weight, _thread in profile.stacks():
        names = tuple(profile.frames[i].function for i in stack)
        for depth in range(1, len(names) + 1):
            totals[names[:depth]] += weight
    return totals


def test_pyinstrument_json_tree(real_profiles: RealProfiles) -> None:
    """Every real node's time is the weight of the stacks under its call path."""
    document = json.loads(real_profiles.pyinstrument_json.read_text())
    profile = read_profile(real_profiles.pyinstrument_json)
    assert profile.meta.format == "pyinstrument"
    assert profile.meta.unit == "seconds"
    assert profile.meta.duration == pytest.approx(document["duration"])
    assert not any(name.startswith("[") for name in functions(profile))
    totals = path_totals(profile)
    pending = [(document["root_frame"], ())]
    checked = 0
    while pending:
        node, parent = pending.pop()
        if node["function"].startswith("["):  # pyinstrument's synthetic [self], [await]
            continue
        name = (
            f"{node['class_name']}.{node['function']}" if "class_name" in node else node["function"]
        )
        path = (*parent, name)
        assert totals[path] == pytest.approx(node["time"], abs=1e-5), path
        checked += 1
        pending.extend((child, path) for child in node["children"])
    assert checked == len(totals)


def test_pyinstrument_session(real_profiles: RealProfiles) -> None:
    """Self time per function equals the records' time summed by their innermost real frame."""
    document = json.loads(real_profiles.pyinstrument_session.read_text())
    profile = read_profile(real_profiles.pyinstrument_session)
    assert profile.meta.format == "pyinstrument"
    assert profile.total_weight == pytest.approx(sum(t for _, t in document["frame_records"]))
    assert any('"MainThread"' in label for label in profile.meta.threads)
    expected: Counter[str] = Counter()
    for call_stack, seconds in document["frame_records"]:
        real = [info for info in call_stack if not info.startswith("[") and "<thread>" not in info]
        if not real:
            continue
        leaf = real[-1].split("\x01")[0].split("\x00")[0]
        classes = [part[1:] for part in real[-1].split("\x01")[1:] if part.startswith("c")]
        expected[f"{classes[0]}.{leaf}" if classes else leaf] += seconds
    actual = self_weights(profile)
    assert actual.keys() == expected.keys()
    for function, seconds in expected.items():
        assert actual[function] == pytest.approx(seconds), function


# -- sniffing --------------------------------------------------------------------


def test_format_comes_from_content_not_file_name(
    real_profiles: RealProfiles, tmp_path: Path
) -> None:
    misleading = {
        real_profiles.raw: ("profile.json", "collapsed"),
        real_profiles.speedscope: ("profile.txt", "speedscope"),
        real_profiles.pyinstrument_json: ("stacks.folded", "pyinstrument"),
    }
    for source, (name, expected) in misleading.items():
        copy = tmp_path / name
        shutil.copy(source, copy)
        assert sniff_format(copy.read_bytes()[:4096]) == expected
        assert read_profile(copy).meta.format == expected


# -- collapsed details -----------------------------------------------------------


def test_collapsed_tolerates_crlf_blank_lines_trailing_blanks_and_decimals(tmp_path: Path) -> None:
    path = tmp_path / "messy"
    path.write_bytes(b"a (x.py:1);b (x.py:2) 3  \r\n\r\n\r\na (x.py:1) 1.5\r\nc 2")
    profile = read_profile(path)
    assert [(len(stack), weight) for stack, weight, _ in profile.stacks()] == [
        (2, 3.0),
        (1, 1.5),
        (1, 2.0),
    ]
    assert profile.frames[0] == Frame("a", "x.py", 1)


def test_a_stray_carriage_return_is_part_of_a_name(tmp_path: Path) -> None:
    path = tmp_path / "cr"
    path.write_bytes(b"a\rb;c 3\nd 1\n")
    profile = read_profile(path)
    assert [frame.function for frame in profile.frames] == ["a\rb", "c", "d"]


def test_markup_like_names_are_data(tmp_path: Path) -> None:
    path = tmp_path / "names"
    path.write_text("[/];[@click=app.quit]x (a.py:3) 4\n[bold]y 1\n")
    names = [frame.function for frame in read_profile(path).frames]
    assert names == ["[/]", "[@click=app.quit]x", "[bold]y"]


def test_many_chunks_and_many_distinct_frames_match_plain_splitting(tmp_path: Path) -> None:
    """Over 4 MB (several read chunks) and 30,000 distinct frames (frame-table overflow)."""
    rng = random.Random(7)
    labels = [f"f{i} (pkg/m{i % 97}.py:{i % 300})" for i in range(30_000)]
    lines = [
        ";".join(rng.choice(labels) for _ in range(rng.randint(20, 40))) + f" {rng.randint(1, 9)}"
        for _ in range(7_000)
    ]
    path = tmp_path / "big"
    path.write_text("\n".join(lines) + "\n")
    assert path.stat().st_size > 4 * 1024 * 1024
    profile = read_profile(path)
    expected = folded_lines(path)
    assert len(profile) == len(expected)
    for (stack, weight, _), (names, count) in zip(profile.stacks(), expected, strict=True):
        assert [profile.frames[i].label() for i in stack] == names
        assert weight == count


# -- bad input -------------------------------------------------------------------


def _bad_files(tmp_path: Path, real_profiles: RealProfiles) -> dict[str, tuple[Path, str]]:
    """Each bad file and a fragment its error must contain."""
    files = {
        "empty": (b"", "empty"),
        "blank": (b"\n  \n", "empty"),
        "binary": (b"\x7fELF\x02\x01\x01\x00\x00\x00" * 20, "binary"),
        "latin1": ("frame;caf\xe9 3\n".encode("latin-1"), "not UTF-8"),
        "csv": (b"function,self,total\nmain,10,20\n", "not a profile"),
        "foreign.json": (b'{"a": 1}', "not a profile"),
        "package.json": (b'{"name": "x", "version": "1.0.0", "dependencies": {}}', "not a profile"),
        "array.json": (b"[1, 2, 3]", "not a profile"),
        "no_count": (b"a;b 3\nc;d\ne;f\n", "line 2"),
        "bad_unit.json": (
            b'{"shared": {"frames": []}, "profiles": [{"type": "sampled", "unit": "parsecs"}]}',
            "units",
        ),
        # Past Python's 4,300-digit limit json.loads raises a bare ValueError.
        "digits.json": (b'{"shared": {"frames": []}, "x": ' + b"9" * 5000 + b"}", "digits"),
        "digits.txt": (b'# workbench: {"rate": ' + b"9" * 5000 + b"} 0\na;b 1\n", "header"),
    }
    result = {}
    for name, (content, fragment) in files.items():
        path = tmp_path / name
        path.write_bytes(content)
        result[name] = (path, fragment)
    truncated_json = tmp_path / "truncated.json"
    truncated_json.write_bytes(real_profiles.speedscope.read_bytes()[:-40])
    result["truncated.json"] = (truncated_json, "truncated")
    # Cut in the middle of a string (a file name), as a copy cut anywhere would be.
    document = real_profiles.pyinstrument_json.read_bytes()
    in_string = tmp_path / "cut-in-string.json"
    in_string.write_bytes(document[: document.index(b'"file_path"') + 5])
    result["cut-in-string.json"] = (in_string, "truncated")
    # Only zero-weight stacks (our writer's header line alone, or py-spy's count 0).
    zero = tmp_path / "zero.txt"
    zero.write_bytes(b"main (a.py:1);work (a.py:5) 0\n")
    result["zero.txt"] = (zero, "no samples")
    raw = real_profiles.raw.read_bytes().rstrip(b"\n")
    truncated_raw = tmp_path / "truncated.txt"
    truncated_raw.write_bytes(raw[: raw.rindex(b" (")])
    result["truncated.txt"] = (truncated_raw, "truncated")
    result["missing"] = (tmp_path / "does-not-exist.txt", "no such file")
    result["directory"] = (tmp_path, "directory")
    return result


def test_bad_files_get_one_line_naming_file_and_problem(
    tmp_path: Path, real_profiles: RealProfiles
) -> None:
    for name, (path, fragment) in _bad_files(tmp_path, real_profiles).items():
        with pytest.raises(ProfileFormatError) as caught:
            read_profile(path)
        message = str(caught.value)
        assert "\n" not in message, name
        assert str(path) in message, name
        assert fragment in message, (name, message)
        if fragment == "not a profile":
            assert "speedscope" in message and "pyinstrument" in message and "collapsed" in message


@pytest.mark.parametrize(
    ("head", "expected"),
    [
        (b" 238\nmain (a.py:1);work (a.py:5) 3\n", "collapsed"),  # py-spy's empty stack first
        (b"\xef\xbb\xbfmain;work 3\r\n", "collapsed"),
        (b'{"$schema":"https://www.speedscope.app/file-format-schema.json"', "speedscope"),
        (
            b'{"start_time": 1.0, "duration": 2.0, "sample_count": 3, "root_frame": {',
            "pyinstrument",
        ),
        (b'{"name": "pkg", "version": "1.0"}', "json"),
        (b"", "empty"),
        (b"\x00\x01\x02", "binary"),
        (b"\xff\xfe\xfa", "binary"),
        (b"function,self\nmain,3\n", "unknown"),
    ],
)
def test_sniff_format(head: bytes, expected: str) -> None:
    assert sniff_format(head) == expected


def test_cli_reports_bad_files_in_one_line_with_exit_2(
    tmp_path: Path, real_profiles: RealProfiles
) -> None:
    bad = _bad_files(tmp_path, real_profiles)
    for name in ("binary", "truncated.json", "missing"):
        path = bad[name][0]
        result = subprocess.run(
            [sys.executable, "-m", "workbench", "show", str(path)],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2, (name, result.stderr)
        assert "Traceback" not in result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("workbench: error:"), lines
        assert str(path) in lines[0]


def test_py_spy_process_and_hex_thread_frames(tmp_path: Path) -> None:
    path = tmp_path / "subprocesses"
    path.write_text(
        'process 12:"python app.py";thread (0x7F01): MainThread;main (a.py:1);work (a.py:9) 3\n'
        'process 12:"python app.py";thread (0x7F02);main (a.py:1) 2\n'
        'process 12:"python app.py";thread (0x7F02): pool-1;idle (a.py:20) 1\n'
    )
    profile = read_profile(path)
    assert (profile.meta.pid, profile.meta.command) == (12, "python app.py")
    assert profile.meta.threads == ['Thread 0x7F01 "MainThread"', 'Thread 0x7F02 "pool-1"']
    assert functions(profile) == {"main", "work", "idle"}
    assert read_profile(path, thread="0x7f02").total_weight == 3
    assert read_profile(path, thread="pool-1").total_weight == 3


def test_processes_stand_for_threads_without_thread_frames(tmp_path: Path) -> None:
    path = tmp_path / "processes"
    path.write_text(
        'process 7:"python a.py";main (a.py:1) 4\nprocess 8:"python b.py";main (b.py:1) 1\n'
    )
    profile = read_profile(path)
    assert profile.meta.threads == ['process 7 "python a.py"', 'process 8 "python b.py"']
    assert read_profile(path, thread="1").total_weight == 1

"""Fuzzed profiles through the real CLI: exit 0, 1 or 2, no traceback, strict JSON, bounded memory.

Each format we read (pprof too) gets a few hundred mutants from fixed seeds: byte-level
(flips, cuts, duplicated or deleted ranges, inserted junk) and, for JSON,
value-level (a value replaced by ``Infinity``, ``NaN``, ``-1``, ``1e308``, a
lone surrogate, a number where a string belongs, deep nesting...). Every
mutant is diffed and gated against a good base through ``workbench.cli.main``
in this process: any exception other than the one-line errors fails the test
with its traceback.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.profiles.test_readers import EVENTED
from workbench.cli import main
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.pprof_writer import pprof_bytes

MUTANTS = 150
#: Peak memory one mutant may take (Python and numpy allocations): the inputs are a few KB.
PEAK_BYTES = 64 << 20

SPEEDSCOPE_SAMPLED: dict[str, Any] = {
    "$schema": "https://www.speedscope.app/file-format-schema.json",
    "shared": {
        "frames": [
            {"name": "main", "file": "app.py", "line": 1},
            {"name": "work", "file": "app.py", "line": 9},
            {"name": "thread (7): worker"},
            {"name": "parse", "file": "lib/parse.py", "line": 30},
        ]
    },
    "profiles": [
        {
            "type": "sampled",
            "name": 'Thread 7 "worker"',
            "unit": "none",
            "startValue": 0,
            "endValue": 9,
            "samples": [[0, 1], [0, 1, 3], [2, 0, 3], [0]],
            "weights": [3, 2, 1, 3],
        }
    ],
}
PYINSTRUMENT_TREE: dict[str, Any] = {
    "start_time": 1_700_000_000.5,
    "duration": 1.0,
    "target_description": "Program: app.py",
    "root_frame": {
        "function": "<module>",
        "file_path": "app.py",
        "line_no": 1,
        "time": 1.0,
        "children": [
            {
                "function": "work",
                "file_path": "app.py",
                "line_no": 9,
                "class_name": "Job",
                "time": 0.75,
                "children": [{"function": "[self]", "file_path": "", "time": 0.25}],
            }
        ],
    },
}
PYINSTRUMENT_SESSION: dict[str, Any] = {
    "start_time": 1_700_000_000.5,
    "duration": 1.0,
    "frame_records": [
        [
            [
                "MainThread\x00<thread>\x001",
                "<module>\x00app.py\x001",
                "work\x00app.py\x009\x01cJob",
            ],
            0.5,
        ],
        [["MainThread\x00<thread>\x001", "<module>\x00app.py\x001"], 0.25],
    ],
}
COLLAPSED = (
    "main (app.py:1);work (app.py:9) 30\n"
    "main (app.py:1);work (app.py:9);parse (lib/parse.py:30) 12\n"
    "thread (7): worker;main (app.py:1) 5\n"
    " 2\n"
)

STRANGE_VALUES: list[Any] = [
    float("inf"),
    float("-inf"),
    float("nan"),
    -1,
    -5.5,
    1e308,
    10**400,
    0,
    "\ud800",
    "x" * 300,
    7,
    True,
    None,
    [],
    {},
    [[[[[[[[[[1]]]]]]]]]],
    "1e308",
]


def _json_mutant(document: Any, rng: random.Random) -> bytes:
    """``document`` with one value (or key) replaced by a strange one."""
    document = json.loads(json.dumps(document))
    containers: list[tuple[Any, Any]] = []
    pending: list[Any] = [document]
    while pending:
        node = pending.pop()
        keys = node.keys() if isinstance(node, dict) else range(len(node))
        for key in list(keys):
            containers.append((node, key))
            if isinstance(node[key], dict | list):
                pending.append(node[key])
    node, key = rng.choice(containers)
    if rng.random() < 0.1 and isinstance(node, dict):
        node[rng.choice(["\ud800", "unit", "profiles", "frame"])] = node.pop(key)
    else:
        node[key] = rng.choice(STRANGE_VALUES)
    return json.dumps(document, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogatepass")


def _byte_mutant(data: bytes, rng: random.Random) -> bytes:
    """``data`` with a few byte-level edits."""
    data = bytearray(data)
    for _ in range(rng.randint(1, 4)):
        if not data:
            break
        at = rng.randrange(len(data))
        edit = rng.randrange(6)
        if edit == 0:
            data[at] = rng.randrange(256)
        elif edit == 1:
            del data[at : at + rng.randint(1, 20)]
        elif edit == 2:
            data[at:at] = rng.choice([b";", b" ", b"\t", b"\r", b"\n", b"-1", b"\x00", b"9" * 30])
        elif edit == 3:
            data[at:at] = data[at : at + rng.randint(1, 40)] * rng.randint(1, 5)
        elif edit == 4:
            data = data[:at]
        else:
            data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    return bytes(data)


def _seeds() -> dict[str, tuple[bytes, Callable[[random.Random], bytes]]]:
    def json_seed(document: dict[str, Any]) -> tuple[bytes, Callable[[random.Random], bytes]]:
        data = json.dumps(document).encode()
        return data, lambda rng: (
            _json_mutant(document, rng) if rng.random() < 0.7 else _byte_mutant(data, rng)
        )

    collapsed = COLLAPSED.encode()
    message = pprof_bytes(_pprof_seed())
    return {
        "collapsed": (collapsed, lambda rng: _byte_mutant(collapsed, rng)),
        # Mutated inside the gzip (else its checksum refuses every mutant), some outside.
        "pprof": (
            gzip.compress(message),
            lambda rng: (
                gzip.compress(_byte_mutant(message, rng))
                if rng.random() < 0.8
                else _byte_mutant(gzip.compress(message), rng)
            ),
        ),
        "speedscope-sampled": json_seed(SPEEDSCOPE_SAMPLED),
        "speedscope-evented": json_seed(EVENTED),
        "pyinstrument-tree": json_seed(PYINSTRUMENT_TREE),
        "pyinstrument-session": json_seed(PYINSTRUMENT_SESSION),
    }


def _pprof_seed() -> Profile:
    profile = Profile(ProfileMeta(unit="samples", rate=100.0, threads=['Thread 1 "main"']))
    main_frame, work = Frame("main", "app.py", 1), Frame("work", "app.py", 9)
    profile.add_frames([main_frame, work], 30, thread=0)
    profile.add_frames([main_frame], 12)
    return profile


def _strict(text: str) -> None:
    """Parse ``text`` as JSON, refusing the non-standard NaN and Infinity."""

    def refuse(token: str) -> None:
        raise AssertionError(f"non-standard JSON constant {token}")

    json.loads(text, parse_constant=refuse)


def _run(argv: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("kind", list(_seeds()))
def test_mutants_exit_0_or_2_with_strict_json(kind: str, tmp_path: Path) -> None:
    seed, mutate = _seeds()[kind]
    base = tmp_path / "base.txt"
    base.write_text(COLLAPSED)
    original = tmp_path / "original"
    original.write_bytes(seed)
    code, out, _ = _run(["diff", str(base), str(original), "--format", "json"])
    assert code == 0, f"the {kind} seed itself must read"
    _strict(out)
    rng = random.Random(f"fuzz-{kind}")
    outcomes = {0: 0, 1: 0, 2: 0}
    mutant = tmp_path / "mutant"
    tracemalloc.start()
    try:
        for number in range(MUTANTS):
            data = mutate(rng)
            mutant.write_bytes(data)
            tracemalloc.reset_peak()
            # The gate reads, diffs and judges: every path a mutant can break.
            code, out, err = _run(["gate", str(base), str(mutant), "--format", "json"])
            assert code in (0, 1, 2), (number, data[:200])
            if code == 2:
                assert out == "" and err.startswith("workbench: error: "), (number, err)
                assert err.count("\n") == 1 + err.count("workbench: note:"), (number, err)
            else:
                _strict(out)
                assert json.loads(out)["passed"] is (code == 0)
            outcomes[code] += 1
            assert tracemalloc.get_traced_memory()[1] < PEAK_BYTES, (number, data[:200])
    finally:
        tracemalloc.stop()
    # The mutants must exercise both sides: some still read, some are refused.
    assert outcomes[2] > 0 and outcomes[0] + outcomes[1] > 0, outcomes

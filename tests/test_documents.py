"""The shared readers of user files: every bad file is one ``WorkbenchError`` line naming
it, never a traceback, and a pipe is read once."""

from __future__ import annotations

import gzip
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pytest

from workbench.documents import (
    FieldProblem,
    csv_rows,
    fields_of,
    gunzip,
    number,
    parse_json,
    read_json,
    read_text,
    read_toml,
    text,
    typed,
)
from workbench.errors import WorkbenchError


class Refused(WorkbenchError):
    """The error class the callers pass in."""


def refusal(call, *args, **kwargs) -> str:
    """The one line ``call`` refused with."""
    with pytest.raises(Refused) as caught:
        call(*args, **kwargs)
    message = str(caught.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b'{"a": [1, 2', "truncated JSON"),
        (b'{"a": "unclosed', "truncated JSON"),
        (b'{"a": }', "malformed JSON"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'{"a": ' + b"1" * 5000 + b"}", "thousands of digits"),
        (b'{"a": "\xff"}', "not UTF-8 text (byte 7)"),
        (b"\x00\x01binary", "is binary"),
    ],
)
def test_a_bad_json_file_is_one_line_naming_it(tmp_path: Path, content: bytes, says: str) -> None:
    path = tmp_path / "doc\x1b[31m.json"  # an escape sequence in the name is shown, not sent
    path.write_bytes(content)
    message = refusal(read_json, path, Refused, what="summary")
    assert says in message and "\x1b" not in message and "doc" in message


def test_a_bom_is_allowed_and_a_missing_file_or_folder_is_named(tmp_path: Path) -> None:
    (tmp_path / "bom.json").write_bytes(b'\xef\xbb\xbf{"a": 1}')
    assert read_json(tmp_path / "bom.json", Refused) == {"a": 1}
    assert "summary" in refusal(read_json, tmp_path / "nope.json", Refused, what="summary")
    assert "is a folder" in refusal(read_text, tmp_path, Refused)


def test_a_file_past_the_limit_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"x" * 3000)
    assert "larger than" in refusal(read_text, path, Refused, limit=2048)
    assert read_text(path, Refused, limit=4096) == "x" * 3000


def test_a_fifo_is_read_once_to_its_end(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    writer = threading.Thread(target=lambda: fifo.write_text('{"from": "a pipe"}'))
    writer.start()
    assert read_json(fifo, Refused) == {"from": "a pipe"}
    writer.join(timeout=10)
    assert fifo.exists() and not fifo.is_file()  # still the FIFO it was


def test_toml_that_is_invalid_or_too_deep(tmp_path: Path) -> None:
    path = tmp_path / "x.toml"
    path.write_text("[table\n")
    assert "not valid TOML" in refusal(read_toml, path, Refused)
    path.write_text("x = " + "[" * 50_000)
    assert refusal(read_toml, path, Refused)


def test_gzip_that_is_corrupt_truncated_or_a_bomb() -> None:
    packed = gzip.compress(b"a" * 5000)
    assert gunzip(packed, "x.gz", Refused) == b"a" * 5000
    assert "truncated" in refusal(gunzip, packed[:-12], "x.gz", Refused)
    assert "corrupt" in refusal(gunzip, packed[:10] + b"\xff" * 20, "x.gz", Refused)
    assert "more than" in refusal(gunzip, packed, "x.gz", Refused, limit=1000)


def test_csv_rows_number_lines_and_refuse_a_field_past_the_limit() -> None:
    assert list(csv_rows("a,b\n1,2\n", "x.csv", Refused)) == [(1, ["a", "b"]), (2, ["1", "2"])]
    assert "malformed CSV" in refusal(list, csv_rows('"' + "x" * 200_000, "x.csv", Refused))


@pytest.mark.parametrize(
    ("value", "bounds", "says"),
    [
        (True, {}, "must be a number"),
        ("3", {}, "must be a number"),
        (float("nan"), {}, "finite"),
        (float("inf"), {}, "finite"),
        (10**400, {}, "too large"),
        (-1, {}, "out of range; expected a number at least 0"),
        (101, {"high": 100}, "at most 100"),
        (1.5, {"integer": True}, "whole number"),
    ],
)
def test_number_refuses_what_no_gate_can_use(value: object, bounds: dict, says: str) -> None:
    with pytest.raises(FieldProblem, match=says):
        number(value, "rate", **bounds)


def test_text_keeps_what_utf8_can_hold() -> None:
    assert text("a\ud800b", "name") == "a\ufffdb"
    with pytest.raises(FieldProblem, match="must be a string"):
        text(7, "name")


@dataclass
class Inner:
    kind: Literal["base", "branch"]
    seconds: float


@dataclass
class Outer:
    name: str
    runs: list[Inner]
    counts: dict[str, int] = field(default_factory=dict)
    note: str | None = None


def test_typed_checks_each_field_and_ignores_newer_keys() -> None:
    data = {"name": "n", "runs": [{"kind": "base", "seconds": 1}], "added_later": 1}
    assert typed(Outer, data, "doc") == Outer("n", [Inner("base", 1.0)])
    for broken, says in (
        ({"runs": []}, "doc has no 'name'"),
        ({**data, "runs": [{"kind": "left", "seconds": 1}]}, r"doc.runs\[0\].kind must be one"),
        ({**data, "runs": [{"kind": "base", "seconds": "x"}]}, "seconds must be a number"),
        ({**data, "counts": {"a": 2**64}}, "out of range"),
        ({**data, "note": 3}, "note must be a string"),
        ({**data, "runs": {}}, "must be a list"),
    ):
        with pytest.raises(FieldProblem, match=says):
            typed(Outer, broken, "doc")


def test_fields_of_turns_a_shape_error_into_one_line_naming_the_file() -> None:
    with pytest.raises(Refused, match=r"^f\.json: malformed summary \(KeyError: 'rows'\)$"):
        with fields_of("f.json", Refused, "summary"):
            {}["rows"]  # noqa: B018 - the lookup a hand-written reader does
    with pytest.raises(Refused, match=r"^f\.json: rate must be a number"):
        with fields_of("f.json", Refused, "summary"):
            number("x", "rate")


def test_parse_json_of_text_in_memory() -> None:
    assert parse_json("[1]", "stdin", Refused, "list") == [1]

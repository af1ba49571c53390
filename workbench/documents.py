"""Reading the files a user hands us (other than profiles): one way to open, decode,
parse and check them, so a bad file is one line naming it and never a traceback.

Capture manifests, cycle files and stored load-test results, SLO and waiver files,
``[tool.workbench]`` tables, keymaps and backlog imports were each read by their own
few lines, and each missed a different case: a byte that is not UTF-8, a FIFO read
twice, JSON nested 100,000 deep (the C parser recurses), an integer too large for a
float, ``"rate": "x"`` in a document we wrote ourselves. The rules here hold for all:

* :func:`read_bytes` opens the file **once** (``<(cmd)`` and FIFOs work), refuses a
  folder and anything larger than ``limit``; a missing or unreadable file is one line;
* :func:`read_text` decodes UTF-8 (a BOM is allowed) and refuses NUL bytes (binary);
* :func:`parse_json` / :func:`read_json` say *truncated* when the text ends inside
  the document and refuse nesting deeper than the parser can take, and integers
  longer than Python converts (4,300 digits);
* :func:`read_toml` does the same for TOML, :func:`csv_rows` for CSV rows;
* :func:`number` and :func:`text` check one value; :func:`typed` builds a dataclass
  from a JSON object field by field from its annotations (a newer version's extra
  keys are ignored, a missing or mistyped field is named);
* :func:`fields_of` turns what they raise (and the ``KeyError``/``TypeError``… of
  hand-written readers) into the caller's error class, naming the file.

A leaf: it imports nothing from the workbench but its errors and output helpers.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import os
import stat
import tomllib
import types
import typing
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from workbench.errors import WorkbenchError
from workbench.output import LONE_SURROGATE, plain

#: Inputs are summaries and settings: anything larger is not one of them.
MAX_BYTES = 256 << 20
#: Integers we store or compute with (SQLite's INTEGER, numpy's int64).
MAX_INT = 2**63 - 1
#: Exceptions that mean "the document does not have the shape we read".
MALFORMED = (KeyError, IndexError, TypeError, ValueError, AttributeError, OverflowError)

T = TypeVar("T")


class FieldProblem(ValueError):
    """A value has the wrong type or is out of bounds; the message names the place."""


def read_bytes(
    path: str | Path, error: type[WorkbenchError], *, what: str = "file", limit: int = MAX_BYTES
) -> bytes:
    """All of ``path``, read through one open (a pipe can be read only once)."""
    name = plain(path)
    try:
        with open(path, "rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise error(f"{name} is a folder, not a {what}")
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                data = b""
                too_large = True
            else:
                data = _read_up_to(handle, limit + 1)
                too_large = len(data) > limit
    except FileNotFoundError:
        raise error(f"{what} {name} does not exist") from None
    except IsADirectoryError:
        raise error(f"{name} is a folder, not a {what}") from None
    except OSError as problem:
        raise error(f"cannot read {name}: {problem.strerror or problem}") from None
    if too_large:
        raise error(f"{name} is larger than a {what} can be ({limit >> 20} MiB)")
    return data


def _read_up_to(handle: Any, size: int) -> bytes:
    """At most ``size`` bytes, in chunks: ``read(size)`` would allocate ``size`` bytes at
    once, however small the file (a pipe or a device has no size to ask first)."""
    chunks, total = [], 0
    while total < size:
        chunk = handle.read(min(1 << 20, size - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def gunzip(
    data: bytes, source: str | Path, error: type[WorkbenchError], limit: int = MAX_BYTES
) -> bytes:
    """The gzip member ``data`` inflated; past ``limit`` bytes it is refused (a "zip bomb"
    must not exhaust memory), and so is corrupt or truncated data."""
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # gzip framing
    try:
        inflated = inflate.decompress(data, limit)
    except zlib.error as problem:
        raise error(f"{plain(source)}: gzip data is corrupt ({problem})") from None
    if inflate.unconsumed_tail:
        raise error(f"{plain(source)}: decompresses to more than {limit >> 20} MiB; not read")
    if not inflate.eof:
        raise error(f"{plain(source)}: truncated gzip data; copy or capture it again")
    return inflated


def decode_text(data: bytes, source: str | Path, error: type[WorkbenchError], what: str) -> str:
    """``data`` as text: UTF-8 with or without a BOM; NUL bytes mean binary."""
    if b"\0" in data:
        raise error(f"{plain(source)} is binary, not a {what}")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise error(
            f"{plain(source)} is not UTF-8 text (byte {problem.start}); save the {what} as UTF-8"
        ) from None


def read_text(
    path: str | Path, error: type[WorkbenchError], *, what: str = "file", limit: int = MAX_BYTES
) -> str:
    """``path`` as UTF-8 text (see :func:`read_bytes` and :func:`decode_text`)."""
    return decode_text(read_bytes(path, error, what=what, limit=limit), path, error, what)


def parse_json(text: str, source: str | Path, error: type[WorkbenchError], what: str) -> Any:
    """The JSON document in ``text``; truncated, malformed or too deep is one line."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        if problem.pos >= len(text.rstrip()) or problem.msg.startswith("Unterminated string"):
            raise error(
                f"{plain(source)}: truncated JSON (it ends before the document closes); "
                f"copy the {what} again"
            ) from None
        raise error(f"{plain(source)}: malformed JSON ({problem})") from None
    except ValueError:  # an integer literal past Python's 4,300-digit limit
        raise error(
            f"{plain(source)}: a number in it has thousands of digits; not a {what}"
        ) from None
    except RecursionError:
        raise error(f"{plain(source)}: JSON nested too deeply to be a {what}") from None


def read_json(
    path: str | Path, error: type[WorkbenchError], *, what: str = "file", limit: int = MAX_BYTES
) -> Any:
    """The JSON document in file ``path`` (see :func:`read_text` and :func:`parse_json`)."""
    return parse_json(read_text(path, error, what=what, limit=limit), path, error, what)


def parse_toml(text: str, source: str | Path, error: type[WorkbenchError]) -> dict[str, Any]:
    """The TOML document in ``text``; invalid or too deep is one line."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as problem:
        raise error(f"{plain(source)} is not valid TOML: {problem}") from None
    except RecursionError:
        raise error(f"{plain(source)}: TOML nested too deeply") from None


def read_toml(
    path: str | Path, error: type[WorkbenchError], *, what: str = "file"
) -> dict[str, Any]:
    """The TOML document in file ``path``."""
    return parse_toml(read_text(path, error, what=what), path, error)


def csv_rows(
    text: str, source: str | Path, error: type[WorkbenchError], dialect: Any = csv.excel
) -> Iterator[tuple[int, list[str]]]:
    """``(line number, cells)`` of each row of CSV ``text``; a row the csv module refuses
    (a field past its size limit, an unclosed quote at a NUL) is one ``error`` line."""
    reader = csv.reader(io.StringIO(text), dialect)
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as problem:
            raise error(
                f"{plain(source)}: line {reader.line_num}: malformed CSV ({plain(problem)})"
            ) from None
        yield reader.line_num, row


@contextmanager
def fields_of(source: str | Path, error: type[WorkbenchError], what: str) -> Iterator[None]:
    """Turn a :class:`FieldProblem`, or a document of the wrong shape met by hand-written
    code (:data:`MALFORMED`), into one ``error`` line naming ``source``."""
    try:
        yield
    except FieldProblem as problem:
        raise error(f"{plain(source)}: {plain(problem)}") from None
    except MALFORMED as problem:
        detail = plain(f"{type(problem).__name__}: {problem}")[:120]
        raise error(f"{plain(source)}: malformed {what} ({detail})") from None


def number(
    value: Any,
    what: str,
    *,
    low: float = 0.0,
    high: float = math.inf,
    integer: bool = False,
) -> Any:
    """``value`` if it is a finite number from ``low`` to ``high`` (an int if ``integer``).

    ``true`` is not a number, and neither is an integer too large for a float.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise FieldProblem(f"{what} must be a number, not {_shown(value)}")
    if integer and not isinstance(value, int):
        raise FieldProblem(f"{what} must be a whole number, not {_shown(value)}")
    try:
        as_float = float(value)
    except OverflowError:
        raise FieldProblem(f"{what} = {_shown(value)} is too large") from None
    if not math.isfinite(as_float):
        raise FieldProblem(f"{what} must be a finite number, not {_shown(value)}")
    if not low <= value <= high:
        bounds = " and ".join(
            part
            for part, bounded in (
                (f"at least {low:g}", low > -math.inf),
                (f"at most {high:g}", high < math.inf),
            )
            if bounded
        )
        raise FieldProblem(f"{what} = {_shown(value)} is out of range; expected a number {bounds}")
    return value if integer else as_float


def text(value: Any, what: str) -> str:
    """``value`` if it is a string; lone surrogates (which UTF-8 cannot hold) become U+FFFD."""
    if not isinstance(value, str):
        raise FieldProblem(f"{what} must be a string, not {_shown(value)}")
    return LONE_SURROGATE.sub("\ufffd", value)


def mapping(value: Any, what: str) -> dict[str, Any]:
    """``value`` if it is a JSON object / TOML table."""
    if not isinstance(value, dict):
        raise FieldProblem(f"{what} must be a table, not {_shown(value)}")
    return value


def typed(cls: type[T], data: Any, what: str) -> T:
    """An instance of dataclass ``cls`` from JSON object ``data``, each field checked
    against its annotation: ``str``, ``int``, ``float``, ``bool``, ``None``, unions,
    ``Literal``, ``list[X]``, ``dict[str, X]``, ``Path`` and nested dataclasses.

    Numbers must be finite (``int`` within 64 bits); keys ``cls`` does not have are
    ignored (a newer workbench may write more); a missing field without a default is
    named.
    """
    data = mapping(data, what)
    hints = typing.get_type_hints(cls)
    values = {}
    for spec in dataclasses.fields(cls):
        if not spec.init:
            continue
        if spec.name not in data:
            no_default = (
                spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING
            )
            if no_default:
                raise FieldProblem(f"{what} has no {spec.name!r}")
            continue
        values[spec.name] = _value(hints[spec.name], data[spec.name], f"{what}.{spec.name}")
    return cls(**values)


def _value(hint: Any, value: Any, what: str) -> Any:
    origin, arguments = typing.get_origin(hint), typing.get_args(hint)
    if hint is Any:
        return value
    if hint is type(None):
        if value is not None:
            raise FieldProblem(f"{what} must be null, not {_shown(value)}")
        return None
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in arguments:
            return None
        choices = [choice for choice in arguments if choice is not type(None)]
        if len(choices) == 1:
            return _value(choices[0], value, what)
        for choice in choices:
            try:
                return _value(choice, value, what)
            except FieldProblem:
                continue
        raise FieldProblem(f"{what} has an unexpected value {_shown(value)}")
    if origin is typing.Literal:
        if value not in arguments or isinstance(value, bool) != isinstance(arguments[0], bool):
            choices = ", ".join(repr(choice) for choice in arguments)
            raise FieldProblem(f"{what} must be one of {choices}, not {_shown(value)}")
        return value
    if origin is list:
        if not isinstance(value, list):
            raise FieldProblem(f"{what} must be a list, not {_shown(value)}")
        return [_value(arguments[0], item, f"{what}[{index}]") for index, item in enumerate(value)]
    if origin is dict:
        return {
            text(key, f"{what} key"): _value(arguments[1], item, f"{what}[{key!r}]")
            for key, item in mapping(value, what).items()
        }
    if dataclasses.is_dataclass(hint):
        return typed(hint, value, what)
    if hint is bool:
        if not isinstance(value, bool):
            raise FieldProblem(f"{what} must be true or false, not {_shown(value)}")
        return value
    if hint is int:
        return number(value, what, low=-MAX_INT, high=MAX_INT, integer=True)
    if hint is float:
        return number(value, what, low=-math.inf)
    if hint is str:
        return text(value, what)
    if hint is Path:
        return Path(text(value, what))
    raise TypeError(f"typed() cannot check {hint!r} ({what})")


def _shown(value: Any) -> str:
    """A value as an error line shows it: short, one line, literal."""
    shown = repr(value)
    return plain(shown if len(shown) <= 40 else shown[:39] + "…")

"""Read and write profiles: the one entry point the CLI, the app and tests use.

The reader is chosen from the content (see :mod:`workbench.profiles.readers.sniff`),
and every way a file can be unusable — missing, a directory, empty, binary,
truncated, some other JSON — ends in one :class:`ProfileFormatError` line that
names the file and the formats we understand.
"""

from __future__ import annotations

import codecs
import io
import json
import sys
import threading
from pathlib import Path
from typing import Any, Literal

from workbench.errors import ProfileFormatError
from workbench.profiles.model import Profile
from workbench.profiles.pprof_writer import write_pprof
from workbench.profiles.readers.collapsed import read_collapsed
from workbench.profiles.readers.pprof import read_pprof
from workbench.profiles.readers.pyinstrument import is_pyinstrument, read_pyinstrument
from workbench.profiles.readers.sniff import (
    HEAD_BYTES,
    UNDERSTOOD,
    needs_text_decoding,
    sniff_format,
    text_encoding,
)
from workbench.profiles.readers.speedscope import is_speedscope, read_speedscope
from workbench.profiles.readers.threads import select_thread
from workbench.profiles.readers.values import check_weights
from workbench.profiles.writers import write_collapsed, write_speedscope

__all__ = ["read_profile", "sniff_format", "write_profile"]

WriteFormat = Literal["collapsed", "speedscope", "pprof"]
#: JSON nesting we parse (pyinstrument nests two levels per frame); measured, the
#: C parser needs under 160 bytes of stack a level, so :data:`_DEEP_STACK_BYTES` holds 4x.
MAX_JSON_NESTING = 100_000
_DEEP_STACK_BYTES = 64 << 20


def read_profile(path: str | Path, *, thread: str | None = None) -> Profile:
    """Read the profile at ``path`` in whichever supported format its content is.

    ``thread=None`` keeps every thread (stacks remember theirs in
    ``stack_threads``); a thread label, name, id or index keeps only that one.
    """
    path = Path(path)
    source = str(path)
    head = _read_head(path)
    kind = sniff_format(head)
    if kind == "collapsed":
        profile = _read_collapsed(path, head)
    elif kind == "pprof":
        profile = read_pprof(_read_bytes(path), source)
    elif kind in ("speedscope", "pyinstrument", "json"):
        profile = _read_json(path, _load_json(path))
    else:
        raise ProfileFormatError(f"{source}: {_describe(kind)}; {_understood()}")
    profile.meta.source = source
    if profile.meta.name is None:
        profile.meta.name = path.name
    check_weights(profile, source)
    if thread is not None:
        profile = select_thread(profile, thread, source)
    if not profile.total_weight > 0:
        # A file of zero-weight stacks (our own header line alone, py-spy's count 0)
        # has no shares; diffing against it would call every function a new hotspot.
        where = f" in thread {thread!r}" if thread is not None else ""
        raise ProfileFormatError(
            f"{source}: the profile holds no samples{where} (total weight 0); capture it again"
        )
    return profile


def write_profile(profile: Profile, path: str | Path, fmt: WriteFormat) -> None:
    """Write ``profile`` to ``path`` as collapsed stacks, speedscope JSON or pprof."""
    writers = {"collapsed": write_collapsed, "speedscope": write_speedscope, "pprof": write_pprof}
    if fmt not in writers:
        raise ProfileFormatError(f"cannot write {fmt!r}; choose collapsed, speedscope or pprof")
    writers[fmt](profile, Path(path))


def _understood() -> str:
    return f"understood formats: {UNDERSTOOD}"


def _describe(kind: str) -> str:
    return {
        "empty": "the file is empty",
        "binary": "binary content (NUL bytes or not UTF-8 text), not a profile",
    }.get(kind, "not a profile in a known format")


def _read_head(path: Path) -> bytes:
    """The first bytes of ``path``, turning file-system failures into one-line errors."""
    try:
        with path.open("rb") as handle:
            return handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise ProfileFormatError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ProfileFormatError(f"{path}: is a directory, not a profile file") from None
    except PermissionError:
        raise ProfileFormatError(f"{path}: permission denied") from None
    except OSError as error:
        raise ProfileFormatError(f"{path}: cannot read ({error.strerror})") from None


def _read_collapsed(path: Path, head: bytes) -> Profile:
    """Stream ``path`` through the collapsed reader: bytes when it is UTF-8 with ``\\n``
    line ends (the fast path), else through a decoder that turns it into that."""
    with path.open("rb") as stream:
        if needs_text_decoding(head):
            text = io.TextIOWrapper(
                stream, encoding=text_encoding(head), errors="replace", newline=None
            )
            return read_collapsed(_Utf8Stream(text), str(path))  # type: ignore[arg-type]
        if stream.read(len(codecs.BOM_UTF8)) != codecs.BOM_UTF8:
            stream.seek(0)
        return read_collapsed(stream, str(path))


class _Utf8Stream:
    """A text stream read as UTF-8 bytes with ``\\n`` line ends (what the reader scans)."""

    def __init__(self, text: io.TextIOWrapper) -> None:
        self._text = text

    def read(self, size: int = -1) -> bytes:
        return self._text.read(size).encode("utf-8", errors="replace")

    def readline(self) -> bytes:
        return self._text.readline().encode("utf-8", errors="replace")


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise ProfileFormatError(f"{path}: cannot read ({error.strerror or error})") from None


def _load_json(path: Path) -> Any:
    """The parsed document; a parse error at the very end of the text means truncation."""
    try:
        text = _read_bytes(path).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ProfileFormatError(f"{path}: not UTF-8 JSON; {_understood()}") from None
    try:
        return _parse_deep(text)
    except json.JSONDecodeError as error:
        # Cut inside a string, the error points at the string's opening quote.
        if error.pos >= len(text.rstrip()) or error.msg.startswith("Unterminated string"):
            raise ProfileFormatError(
                f"{path}: truncated JSON (it ends after {len(text)} characters before the "
                "document closes); capture or copy it again"
            ) from None
        raise ProfileFormatError(
            f"{path}: invalid JSON at line {error.lineno} column {error.colno} ({error.msg}); "
            f"{_understood()}"
        ) from None
    except RecursionError:
        raise ProfileFormatError(
            f"{path}: JSON nested more than {MAX_JSON_NESTING:,} levels deep; not a profile "
            "we can read"
        ) from None
    except ValueError:  # an integer literal past Python's 4,300-digit limit
        raise ProfileFormatError(
            f"{path}: a number in it has thousands of digits; not a profile we can read"
        ) from None


def _parse_deep(text: str) -> Any:
    """``json.loads``, also for documents nested deeper than Python's recursion limit.

    pyinstrument's tree of a program recursing 500 deep nests 1,000 JSON
    levels, past the default limit. Such a document is parsed again in a
    thread with a large stack (the C parser recurses once per level) and a
    recursion limit of :data:`MAX_JSON_NESTING`, which the stack holds with room
    to spare; deeper still is an error, never a crash.
    """
    try:
        return json.loads(text)
    except RecursionError:
        pass
    outcome: list[Any] = []

    def parse() -> None:
        limit = sys.getrecursionlimit()
        sys.setrecursionlimit(MAX_JSON_NESTING + 100)
        try:
            outcome.append(json.loads(text))
        except (RecursionError, ValueError) as error:  # JSONDecodeError is a ValueError
            outcome.append(error)
        finally:
            sys.setrecursionlimit(limit)

    previous = threading.stack_size(_DEEP_STACK_BYTES)
    try:
        worker = threading.Thread(target=parse, name="deep-json")
        worker.start()
    finally:
        threading.stack_size(previous)
    worker.join()
    if isinstance(outcome[0], Exception):
        raise outcome[0]
    return outcome[0]


def _read_json(path: Path, document: Any) -> Profile:
    """Dispatch a parsed JSON document on its keys (the head only hinted)."""
    if is_speedscope(document):
        return read_speedscope(document, str(path))
    if is_pyinstrument(document):
        return read_pyinstrument(document, str(path))
    raise ProfileFormatError(f"{path}: JSON, but not a profile in a known format; {_understood()}")

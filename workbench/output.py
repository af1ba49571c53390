"""Output helpers shared by every subcommand (and the panes that say the same)."""

from __future__ import annotations

import re
import sys
import unicodedata
from typing import Any

from workbench.errors import WorkbenchError

#: Invisible characters that reorder or break the text around them: bidi
#: embeddings, overrides and isolates (U+202E turns ``txt.exe`` into ``exe.txt``
#: on screen, the "Trojan Source" trick), marks, and the line and paragraph
#: separators some terminals and editors break lines at.
_INVISIBLE = r"\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029"
#: C0 and C1 control characters and the invisible ones above. Names, paths,
#: commit messages and titles come from outside: printed as is, an ANSI escape
#: among them would recolour the terminal or move its cursor, a newline would
#: forge a row, so they are drawn as ``\x1b``, ``\x0a``, ``\u202e`` instead.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f" + _INVISIBLE + "]")
#: The same, newline and tab aside: for text that has lines (patches, notes).
CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f" + _INVISIBLE + "]")
#: A UTF-16 surrogate alone in a ``str`` (JSON's ``"\ud800"`` reads as one): it
#: cannot be encoded as UTF-8, so printing or writing it would fail.
LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: object) -> str:
    r"""A name or value drawn literally on one line: every control or bidi character
    (newline and tab too) shown as an escape such as ``\x1b`` or ``\u202e``, a lone
    surrogate as ``\ud800``, everything else as is."""
    return LONE_SURROGATE.sub(_escaped, CONTROL.sub(_escaped, str(text)))


def plain_text(text: object) -> str:
    """Text with lines (a patch, a blame line) drawn literally: control characters
    shown as escapes, newlines and tabs kept."""
    return LONE_SURROGATE.sub(_escaped, CONTROL_BUT_LAYOUT.sub(_escaped, str(text)))


#: Widest name or path a text table prints: a 20 MB frame name must not make
#: every row of ``show`` 20 MB wide.
MAX_CELL = 100


def elide(text: str, limit: int = MAX_CELL) -> str:
    """``text`` cut to ``limit`` characters, the middle replaced by ``…`` (both ends
    of a path or a qualified name say the most)."""
    if len(text) <= limit:
        return text
    head = (limit - 1) // 2
    return f"{text[:head]}…{text[len(text) - (limit - 1 - head) :]}"


def json_text(data: Any, *, indent: bool = False) -> str:
    """``data`` as strict JSON text: the one encoder of every JSON we print or write.

    Strict: ``NaN`` and ``Infinity`` are not JSON, so a non-finite number is an
    error rather than a file other tools reject; a lone surrogate (which UTF-8
    cannot encode) becomes U+FFFD. By default one call to the C encoder into one
    line; ``indent`` (two spaces) is for small files people open, such as
    manifests, since it switches to the pure-Python encoder, several times slower
    on a 100,000-row diff. Paths and dates are written as strings.
    """
    import json  # the app's first frame writes none

    try:
        text = json.dumps(
            data, ensure_ascii=False, allow_nan=False, default=str, indent=2 if indent else None
        )
    except ValueError as error:
        raise WorkbenchError(
            f"cannot write JSON: {error} (a value is not a finite number); nothing was written"
        ) from None
    return LONE_SURROGATE.sub("\ufffd", text)


def print_json(data: Any) -> None:
    """Print ``data`` as one line of strict JSON on stdout (see :func:`json_text`)."""
    text = json_text(data)
    sys.stdout.write(text)
    sys.stdout.write("\n")


def counted(number: int, noun: str) -> str:
    """``1 commit``, ``2 commits``: a count with its noun (regular plurals only)."""
    return f"{number} {noun}{'' if number == 1 else 's'}"


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK, emoji) characters take two,
    combining marks none, so a table with such names stays aligned."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )

"""Output helpers shared by every subcommand (and the panes that say the same)."""

from __future__ import annotations

import json
import re
import sys
from typing import Any

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


def _escaped(match: re.Match[str]) -> str:
    code = ord(match[0])
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def plain(text: object) -> str:
    r"""A name or value drawn literally on one line: every control or bidi character
    (newline and tab too) shown as an escape such as ``\x1b`` or ``\u202e``,
    everything else as is."""
    return CONTROL.sub(_escaped, str(text))


def plain_text(text: object) -> str:
    """Text with lines (a patch, a blame line) drawn literally: control characters
    shown as escapes, newlines and tabs kept."""
    return CONTROL_BUT_LAYOUT.sub(_escaped, str(text))


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (paths and dates as strings)."""
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def counted(number: int, noun: str) -> str:
    """``1 commit``, ``2 commits``: a count with its noun (regular plurals only)."""
    return f"{number} {noun}{'' if number == 1 else 's'}"

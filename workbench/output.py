"""Output helpers shared by every subcommand (and the panes that say the same)."""

from __future__ import annotations

import json
import re
import sys
import unicodedata
from typing import Any

#: C0 and C1 control characters. Names, paths, commit messages and titles come
#: from outside: printed as is, an ANSI escape among them would recolour the
#: terminal or move its cursor, so they are drawn as ``\x1b`` instead.
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
#: The same, newline and tab aside: for text that has lines (patches, notes).
CONTROL_BUT_LAYOUT = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\x{ord(match[0]):02x}"


def plain(text: object) -> str:
    """A name or value drawn literally: every control character (newline and tab
    too) shown as an escape such as ``\x1b``, everything else as is."""
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


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: wide (CJK, emoji) characters take two,
    combining marks none, so a table with such names stays aligned."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )

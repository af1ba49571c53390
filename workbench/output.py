"""Output helpers shared by every subcommand (and the panes that say the same)."""

from __future__ import annotations

import json
import sys
from typing import Any


def print_json(data: Any) -> None:
    """Print ``data`` as indented JSON on stdout (paths and dates as strings)."""
    json.dump(data, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def counted(number: int, noun: str) -> str:
    """``1 commit``, ``2 commits``: a count with its noun (regular plurals only)."""
    return f"{number} {noun}{'' if number == 1 else 's'}"

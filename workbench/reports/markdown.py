"""Markdown that renders what it was given, literally, on GitHub.

Titles, function names, paths and commit messages come from outside: a ``|``
would split a table cell, a backtick open code, ``<script>`` become HTML.
Every value that goes into Markdown goes through :func:`escape_md`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def escape_md(value: object) -> str:
    """Escape ``value`` for a Markdown paragraph or table cell, on one line."""
    text = html.escape(str(value), quote=False)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    return " ".join(text.splitlines())


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub table; headers are ours, cells are escaped."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
    ]
    lines.extend("| " + " | ".join(escape_md(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)

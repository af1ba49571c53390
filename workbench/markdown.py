"""Markdown that renders what it was given, literally, on GitHub.

Titles, function names, paths and commit messages come from outside: a ``|``
would split a table cell, a backtick open code, ``<script>`` become HTML.
Every value that goes into Markdown goes through :func:`escape_md`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence

from workbench.output import plain

_MD_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|~>])")


def escape_md(value: object) -> str:
    """Escape ``value`` for a Markdown paragraph or table cell, on one line.

    Control characters are written as ``\\x1b``: an ANSI escape in a function
    name or commit message must not recolour the terminal that shows the report.
    """
    text = plain(" ".join(str(value).splitlines()))
    text = html.escape(text, quote=False)
    return _MD_SPECIAL.sub(r"\\\1", text)


def md_table(headers: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    """A GitHub table; headers are ours, cells are escaped."""
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(" --- " for _ in headers) + "|",
    ]
    lines.extend("| " + " | ".join(escape_md(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)

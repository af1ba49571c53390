"""Text and Markdown renderings of history answers, for the command line.

Commit messages, author names and paths are untrusted: in text they are shown
literally with control characters made visible (an ANSI escape in a commit
summary must not repaint the terminal); in Markdown every cell goes through
:func:`workbench.markdown.escape_md`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.markdown import escape_md, md_table
from workbench.output import counted, display_width, plain_text

if TYPE_CHECKING:  # type names only: the history path must not import numpy
    from workbench.history.blame import AuthorShare, BlameLine
    from workbench.history.hotspots import Hotspot
    from workbench.history.log import FunctionHistory


#: After the sha of a commit judged on a version that is not Python 3 (found by indentation).
FALLBACK_MARK = "*"


def literal(value: object) -> str:
    """``value`` on one terminal line, control characters shown as escapes."""
    return plain_text(" ".join(str(value).splitlines()))


def text_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Columns padded to their widest cell (in terminal columns); the last is never padded,
    and keeps its leading spaces (it may be code)."""
    cells = [[literal(cell) for cell in row] for row in [headers, *rows]]
    widths = [max(display_width(row[column]) for row in cells) for column in range(len(headers))]
    return "\n".join(
        "  ".join(
            cell if column == len(row) - 1 else cell + " " * (widths[column] - display_width(cell))
            for column, cell in enumerate(row)
        ).rstrip()
        for row in cells
    )


def _commit_rows(history: FunctionHistory) -> list[list[object]]:
    """One row per commit; ``*`` after the sha of one judged by the tolerant scanner."""
    return [
        [
            c.sha[:12] + (FALLBACK_MARK if c.fallback else ""),
            f"{c.date:%Y-%m-%d}",
            c.author,
            f"+{c.added}",
            f"-{c.removed}",
            c.summary,
        ]
        for c in history.commits
    ]


_COMMIT_HEADERS = ["sha", "date", "author", "added", "removed", "summary"]
_BLAME_HEADERS = ["line", "sha", "date", "author", "summary", "code"]
_AUTHOR_HEADERS = ["author", "lines", "share"]


#: A blame line's commit subject is cut here: the commit table above has it whole.
SUMMARY_WIDTH = 40


def _blame_rows(lines: Sequence[BlameLine]) -> list[list[object]]:
    """One row per line; a run of lines from one commit names the commit on its first
    line only, and the code keeps its indentation (less what every line shares)."""
    code = blame_code(lines)
    rows: list[list[object]] = []
    previous = ""
    for blamed, text in zip(lines, code, strict=True):
        if blamed.sha == previous:
            rows.append([blamed.line, "", "", "", "", text])
        else:
            summary = literal(blamed.summary)
            if len(summary) > SUMMARY_WIDTH:
                summary = summary[: SUMMARY_WIDTH - 1] + "…"
            rows.append(
                [
                    blamed.line,
                    blamed.sha[:12],
                    f"{blamed.date:%Y-%m-%d}",
                    blamed.author,
                    summary,
                    text,
                ]
            )
        previous = blamed.sha
    return rows


def blame_code(lines: Sequence[BlameLine]) -> list[str]:
    """The source of each blamed line, tabs expanded, dedented by the indentation they share."""
    texts = [blamed.text.expandtabs(4).rstrip() for blamed in lines]
    indents = [len(text) - len(text.lstrip(" ")) for text in texts if text.strip()]
    cut = min(indents, default=0)
    return [text[cut:] for text in texts]


def _author_rows(shares: Sequence[AuthorShare]) -> list[list[object]]:
    return [[s.author, s.lines, f"{s.share:.0%}"] for s in shares]


def _headline(history: FunctionHistory) -> str:
    span = history.span
    window = history.rev_range or (f"since {history.since}" if history.since else "")
    return (
        f"{span.path}:{span.qualname} lines {span.start}-{span.end} at {history.rev[:12]}"
        f"{' (' + window + ')' if window else ''}: {counted(len(history.commits), 'commit')}, "
        f"+{history.added} -{history.removed}"
    )


def history_text(
    history: FunctionHistory,
    blame: Sequence[BlameLine] = (),
    shares: Sequence[AuthorShare] = (),
    blame_label: str = "",
) -> str:
    """The ``--format text`` answer."""
    parts = [literal(_headline(history))]
    parts += [f"note: {literal(note)}" for note in history.notes]
    if history.commits:
        parts.append(text_table(_COMMIT_HEADERS, _commit_rows(history)))
    if shares:
        parts.append(f"\nauthors of the current lines ({blame_label}):")
        parts.append(text_table(_AUTHOR_HEADERS, _author_rows(shares)))
    if blame:
        parts.append(f"\nlast change of each line ({blame_label}):")
        parts.append(text_table(_BLAME_HEADERS, _blame_rows(blame)))
    return "\n".join(parts)


def history_markdown(
    history: FunctionHistory,
    blame: Sequence[BlameLine] = (),
    shares: Sequence[AuthorShare] = (),
    blame_label: str = "",
) -> str:
    """The ``--format markdown`` answer."""
    parts = [
        f"### History of `{escape_md(history.span.qualname)}`",
        "",
        escape_md(_headline(history)),
    ]
    parts += ["", *(f"- {escape_md(note)}" for note in history.notes)] if history.notes else []
    parts += ["", md_table(_COMMIT_HEADERS, _commit_rows(history))]
    if shares:
        parts += ["", f"Authors of the current lines ({escape_md(blame_label)}):", ""]
        parts.append(md_table(_AUTHOR_HEADERS, _author_rows(shares)))
    if blame:
        parts += ["", f"Last change of each line ({escape_md(blame_label)}):", ""]
        parts.append(md_table(_BLAME_HEADERS, _blame_rows(blame)))
    return "\n".join(parts)


_HOTSPOT_HEADERS = ["score", "self %", "total %", "commits", "lines", "authors", "function"]


def _hotspot_rows(spots: Sequence[Hotspot]) -> list[list[object]]:
    return [
        [
            f"{s.score:.1f}",
            f"{s.self_share:.1%}",
            f"{s.total_share:.1%}",
            s.commits,
            s.lines_changed,
            s.authors,
            f"{s.path}:{s.qualname or s.function.rpartition(':')[2]}"
            + (f"  ({s.note})" if s.note else ""),
        ]
        for s in spots
    ]


def hotspots_text(spots: Sequence[Hotspot], since: str | None) -> str:
    """The ``hotspots --format text`` answer."""
    if not spots:
        return "no function of the profile is in the repository"
    title = f"hot code that keeps changing (score = heat x commits {_window(since)}):"
    return title + "\n" + text_table(_HOTSPOT_HEADERS, _hotspot_rows(spots))


def hotspots_markdown(spots: Sequence[Hotspot], since: str | None) -> str:
    """The ``hotspots --format markdown`` answer."""
    title = f"### Hotspots: heat x churn {escape_md(_window(since))}"
    return title + "\n\n" + md_table(_HOTSPOT_HEADERS, _hotspot_rows(spots))


def _window(since: str | None) -> str:
    return f"since {since}" if since else "over all history"

"""Text and Markdown renderings of attribution and scaling answers, for the command line.

Commit messages, author names, function names and hunks are untrusted: text
output shows them literally with control characters made visible, Markdown
escapes every cell (:func:`workbench.markdown.escape_md`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from workbench.history.render import literal, text_table
from workbench.markdown import escape_md, md_table
from workbench.output import counted

if TYPE_CHECKING:
    from workbench.analysis.attribution import Attribution, Candidate
    from workbench.analysis.scaling import ScalingReport

_CANDIDATE_HEADERS = ["rank", "sha", "date", "author", "score", "summary", "why"]


def _candidate_rows(candidates: Sequence[Candidate]) -> list[list[object]]:
    return [
        [rank, c.sha[:12], f"{c.date:%Y-%m-%d}", c.author, f"{c.score:.2f}", c.summary, c.why]
        for rank, c in enumerate(candidates, 1)
    ]


def _sections(answer: Attribution) -> list[tuple[str, Sequence[Candidate]]]:
    return [("regressions", answer.regressions), ("improvements", answer.improvements)]


def attribution_text(answer: Attribution) -> str:
    """The ``candidates --format text`` answer: both rankings, the cosmetic commits, notes."""
    lines: list[str] = []
    for title, candidates in _sections(answer):
        found = counted(len(candidates), "candidate")
        lines.append(f"{title} in {literal(answer.rev_range)}: {found}")
        if candidates:
            lines.append(text_table(_CANDIDATE_HEADERS, _candidate_rows(candidates)))
    for commit in answer.cosmetic:
        lines.append(
            f"cosmetic: {commit.sha[:12]} {literal(commit.summary)} "
            f"({literal(', '.join(commit.functions))}: docstrings, annotations or layout only)"
        )
    lines += [f"note: {literal(note)}" for note in answer.notes]
    return "\n".join(lines)


def attribution_markdown(answer: Attribution) -> str:
    """The ``candidates --format markdown`` answer."""
    parts: list[str] = []
    for title, candidates in _sections(answer):
        parts += [f"### {title.capitalize()} in {escape_md(answer.rev_range)}", ""]
        parts += [md_table(_CANDIDATE_HEADERS, _candidate_rows(candidates)), ""]
    if answer.cosmetic:
        parts += ["Cosmetic commits (no score):", ""]
        parts += [
            f"- {escape_md(c.sha[:12])} {escape_md(c.summary)}: {escape_md(', '.join(c.functions))}"
            for c in answer.cosmetic
        ]
        parts.append("")
    parts += [f"- note: {escape_md(note)}" for note in answer.notes]
    return "\n".join(parts).rstrip() + "\n"


_SCALING_HEADERS = ["function", "file", "exp self", "exp total", "r2", "class", "share", "at 10x"]


def _scaling_rows(report: ScalingReport) -> list[list[object]]:
    def number(value: float | None, fmt: str) -> str:
        return "-" if value is None else format(value, fmt)

    return [
        [
            ("! " if f.flagged else "") + f.key.qualname,
            f.key.path,
            number(f.exponent_self, ".2f"),
            number(f.exponent_total, ".2f"),
            number(f.r2, ".3f"),
            f.cls,
            f"{f.share_at_largest:.1f}%",
            number(f.projected_seconds, ".1f") + ("s" if f.projected_seconds is not None else ""),
        ]
        for f in report.functions
    ]


def _scaling_head(report: ScalingReport) -> str:
    sizes = ", ".join(f"{size:g}" for size in report.sizes)
    flagged = counted(len(report.flagged), "super-linear function")
    return f"scaling over sizes {sizes}: {flagged} flagged (!) of {len(report.functions)} fitted"


def scaling_text(report: ScalingReport) -> str:
    """The ``scaling --format text`` answer."""
    if not report.functions:
        return f"no function holds {report.min_share:g}% at the largest size"
    return _scaling_head(report) + "\n" + text_table(_SCALING_HEADERS, _scaling_rows(report))


def scaling_markdown(report: ScalingReport) -> str:
    """The ``scaling --format markdown`` answer."""
    return (
        f"### {escape_md(_scaling_head(report))}\n\n"
        + md_table(_SCALING_HEADERS, _scaling_rows(report))
        + "\n"
    )

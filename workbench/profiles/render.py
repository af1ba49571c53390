"""Text and Markdown renderings of ``show``, ``diff`` and ``gate`` for the terminal and CI.

Plain text, not Rich: the output is read in CI logs and piped to ``grep``.
Function names and paths are printed literally; only control characters are
made visible (``\\x1b``), so a crafted name cannot move the cursor or recolour
the terminal. Markdown goes through :func:`escape_md` / :func:`md_table`.
"""

from __future__ import annotations

from collections.abc import Sequence

from workbench.markdown import escape_md, md_table
from workbench.output import MAX_CELL, counted, elide, plain
from workbench.profiles.diff import FunctionDelta, ProfileDiff, ProfileSummary
from workbench.profiles.gates import GateVerdict
from workbench.profiles.top import FunctionShare, ProfileTop
from workbench.profiles.views import VIEW_NAMES


def columns(headers: Sequence[str], rows: Sequence[Sequence[str]], right: int = 0) -> str:
    """Aligned columns; the first ``right`` columns are numbers (right-aligned).

    Text cells longer than :data:`~workbench.output.MAX_CELL` are elided, so one
    huge name neither widens every row nor floods the terminal.
    """
    rows = [[elide(cell) for cell in row] for row in rows]
    widths = [len(header) for header in headers]
    for row in rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index < right else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])


def pct(value: float) -> str:
    return f"{value:.2f}%"


def points(value: float) -> str:
    return f"{value:+.2f}"


def seconds(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "-"
    return f"{value:+.3f}s" if signed else f"{value:.3f}s"


def where(key_path: str, line: int | None) -> str:
    """``path`` or ``path:line`` for the file column."""
    text = key_path or "?"
    return plain(f"{text}:{line}" if line is not None else text)


def summary_line(role: str, summary: ProfileSummary) -> str:
    """One line saying what a profile is and how much it holds."""
    if summary.unit == "samples":
        size = f"{summary.total_samples:,} samples"
        if summary.total_seconds is not None:
            size += f" ({summary.total_seconds:.2f} s at {summary.rate:g} Hz)"
    else:
        size = f"{summary.total_weight:.3f} s"
    threads = f", {counted(len(summary.threads), 'thread')}" if summary.threads else ""
    kind = summary.format or "?"
    if summary.view in VIEW_NAMES:
        kind += f", {VIEW_NAMES[summary.view]} view"
    return (
        f"{role}: {elide(plain(summary.source or summary.name))} [{kind}] {size}, "
        f"{summary.stacks:,} stacks, {summary.functions:,} functions{threads}"
    )


# -- show -----------------------------------------------------------------


def show_text(top: ProfileTop) -> str:
    blocks = [summary_line("profile", top.summary)]
    for title, items in (("Top by self share", top.by_self), ("Top by total share", top.by_total)):
        blocks.append(f"\n{title}\n" + columns(*_share_rows(items), right=4))
    return "\n".join(blocks)


def _share_rows(items: Sequence[FunctionShare]) -> tuple[list[str], list[list[str]]]:
    headers = ["self", "total", "self time", "total time", "function", "file"]
    rows = [
        [
            pct(item.self_pct),
            pct(item.total_pct),
            seconds(item.self_seconds),
            seconds(item.total_seconds),
            plain(item.key.qualname),
            where(item.key.path, item.line),
        ]
        for item in items
    ]
    return headers, rows


# -- diff -----------------------------------------------------------------

_DELTA_HEADERS = [
    "Δ self",
    "base self",
    "branch self",
    "Δ total",
    "Δ time",
    "function",
    "file",
]


def _delta_cells(item: FunctionDelta) -> list[str]:
    return [
        points(item.delta_self_pct),
        pct(item.base_self_pct) if item.in_base else "absent",
        pct(item.branch_self_pct) if item.in_branch else "absent",
        points(item.delta_total_pct),
        seconds(item.delta_self_seconds, signed=True),
    ]


def _diff_sections(diff: ProfileDiff, top: int | None) -> list[tuple[str, list[FunctionDelta]]]:
    def cut(items: list[FunctionDelta]) -> list[FunctionDelta]:
        return items if top is None else items[:top]

    noise = f"{diff.noise_pct:g}"
    return [
        (f"Regressions (self share up more than {noise} points)", cut(diff.regressions)),
        (f"Improvements (self share down more than {noise} points)", cut(diff.improvements)),
        (
            f"New hotspots (self share >= {diff.hotspot_pct:g}% in branch, absent or < 1% in base)",
            diff.new_hotspots,
        ),
    ]


def diff_text(diff: ProfileDiff, top: int | None = 20) -> str:
    blocks = [summary_line("base  ", diff.base), summary_line("branch", diff.branch)]
    for title, items in _diff_sections(diff, top):
        body = (
            columns(
                _DELTA_HEADERS,
                [
                    [*_delta_cells(item), plain(item.key.qualname), where(item.key.path, item.line)]
                    for item in items
                ],
                right=5,
            )
            if items
            else "  none"
        )
        blocks.append(f"\n{title}\n{body}")
    return "\n".join(blocks)


def diff_markdown(diff: ProfileDiff, top: int | None = 20) -> str:
    blocks = [
        "## Profile diff",
        "",
        f"- {escape_md(summary_line('base', diff.base))}",
        f"- {escape_md(summary_line('branch', diff.branch))}",
    ]
    for title, items in _diff_sections(diff, top):
        blocks += ["", f"### {escape_md(title)}", ""]
        if not items:
            blocks.append("None.")
            continue
        blocks.append(
            md_table(
                _DELTA_HEADERS,
                [
                    [*_delta_cells(item), item.key.qualname, _md_file(item.key.path, item.line)]
                    for item in items
                ],
            )
        )
    return "\n".join(blocks)


def _md_file(path: str, line: int | None) -> str:
    return f"{path}:{line}" if line is not None else path


# -- gate -----------------------------------------------------------------


def _verdict_title(verdict: GateVerdict) -> str:
    failed, waived = len(verdict.failures), len(verdict.waived)
    state = "PASS" if verdict.passed else "FAIL"
    return f"gate: {state} ({failed} failing, {waived} waived)"


def _thresholds(verdict: GateVerdict) -> str:
    config = verdict.config
    if config is None:
        return ""
    growth = (
        "off" if config.max_self_growth_pct is None else f"{config.max_self_growth_pct:g} points"
    )
    return (
        f"thresholds: new hotspot >= {config.new_hotspot_pct:g}% self, "
        f"max self growth {growth}, noise {config.noise_pct:g} points"
    )


def gate_text(verdict: GateVerdict, diff: ProfileDiff) -> str:
    lines = [
        _verdict_title(verdict),
        summary_line("base  ", diff.base),
        summary_line("branch", diff.branch),
        _thresholds(verdict),
    ]
    for finding in verdict.findings:
        state = "WAIVED" if finding.waived else "FAIL"
        lines.append(
            f"  {state:<6}  {finding.rule:<11}  {elide(plain(finding.where))}: "
            f"{elide(plain(finding.message), 2 * MAX_CELL)}"
        )
        if finding.waived:
            justification = elide(plain(finding.justification or ""), 2 * MAX_CELL)
            lines.append(f"          justification: {justification}")
    if not verdict.findings:
        lines.append("  no findings")
    return "\n".join(lines)


def gate_markdown(verdict: GateVerdict, diff: ProfileDiff) -> str:
    blocks = [
        f"## {escape_md(_verdict_title(verdict))}",
        "",
        f"- {escape_md(summary_line('base', diff.base))}",
        f"- {escape_md(summary_line('branch', diff.branch))}",
        f"- {escape_md(_thresholds(verdict))}",
        "",
    ]
    if verdict.findings:
        blocks.append(
            md_table(
                ["state", "rule", "function", "finding", "justification"],
                [
                    [
                        "waived" if finding.waived else "FAIL",
                        finding.rule,
                        finding.where,
                        finding.message,
                        finding.justification or "",
                    ]
                    for finding in verdict.findings
                ],
            )
        )
    else:
        blocks.append("No findings.")
    return "\n".join(blocks)

"""``bench compare`` as text (benchstat's table), strict JSON, or a Markdown report for a PR.

One registry, :data:`RENDERERS`, maps each ``--format`` to its renderer.
Benchmark names and file context come from outside: text shows them with
control characters escaped (:func:`plain`), Markdown escapes them
(:func:`escape_md`), JSON carries them as strings.
"""

from __future__ import annotations

from collections.abc import Callable

from workbench.bench.comparison import BenchComparison, BenchRow
from workbench.bench.results import BenchFile
from workbench.markdown import escape_md, md_table
from workbench.output import counted, json_text, plain
from workbench.profiles.render import columns
from workbench.stats import Comparison, Summary, format_p, format_pct

#: Scale steps per kind of measurement: (size of one, suffix), largest first.
_SCALES: dict[str, tuple[tuple[float, str], ...]] = {
    "second": ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs"), (1e-9, "ns")),
    "byte": ((2.0**30, "GiB"), (2.0**20, "MiB"), (2.0**10, "KiB"), (1.0, "B")),
    "count": ((1e9, "G"), (1e6, "M"), (1e3, "k"), (1.0, "")),
}
#: Verdicts as the text and Markdown reports name them, worst first.
_VERDICT_WORDS = {"fail": "FAIL", "undecidable": "UNDECIDABLE", "pass": "pass", "~": "~"}


def value_text(value: float, unit: str) -> str:
    """``512.3ns``, ``1.25MiB``, ``3.4k``: four significant digits and a scaled unit."""
    scales = _SCALES[unit]
    factor, suffix = next(((f, s) for f, s in scales if value >= f), scales[-1])
    scaled = value / factor
    return f"{scaled:.0f}{suffix}" if scaled >= 1000 else f"{scaled:.4g}{suffix}"


def summary_text(summary: Summary, unit: str) -> str:
    """benchstat's ``median ± spread%``; ``± ∞`` when the median has no interval."""
    spread = "∞" if summary.spread_pct is None else f"{summary.spread_pct:.0f}%"
    return f"{value_text(summary.median, unit)} ± {spread}"


def delta_text(comparison: Comparison) -> str:
    """The change of the median, or ``~`` when it is not significant (benchstat)."""
    return format_pct(comparison.delta_pct) if comparison.significant else "~"


def render_text(result: BenchComparison) -> str:
    lines = [
        _file_line("base:  ", result.base),
        _file_line("branch:", result.branch),
        _method(result),
        "",
        columns(*_table(result, plain)),
    ]
    lines.extend(_gate_lines(result))
    lines.extend(_tail_lines(result))
    return "\n".join(lines)


def render_markdown(result: BenchComparison) -> str:
    title = "Benchmarks: base vs branch"
    if result.outcome is not None:
        title += f" — {_VERDICT_WORDS[result.outcome]} (gate +{result.gate_pct:g}%)"
    parts = [
        f"## {title}",
        "",
        f"- **Base:** {_file_md(result.base)}",
        f"- **Branch:** {_file_md(result.branch)}",
        f"- **Method:** {escape_md(_method(result))}",
    ]
    if result.gate_pct is not None:
        parts.append(f"- **Gate:** {escape_md(_gate_rule(result))}")
        parts.append(f"- **Outcome:** {escape_md(_outcome_sentence(result))}")
    headers, rows = _table(result, str)
    parts += ["", md_table(headers, rows)]
    reasons = [row for row in result.rows if row.verdict in ("fail", "undecidable")]
    if reasons:
        parts += ["", "### Why", ""]
        parts += [f"- `{_code(row.name)}`: {escape_md(row.reason)}" for row in reasons]
    notes = _notes(result)
    if notes:
        parts += ["", "### Notes", ""]
        parts += [f"- `{_code(name)}`: {escape_md(note)}" for name, note in notes]
    for side, names in (("base", result.only_in_base), ("branch", result.only_in_branch)):
        if names:
            parts += ["", f"### Only in {side} (not compared)", ""]
            parts += [f"- `{_code(name)}`" for name in names]
    return "\n".join(parts)


def render_json(result: BenchComparison) -> str:
    return json_text(result.to_json())


RENDERERS: dict[str, Callable[[BenchComparison], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}


def _table(
    result: BenchComparison, literal: Callable[[object], str]
) -> tuple[list[str], list[list[str]]]:
    headers = ["benchmark", "base", "branch", "Δ", "p", "n"]
    if result.gate_pct is not None:
        headers.append("verdict")
    rows = [_row(row, literal, result.gate_pct is not None) for row in result.rows]
    return headers, rows


def _row(row: BenchRow, literal: Callable[[object], str], gated: bool) -> list[str]:
    comparison = row.comparison
    cells = [
        literal(row.name),
        summary_text(comparison.base, row.unit),
        summary_text(comparison.branch, row.unit),
        delta_text(comparison),
        format_p(comparison.p_value),
        comparison.runs,
    ]
    if gated:
        cells.append(_VERDICT_WORDS[row.verdict])
    return cells


def _method(result: BenchComparison) -> str:
    tested = counted(len(result.rows), "benchmark")
    return (
        "medians ± the 95% interval of each median; Δ = change of the median, '~' when "
        f"not significant; p: two-sided Mann-Whitney U, Holm-corrected over {tested} "
        f"(α = {result.alpha:g}); n = runs a side"
    )


def _gate_rule(result: BenchComparison) -> str:
    return (
        f"fails when a benchmark is significantly slower by more than {result.gate_pct:g}% "
        "(the whole 95% interval of the change above it); undecidable when the runs cannot "
        "tell (exit 1 too)"
    )


def _outcome_sentence(result: BenchComparison) -> str:
    counts = [
        f"{len(result.with_verdict(verdict))} {word}"
        for verdict, word in (
            ("fail", "failed"),
            ("undecidable", "undecidable"),
            ("pass", "passed"),
            ("~", "unchanged (~)"),
        )
        if result.with_verdict(verdict)
    ]
    return f"{_VERDICT_WORDS[result.outcome]}: {', '.join(counts)}; exit {result.exit_code}"


def _gate_lines(result: BenchComparison) -> list[str]:
    if result.gate_pct is None:
        return []
    lines = ["", f"gate +{result.gate_pct:g}%: {_outcome_sentence(result)}"]
    for row in result.rows:
        if row.verdict in ("fail", "undecidable"):
            lines.append(f"  {_VERDICT_WORDS[row.verdict]:<11}  {plain(row.name)}: {row.reason}")
    return lines


def _tail_lines(result: BenchComparison) -> list[str]:
    lines = []
    notes = _notes(result)
    if notes:
        lines += ["", "notes:"] + [f"  {plain(name)}: {note}" for name, note in notes]
    for side, names in (("base", result.only_in_base), ("branch", result.only_in_branch)):
        if names:
            shown = ", ".join(plain(name) for name in names)
            lines += ["", f"only in {side} (not compared): {shown}"]
    return lines


def _notes(result: BenchComparison) -> list[tuple[str, str]]:
    """Each row's note, unless its verdict's reason already says it."""
    return [
        (row.name, row.comparison.note)
        for row in result.rows
        if row.comparison.note and row.comparison.note not in (row.reason or "")
    ]


def _file_line(label: str, bench: BenchFile) -> str:
    return f"{label} {plain(bench.path)}  {plain(_file_context(bench))}"


def _file_md(bench: BenchFile) -> str:
    return f"`{_code(bench.path)}` — {escape_md(_file_context(bench))}"


def _file_context(bench: BenchFile) -> str:
    return ", ".join([*bench.context, counted(len(bench.results), "benchmark")])


def _code(text: str) -> str:
    """``text`` safe inside a Markdown code span: one line, no backticks."""
    return plain(text).replace("`", "'")

"""A capture's comparison as text, Markdown (a PR-ready report) or strict JSON.

One :class:`CaptureReport` holds what was run (the manifest, when there is
one), the time diff, the time gate's verdict and, when profiles were taken,
the share diff of the average runs. :data:`RENDERERS` maps each ``--format``
to its renderer. Function names, paths, commands and stderr come from
outside: text shows them with control characters escaped (:func:`plain`),
Markdown escapes them (:func:`escape_md`), JSON carries them as strings.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from workbench.capture.manifest import Manifest
from workbench.capture.time_diff import FunctionTime, TimeDiff
from workbench.capture.time_gates import MIN_RUNS, TimeGateVerdict
from workbench.markdown import escape_md, md_table
from workbench.output import counted, json_text, plain
from workbench.profiles.diff import ProfileDiff
from workbench.profiles.render import columns
from workbench.stats import Comparison, format_p, format_pct

SCHEMA = "workbench.capture-report/1"
#: Function rows in text and Markdown unless told otherwise.
DEFAULT_TOP = 15
_WORDS = {"fail": "FAIL", "undecidable": "UNDECIDABLE", "pass": "pass", "~": "~"}
NOT_PROFILED = "not profiled (captured with --profiler none: times only)"
UNFINISHED = (
    "the capture has not finished (still running, or stopped by an error such as a full "
    "disk); the figures are the runs recorded so far"
)


@dataclass
class CaptureReport:
    """Everything a capture (or ``diff``/``gate`` of one) reports."""

    time: TimeDiff
    manifest: Manifest | None = None
    gate: TimeGateVerdict | None = None
    shares: ProfileDiff | None = None
    top: int | None = DEFAULT_TOP

    @property
    def exit_code(self) -> int:
        """1 when a run failed or the capture was interrupted (reported), else 0."""
        if self.manifest is not None and (self.manifest.failed_runs() or self.manifest.interrupted):
            return 1
        return 0

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "capture": None if self.manifest is None else _manifest_json(self.manifest),
            "time": self.time.to_json(),
            "gate": None if self.gate is None else self.gate.to_json(),
            "shares": None if self.shares is None else self.shares.to_json(top=self.top),
        }


# -- figures ---------------------------------------------------------------------
def seconds_text(value: float) -> str:
    """``1.234 s``, ``12.35 ms``, ``850 µs``: four significant digits."""
    for factor, unit in ((1.0, "s"), (1e-3, "ms"), (1e-6, "µs")):
        if abs(value) >= factor or unit == "µs":
            return f"{value / factor:.4g} {unit}"
    return f"{value:.4g} s"  # pragma: no cover - the loop always returns


def signed_seconds(value: float) -> str:
    return ("+" if value >= 0 else "-") + seconds_text(abs(value))


def median_text(comparison: Comparison, side: str) -> str:
    summary = comparison.base if side == "base" else comparison.branch
    spread = "∞" if summary.spread_pct is None else f"{summary.spread_pct:.0f}%"
    return f"{seconds_text(summary.median)} ± {spread}"


def change_text(comparison: Comparison) -> str:
    """``+200.0% [+190.1% … +210.3%]``, or ``~`` when not significant (benchstat).

    With fewer than 4 runs a side nothing can be significant: the change is
    shown as measured and marked untested, rather than hidden behind ``~``.
    """
    if min(comparison.base.n, comparison.branch.n) < MIN_RUNS:
        runs = counted(min(comparison.base.n, comparison.branch.n), "run")
        return f"{format_pct(comparison.delta_pct)} (untested: {runs})"
    if not comparison.significant:
        return "~"
    text = format_pct(comparison.delta_pct)
    if comparison.interval_pct is not None:
        low, high = comparison.interval_pct
        text += f" [{format_pct(low)} … {format_pct(high)}]"
    return text


def program_rows(time: TimeDiff) -> list[list[str]]:
    """One row per program metric that both sides have."""
    rows = []
    for name, comparison in (("wall", time.wall), ("cpu", time.cpu)):
        if comparison is None:
            continue
        rows.append(
            [
                name,
                median_text(comparison, "base"),
                median_text(comparison, "branch"),
                change_text(comparison),
                format_p(comparison.p_value),
                comparison.runs,
            ]
        )
    return rows


PROGRAM_HEADERS = ["time", "base", "branch", "Δ [95% interval]", "p", "n"]
FUNCTION_HEADERS = [
    "Δ self",
    "base self",
    "branch self",
    "Δ %",
    "p",
    "self share",
    "function",
    "file",
]


def function_cells(item: FunctionTime) -> list[str]:
    """The numbers of one function row (name and file are added by the caller)."""
    comparison = item.self_comparison
    if comparison is None:
        change, p = "untested", "-"
    elif min(comparison.base.n, comparison.branch.n) < MIN_RUNS:
        change, p = f"{format_pct(item.delta_self_pct)} (untested)", "-"
    else:
        change = format_pct(item.delta_self_pct) if comparison.significant else "~"
        if comparison.significant and item.delta_self_pct is None:
            change = "from 0"
        p = format_p(comparison.p_value)
    return [
        signed_seconds(item.delta_self_seconds),
        seconds_text(item.base_self_median),
        seconds_text(item.branch_self_median),
        change,
        p,
        f"{item.base_share_pct:.1f}% → {item.branch_share_pct:.1f}%",
    ]


def shown_functions(time: TimeDiff, top: int | None) -> list[FunctionTime]:
    """The functions that changed most in seconds (slower first), ``top`` of them."""
    changed = [item for item in time.functions if item.delta_self_seconds or item.significant]
    return changed if top is None else changed[:top]


def method_line(time: TimeDiff) -> str:
    tested = counted(len(time.tested), "function")
    return (
        "medians across runs ± the 95% interval of each median; Δ with the 95% interval of "
        "the change, '~' when not significant; p: two-sided Mann-Whitney U (exact with ties), "
        f"Holm-corrected over {tested} tested (self share ≥ {time.min_share_pct:g}% on a side), "
        f"α = {time.alpha:g}; n = runs a side"
    )


# -- text -------------------------------------------------------------------------
def render_text(report: CaptureReport) -> str:
    lines: list[str] = []
    if report.manifest is not None:
        lines += _what_text(report.manifest) + [""]
    lines += _time_text(report.time, report.top)
    if report.gate is not None:
        lines += ["", *_gate_text(report.gate)]
    if report.manifest is not None:
        lines += _failures_text(report.manifest)
    return "\n".join(lines)


def time_section_text(time: TimeDiff, top: int | None) -> str:
    """The time part alone (``diff`` of two recorded profiles appends it)."""
    return "\n".join(_time_text(time, top))


def _time_text(time: TimeDiff, top: int | None) -> list[str]:
    lines = ["Program time", columns(PROGRAM_HEADERS, program_rows(time), right=0)]
    lines += _notes(time)
    if not any(time.profiled_runs):
        return [*lines, "", f"Functions: {NOT_PROFILED}"]
    items = shown_functions(time, top)
    lines += ["", f"Functions by change of self time ({_profiled(time)})"]
    if not items:
        lines.append(
            "  no function profile on both sides" if not time.functions else "  none changed"
        )
    else:
        rows = [
            [*function_cells(item), plain(item.key.qualname), plain(item.key.path or "?")]
            for item in items
        ]
        lines.append(columns(FUNCTION_HEADERS, rows, right=6))
    lines += ["", f"method: {method_line(time)}"]
    return lines


def _notes(time: TimeDiff) -> list[str]:
    notes = [c.note for c in (time.wall, time.cpu) if c is not None and c.note]
    if time.holm_note:
        notes.append(time.holm_note)
    return [f"note: {note}" for note in dict.fromkeys(notes)]


def _profiled(time: TimeDiff) -> str:
    base, branch = time.profiled_runs
    return f"profiled runs: {base} base, {branch} branch"


def _gate_text(gate: TimeGateVerdict) -> list[str]:
    lines = [f"time gate: {_WORDS[gate.outcome]} ({_thresholds(gate)})"]
    for finding in gate.findings:
        lines.append(
            f"  {_WORDS[finding.verdict]:<11}  {finding.rule:<17}  {plain(finding.subject)}: "
            f"{plain(finding.message)}"
        )
    lines += [f"  note: {note}" for note in gate.notes]
    return lines


def _thresholds(gate: TimeGateVerdict) -> str:
    config = gate.config
    function = (
        "off" if config.function_slowdown_pct is None else f"+{config.function_slowdown_pct:g}%"
    )
    return (
        f"{config.program_metric} +{config.program_slowdown_pct:g}% with ≥ 4 runs a side, "
        f"+{config.few_runs_slowdown_pct:g}% with fewer; function self time {function}"
    )


def _what_text(manifest: Manifest) -> list[str]:
    lines = [f"capture: {plain(manifest.folder)}", f"command: {plain(shlex.join(manifest.argv))}"]
    for role in ("base", "branch"):
        info = manifest.side(role)
        ok = len(manifest.runs_of(role, ok_only=True))
        runs = len(manifest.runs_of(role))
        subject = f" {plain(info.subject)}" if info.subject else ""
        lines.append(
            f"{role:<6}: {plain(info.rev)} {info.sha[:12]}{subject} — {ok} of {runs} runs ok"
            + (f"; setup FAILED: {plain(info.setup_error)}" if info.setup_error else "")
        )
    setup = f", setup {plain(manifest.setup)!r}" if manifest.setup else ""
    lines.append(
        f"runs: {manifest.repeat} a side, interleaved, {_profiler(manifest)}"
        f"{setup}; Python {manifest.python_version}"
    )
    if manifest.interrupted:
        lines.append("INTERRUPTED: the figures below are what was measured before the stop")
    elif manifest.finished_at is None:
        lines.append(f"INCOMPLETE: {UNFINISHED}")
    return lines


def _profiler(manifest: Manifest) -> str:
    if manifest.profiler == "none":
        return "not profiled (times only)"
    return f"{manifest.profiler} at {manifest.rate} Hz"


def _failures_text(manifest: Manifest) -> list[str]:
    failed = manifest.failed_runs()
    if not failed:
        return []
    lines = ["", f"Failed runs ({len(failed)}, not in the figures above)"]
    for run in failed:
        lines.append(f"  {run.side} #{run.index} {run.sha[:12]}: {plain(run.failure)}")
        for tail in (run.stderr_tail or "").splitlines()[-5:]:
            lines.append(f"      {plain(tail)}")
    return lines


# -- Markdown -----------------------------------------------------------------------
def render_markdown(report: CaptureReport) -> str:
    parts = ["## Performance capture"]
    if report.gate is not None:
        parts[0] += f" — time gate {_WORDS[report.gate.outcome]}"
    if report.manifest is not None:
        parts += ["", *_what_markdown(report.manifest)]
    parts += ["", *time_section_markdown(report.time, report.top)]
    if report.gate is not None:
        gate = report.gate
        parts += [
            "",
            f"### Time gate: {_WORDS[gate.outcome]}",
            "",
            escape_md(_thresholds(gate)),
            "",
        ]
        parts.append(
            md_table(
                ["verdict", "rule", "subject", "why"],
                [[_WORDS[f.verdict], f.rule, f.subject, f.message] for f in gate.findings],
            )
        )
        parts += [f"- {escape_md(note)}" for note in gate.notes]
    if report.manifest is not None:
        parts += _failures_markdown(report.manifest)
    return "\n".join(parts)


def time_section_markdown(time: TimeDiff, top: int | None) -> list[str]:
    parts = ["### Program time", "", md_table(PROGRAM_HEADERS, program_rows(time))]
    parts += [f"\n{escape_md(note)}" for note in _notes(time)]
    if not any(time.profiled_runs):
        return [*parts, "", f"*Functions:* {escape_md(NOT_PROFILED)}"]
    items = shown_functions(time, top)
    parts += ["", f"### Functions by change of self time ({escape_md(_profiled(time))})", ""]
    if items:
        parts.append(
            md_table(
                FUNCTION_HEADERS,
                [[*function_cells(item), item.key.qualname, item.key.path] for item in items],
            )
        )
    else:
        parts.append("None.")
    parts += ["", f"*Method:* {escape_md(method_line(time))}"]
    return parts


def _what_markdown(manifest: Manifest) -> list[str]:
    rows = []
    for role in ("base", "branch"):
        info = manifest.side(role)
        ok = len(manifest.runs_of(role, ok_only=True))
        rows.append(
            [
                role,
                info.rev,
                info.sha,
                info.subject or "",
                f"{ok} of {len(manifest.runs_of(role))}",
                info.setup_error or ("ok" if manifest.setup else "-"),
            ]
        )
    finished = manifest.finished_at or "not finished"
    lines = [
        f"- **Repository:** `{_code(manifest.repo)}`",
        f"- **Captured:** {escape_md(manifest.created_at)} → {escape_md(finished)} with "
        f"workbench {escape_md(manifest.workbench_version)}",
        f"- **Command:** `{_code(shlex.join(manifest.argv))}`",
        f"- **Runs:** {manifest.repeat} a side, interleaved (base, branch, …); "
        f"{escape_md(_profiler(manifest))}; Python {escape_md(manifest.python_version)}",
    ]
    if manifest.setup:
        lines.append(f"- **Setup:** `{_code(manifest.setup)}` in a virtualenv per revision")
    if manifest.interrupted:
        lines.append("- **Interrupted:** the figures are what was measured before the stop")
    elif manifest.finished_at is None:
        lines.append(f"- **Incomplete:** {escape_md(UNFINISHED)}")
    lines.append(f"- **Reproduce:** `{_code(reproduce(manifest))}`")
    lines += ["", md_table(["side", "revision", "sha", "subject", "runs ok", "setup"], rows)]
    return lines


def reproduce(manifest: Manifest) -> str:
    """The ``workbench capture`` command line that runs this capture again."""
    argv = ["workbench", "capture", "--repo", manifest.repo, "--base", manifest.base.rev,
            "--branch", manifest.branch.rev, "--repeat", str(manifest.repeat),
            "--profiler", manifest.profiler]  # fmt: skip
    if manifest.profiler != "none":
        argv += ["--rate", str(manifest.rate)]
    if manifest.setup:
        argv += ["--setup", manifest.setup]
    return shlex.join([*argv, "--", *manifest.argv])


def _failures_markdown(manifest: Manifest) -> list[str]:
    failed = manifest.failed_runs()
    if not failed:
        return []
    parts = ["", f"### Failed runs ({len(failed)}, not in the figures)", ""]
    for run in failed:
        parts.append(f"- {run.side} #{run.index} `{run.sha[:12]}`: {escape_md(run.failure)}")
        tail = (run.stderr_tail or "").splitlines()[-5:]
        if tail:
            parts += ["", "  ```text", *[f"  {_fence(line)}" for line in tail], "  ```"]
    return parts


def _code(text: str) -> str:
    return plain(text).replace("`", "'")


def _fence(line: str) -> str:
    return plain(line).replace("```", "'''")


# -- JSON ---------------------------------------------------------------------------
def render_json(report: CaptureReport) -> str:
    return json_text(report.to_json(), indent=True)


def _manifest_json(manifest: Manifest) -> dict[str, Any]:
    data = manifest.to_json()
    data["folder"] = str(manifest.folder)
    return data


RENDERERS: dict[str, Callable[[CaptureReport], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}

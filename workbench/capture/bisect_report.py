"""``bisect``'s result as text, strict JSON (keys as documented) or a Markdown report for a PR."""

from __future__ import annotations

import shlex
from collections.abc import Callable

from workbench.capture.bisect import BisectResult, Commit, Step, reproduce, step_line
from workbench.capture.bisect_request import profiler_for
from workbench.markdown import escape_md, md_table
from workbench.output import json_text, plain
from workbench.stats import format_p, format_pct


def render_text(result: BisectResult) -> str:
    request = result.request
    lines = [
        f"bisect: {plain(request.good)} {result.good.sha[:12]} (good) .. "
        f"{plain(request.bad)} {result.bad.sha[:12]} (bad), {len(result.commits)} first-parent "
        "commits",
        f"command: {plain(shlex.join(request.argv))}",
        f"metric: {plain(request.metric)}, bad when slower by more than "
        f"{request.threshold_pct:g}%; {request.repeat} runs a step, interleaved with good; "
        f"profiler {profiler_for(request)}",
        "",
    ]
    lines += ["steps:", *step_lines(result), "", *found_lines(result)]
    return "\n".join(lines)


def step_lines(result: BisectResult) -> list[str]:
    """One literal line per step: the commit, its verdict, the metric and why."""
    return [f"  {plain(step_line(step))}  {plain(step.reason)}" for step in result.steps]


def found_lines(result: BisectResult) -> list[str]:
    """The first bad commit (sha, author, date, subject) or the range it is in, and the
    verdict, as literal lines (the Compare pane shows them above the steps)."""
    lines = []
    if result.first_bad is not None:
        lines += ["first bad commit:", *_commit_text(result.first_bad)]
    elif result.range:
        lines.append("first bad commit is one of:")
        for commit in result.range:
            lines.append(f"  {commit.sha[:12]} {plain(commit.subject)}")
    lines.append(plain(result.message))
    if result.interrupted:
        lines.append("INTERRUPTED: the steps are what was measured")
    return lines


def _commit_text(commit: Commit) -> list[str]:
    return [
        f"  {commit.sha}",
        f"  Author: {plain(commit.author)}",
        f"  Date:   {plain(commit.date)}",
        f"  {plain(commit.subject)}",
    ]


def render_markdown(result: BisectResult) -> str:
    request = result.request
    title = "## Performance bisect"
    if result.first_bad is not None:
        title += f": `{result.first_bad.sha[:12]}`"
    parts = [
        title,
        "",
        f"- **Repository:** `{_code(result.repo)}`",
        f"- **Range:** `{_code(request.good)}` ({result.good.sha[:12]}, good) .. "
        f"`{_code(request.bad)}` ({result.bad.sha[:12]}, bad): {len(result.commits)} "
        "first-parent commits",
        f"- **Command:** `{_code(shlex.join(request.argv))}`",
        f"- **Metric:** {escape_md(request.metric)}; bad when slower by more than "
        f"{request.threshold_pct:g}% than good; {request.repeat} runs per step interleaved "
        f"with good; profiler {escape_md(profiler_for(request))}",
    ]
    if request.setup:
        parts.append(f"- **Setup:** `{_code(request.setup)}`")
    parts += [
        f"- **Measured:** {len(result.steps)} steps in {result.seconds:.0f} s",
        f"- **Reproduce:** `{_code(reproduce(result))}`",
    ]
    parts += ["", f"**Result:** {escape_md(result.message)}", ""]
    if result.first_bad is not None:
        commit = result.first_bad
        parts += [
            f"- **First bad commit:** `{commit.sha}`",
            f"- **Author:** {escape_md(commit.author)}, {escape_md(commit.date)}",
            f"- **Subject:** {escape_md(commit.subject)}",
            "",
        ]
    elif result.range:
        parts += ["The first bad commit is one of:", ""]
        parts += [f"- `{c.sha[:12]}` {escape_md(c.subject)}" for c in result.range]
        parts.append("")
    parts += ["### Steps", "", md_table(_STEP_HEADERS, [_step_row(s) for s in result.steps])]
    if result.interrupted:
        parts += ["", "*Interrupted: the steps are what was measured.*"]
    return "\n".join(parts)


_STEP_HEADERS = ["commit", "subject", "verdict", "good", "commit", "Δ", "p", "runs", "why"]


def _step_row(step: Step) -> list[str]:
    def seconds(value: float | None) -> str:
        return "-" if value is None else f"{value:.4g} s"

    return [
        step.commit.sha[:12],
        step.commit.subject,
        step.verdict,
        seconds(step.metric_base),
        seconds(step.metric),
        format_pct(step.delta_pct) if step.metric is not None else "-",
        format_p(step.p_value) if step.p_value is not None else "-",
        str(step.runs),
        step.reason,
    ]


def render_json(result: BisectResult) -> str:
    return json_text(result.to_json(), indent=True)


def _code(text: str) -> str:
    return plain(text).replace("`", "'")


RENDERERS: dict[str, Callable[[BisectResult], str]] = {
    "text": render_text,
    "json": render_json,
    "markdown": render_markdown,
}

"""``BisectView``: a finished bisect in the Compare pane — the first bad commit, every step.

Commit subjects and authors come from the repository (anyone's text): every
line is built by the core's text renderer (control characters escaped) and
drawn as ``Text``, never parsed as markup — a subject ``[red]x[/]`` or
``[/]`` is just those characters.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

from workbench.output import counted, plain

if TYPE_CHECKING:  # loaded by the worker that ran the bisect, not with the first frame
    from workbench.capture.bisect import BisectResult


def bisect_text(result: BisectResult) -> Text:
    """Heading, the first bad commit (or range) and the verdict, then the steps (one line
    each: the pane cuts what does not fit, the steps last)."""
    from workbench.capture.bisect_report import found_lines, step_lines

    request = result.request
    text = Text()
    text.append(
        plain(
            f"Bisect {request.good}..{request.bad} · {request.metric}, bad when slower by more "
            f"than {request.threshold_pct:g}% · {counted(len(result.steps), 'step')} in "
            f"{result.seconds:.0f} s"
        ),
        style="bold",
    )
    named = 5 if result.first_bad is not None else 0  # "first bad commit:" and its 4 lines
    for number, line in enumerate(found_lines(result)):
        text.append("\n" + line, style="bold" if number < named else "")
        if number == 0 and named:  # near the top: a long list of steps never hides it
            text.append("   P files it as a backlog item · escape hides this", style="dim")
    text.append("\nsteps (metric: good's median → the commit's):")
    for line in step_lines(result):
        text.append("\n" + line)
    return text


class BisectView(Static):
    """The last bisect's result (hidden until one ends, and by ``escape``)."""

    DEFAULT_CSS = """
    BisectView {
        display: none;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id, markup=False)
        self.result: BisectResult | None = None
        """The result shown (kept when hidden: the file key still files it)."""

    def show(self, result: BisectResult) -> None:
        self.result = result
        self.update(bisect_text(result))
        self.display = True

"""Run an item's next diagnostic step from the app: the pane or dialog that runs it, prefilled.

The step itself is chosen in the core (:func:`workbench.triage.next_step.next_step`,
the same answer ``workbench backlog show`` prints); this module only takes it
where it runs: the History pane on the function, the Compare pane's capture
dialog with both revisions filled in, the Live pane's process picker. Steps
with no pane of their own (``record``, ``scaling``) put their exact command on
the clipboard and say so, with what to fill in.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message
from textual.screen import Screen

from screens.messages import HistoryRequested
from workbench.output import plain
from workbench.triage.next_step import PLACEHOLDER, NextStep


@dataclass
class StepChosen(Message):
    """A worker read the item and chose its next step; the pane runs it."""

    step: NextStep


async def run_next_step(screen: Screen, step: NextStep) -> str:
    """Start ``step`` from ``screen``; returns the one line the caller shows (literal text)."""
    return plain(await _run(screen, step))


async def _run(screen: Screen, step: NextStep) -> str:
    app = screen.app
    if step.tool == "history" and step.function:
        screen.post_message(HistoryRequested(step.function))
        return f"History of {step.function}: {step.what}"
    if step.tool == "capture" and step.base and step.branch:
        await app.switch_mode("compare")
        compare = app.screen
        if hasattr(compare, "new_capture"):
            compare.new_capture(step.base, step.branch)
            return f"Capture: {step.what}; give the command to run"
    if step.tool == "live":
        await app.switch_mode("live")
        live = app.screen
        if hasattr(live, "action_pick"):
            live.action_pick()
            return f"Live: pick the process, then watch {step.what}"
    app.copy_to_clipboard(step.command)
    fill = f" (put your program where {PLACEHOLDER} is)" if step.needs_command else ""
    return f"{step.what}. Copied to the clipboard{fill}: {step.command}"

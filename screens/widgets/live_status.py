"""The Live pane's status line: what is sampled, how well, and in what state.

``● sampling │ CPU view │ PID 4242 │ 99/100 Hz │ nonblocking │ 0:42 │ lost 3.1% │ python app.py``

The state and the view come first so a narrow terminal still shows them; the
sample count is not repeated here (the function table's title has the one count).

Built as one ``Text`` from plain strings: the command line comes from the
target and is never interpreted as markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.widgets import Static

if TYPE_CHECKING:
    from workbench.sampling.session import LiveSession

SEPARATOR = " │ "


def format_elapsed(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``) of a session's age."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def state_text(session: LiveSession | None, paused: bool, problem: str | None) -> Text:
    """The state at the end of the line: sampling, paused, exited or the failure."""
    if problem is not None:
        return Text(f"■ {problem}", style="bold red")
    if session is None:
        return Text("◌ attaching…", style="italic")
    if session.target_exited:
        return Text("■ target exited — data kept, ctrl+s saves it", style="bold red")
    if paused:
        return Text("⏸ paused (sampling goes on)", style="bold yellow")
    return Text("● sampling", style="bold green")


def status_text(
    session: LiveSession | None,
    target: str,
    mode: str,
    paused: bool,
    problem: str | None,
    view: str = "CPU",
) -> Text:
    """The whole status line; ``target`` is what the user asked for (PID or command).

    Most important first, so a narrow terminal cuts the command line, never
    the state: state, view, PID, rate, blocking mode, elapsed, lost time, command.
    """
    parts: list[Text] = [state_text(session, paused, problem)]
    if session is None:
        parts.append(Text(target))
        return Text(SEPARATOR).join(parts)
    parts.append(Text(f"{view} view", style="bold"))
    parts.append(Text.assemble(("PID ", "dim"), (str(session.pid), "bold")))
    parts.append(Text(f"{session.achieved_rate:.0f}/{session.requested_rate} Hz"))
    parts.append(Text(mode))
    parts.append(Text(format_elapsed(session.elapsed)))
    if session.total_samples:  # between py-spy runs, per batch (not per tick)
        parts.append(Text(f"lost {100.0 * (1.0 - session.coverage):.1f}%", style="dim"))
    parts.append(Text(session.command or target))
    return Text(SEPARATOR).join(parts)


class StatusLine(Static):
    """One line of status; :meth:`show` redraws it only when its text changed."""

    def show(
        self,
        session: LiveSession | None,
        target: str,
        mode: str,
        paused: bool,
        problem: str | None,
        view: str = "CPU",
    ) -> None:
        text = status_text(session, target, mode, paused, problem, view)
        if text != getattr(self, "_shown", None):
            self._shown = text
            self.update(text, layout=False)  # one line, full width: the size never changes

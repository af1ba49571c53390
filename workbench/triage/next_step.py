"""The signal picks the tool: the next diagnostic step for an item, one the workbench runs.

The playbook's mapping (DESIGN.md, "Diagnose") made concrete with what the
item already holds:

* a suspected *algorithmic* cause, whatever the signal → ``scaling`` at three
  input sizes: is the time super-linear in n?
* *CPU* or *latency* with a linked commit → ``capture`` of the commit against
  its parent, in seconds (py-spy for CPU, pyinstrument's wall clock for
  latency); *CPU* with a hot function → its ``history`` (which commits changed
  it, who, blame); otherwise a profile to start from: ``record`` (CPU view) or
  ``record --profiler pyinstrument`` (wall clock, waits included);
* *memory* and *allocation churn* → the Live pane: RSS over the session and
  its slope (the diagnosis names memory growth);
* *thread leak* → the Live pane: threads and FDs over time;
* *I/O* → the Live pane: read/write rates, idle share, the diagnosis line;
* *lock contention* → the Live pane: GIL and idle share per thread.

The step carries the exact ``workbench`` command; where the program to run
is not known, the command ends in ``-- CMD`` for the user to fill in. The
app runs the same step on a key (the pane or dialog that runs it, prefilled).
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from typing import Any, Literal

from workbench.triage.model import EvidenceKind, Item, Pattern, Signal

Tool = Literal["scaling", "capture", "history", "record", "live"]
#: What stands for the user's program in a command the item cannot complete.
PLACEHOLDER = "CMD"
#: Input sizes offered to ``scaling`` when nothing says better.
SIZES = "1000,2000,4000"


@dataclass(frozen=True)
class NextStep:
    """A diagnostic step: which tool, what it will show, and the command that runs it."""

    tool: Tool
    what: str
    """One line: what this step shows for the item's signal."""
    argv: tuple[str, ...]
    """The ``workbench`` command; it ends in ``CMD`` when the program must be filled in."""
    function: str | None = None
    """The function it is about (``history``), if any."""
    base: str | None = None
    """Revisions a ``capture`` compares."""
    branch: str | None = None

    @property
    def needs_command(self) -> bool:
        """The user must put their program where ``CMD`` is."""
        return self.argv[-1:] == (PLACEHOLDER,)

    @property
    def command(self) -> str:
        """The command line to run (``CMD`` left bare, to be replaced)."""
        if self.needs_command:
            return shlex.join(self.argv[:-1]) + " " + PLACEHOLDER
        return shlex.join(self.argv)

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": self.tool,
            "what": self.what,
            "command": self.command,
            "needs_command": self.needs_command,
            "function": self.function,
            "base": self.base,
            "branch": self.branch,
        }


def next_step(item: Item) -> NextStep:
    """The step the item's signal (and pattern, function, commit) calls for."""
    function = next((e.ref for e in item.evidence if e.kind is EvidenceKind.FUNCTION), None)
    commit = next((e.ref for e in item.evidence if e.kind is EvidenceKind.COMMIT), None)
    signal = item.signal
    if item.pattern is Pattern.ALGORITHMIC:
        about = f"{_short(function)}'s" if function else "each function's"
        return NextStep(
            "scaling",
            f"{about} time at three input sizes: is it super-linear in n?",
            ("workbench", "scaling", "--sizes", SIZES, "--propose", "--", PLACEHOLDER),
            function,
        )
    if signal in (Signal.CPU, Signal.LATENCY):
        return _time_step(item, signal, function, commit)
    what, argv = LIVE[signal]
    return NextStep("live", what, argv, function)


def _time_step(item: Item, signal: Signal, function: str | None, commit: str | None) -> NextStep:
    wall = signal is Signal.LATENCY
    profiler = ("--profiler", "pyinstrument") if wall else ()
    if commit:
        clock = "wall clock" if wall else "CPU and wall"
        return NextStep(
            "capture",
            f"{commit[:12]} against its parent in seconds ({clock}, runs interleaved, medians)",
            ("workbench", "capture", "--base", f"{commit}^", "--branch", commit, *profiler)
            + ("--", PLACEHOLDER),
            function,
            f"{commit}^",
            commit,
        )
    if function and not wall:
        return NextStep(
            "history",
            f"the commits that changed {_short(function)}, who made them, blame of its lines",
            ("workbench", "history", *(("--",) if function.startswith("-") else ()), function),
            function,
        )
    name = f"item-{item.id if item.id is not None else 'new'}"
    output = f"{name}-wall.json" if wall else f"{name}.speedscope.json"
    what = (
        "a wall-clock profile: where the time goes, waits included"
        if wall
        else "a sampled CPU profile: the hot functions to start from"
    )
    return NextStep(
        "record", what, ("workbench", "record", *profiler, "-o", output, "--", PLACEHOLDER)
    )


def _short(function: str | None) -> str:
    return (function or "").rsplit(":", 1)[-1]


_RUN = ("workbench", "run", "--", PLACEHOLDER)
#: The Live pane's evidence for each remaining signal (``workbench attach PID`` for a
#: process already running).
LIVE: dict[Signal, tuple[str, tuple[str, ...]]] = {
    Signal.MEMORY: ("the RSS trend over the session and its slope (Live pane)", _RUN),
    Signal.ALLOCATION_CHURN: ("RSS and its slope, CPU in collection (Live pane)", _RUN),
    Signal.THREAD_LEAK: ("threads and open FDs over time, their slopes (Live pane)", _RUN),
    Signal.IO: ("read/write rates, idle share and the diagnosis line (Live pane)", _RUN),
    Signal.LOCK_CONTENTION: ("GIL and idle share per thread (Live pane)", _RUN),
}

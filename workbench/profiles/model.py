"""The profile model: weighted stacks of interned frames.

Stacks are kept flat (one ``array`` of frame ids plus offsets) rather than as
a list of tuples: a 1,000,000-stack profile of depth 30 is 30M ids, which as
``array('I')`` is 120 MB and as tuples of ints would be several GB. Readers
append with :meth:`Profile.add_stack`; consumers iterate :meth:`Profile.stacks`
or work on the arrays directly (the diff does, with numpy).
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal

Unit = Literal["samples", "seconds"]


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame as the profiler reported it."""

    function: str
    """Function name, qualified where the profiler knows the class (``Cls.meth``)."""
    file: str = ""
    """Source path as recorded (absolute, relative or ``<frozen ...>``); '' if unknown."""
    line: int | None = None
    """Line number when the profile has them."""

    def label(self) -> str:
        """``function (file:line)``, the collapsed-stack spelling py-spy uses."""
        if not self.file:
            return self.function
        if self.line is None:
            return f"{self.function} ({self.file})"
        return f"{self.function} ({self.file}:{self.line})"


@dataclass
class ProfileMeta:
    """Where a profile came from; every field optional, readers fill what they know."""

    format: str = ""
    """Reader that produced it: collapsed, speedscope, pyinstrument, live."""
    unit: Unit = "samples"
    """What a weight counts: samples (see ``rate``) or seconds."""
    rate: float | None = None
    """Samples per second, so sample weights can be shown as time."""
    duration: float | None = None
    """Wall-clock seconds the capture lasted."""
    threads: list[str] = field(default_factory=list)
    """Thread names; ``Profile.stack_threads`` indexes into this list."""
    command: str | None = None
    pid: int | None = None
    git_revision: str | None = None
    captured_at: str | None = None
    """ISO 8601 time the capture started."""
    source: str | None = None
    """Path the profile was read from."""
    name: str | None = None
    """Display name (speedscope profile name, file stem)."""
    # -- set by ``workbench record -- CMD`` / ``capture`` (see profiles/run_meta.py) --
    profiler: str | None = None
    """``py-spy`` or ``pyinstrument``: what took the samples."""
    wall_seconds: float | None = None
    """Wall-clock seconds from the command's start to its exit (measured by us)."""
    cpu_seconds: float | None = None
    """User + system CPU seconds of the command and the children it waited for (rusage)."""
    exit_status: int | None = None
    """The command's exit status; negative: killed by that signal."""
    peak_rss_bytes: int | None = None
    """Largest resident set of the command or one of its children (rusage maxrss)."""
    argv: list[str] | None = None
    """The command exactly as run (``command`` is its display string)."""
    python_version: str | None = None
    """``major.minor.micro`` of the interpreter that ran the command, when known."""
    notes: list[str] = field(default_factory=list)
    """What the reader skipped or shortened (invalid lines, elided deep stacks), one
    sentence each, for the user to be told: a profile read with losses must say so."""


class Profile:
    """Weighted stacks (root first) over interned :class:`Frame` objects."""

    __slots__ = (
        "frames",
        "_frame_ids",
        "stack_frames",
        "stack_offsets",
        "weights",
        "stack_threads",
        "meta",
    )

    def __init__(self, meta: ProfileMeta | None = None) -> None:
        self.meta = meta or ProfileMeta()
        self.frames: list[Frame] = []
        """Interned frames; a frame id is an index into this list."""
        self._frame_ids: dict[Frame, int] = {}
        self.stack_frames = array("I")
        """Frame ids of every stack, root first, concatenated."""
        self.stack_offsets = array("Q", [0])
        """Stack ``i`` is ``stack_frames[stack_offsets[i]:stack_offsets[i + 1]]``."""
        self.weights = array("d")
        """Weight of each stack, in ``meta.unit``."""
        self.stack_threads = array("i")
        """Index into ``meta.threads`` for each stack, -1 when unknown."""

    # -- building -------------------------------------------------------
    def intern(self, frame: Frame) -> int:
        """The id of ``frame``, adding it the first time it is seen."""
        frame_id = self._frame_ids.get(frame)
        if frame_id is None:
            frame_id = self._frame_ids[frame] = len(self.frames)
            self.frames.append(frame)
        return frame_id

    def add_stack(self, frame_ids: Iterable[int], weight: float, thread: int = -1) -> None:
        """Append one stack of already interned frame ids (root first)."""
        self.stack_frames.extend(frame_ids)
        self.stack_offsets.append(len(self.stack_frames))
        self.weights.append(weight)
        self.stack_threads.append(thread)

    def add_frames(self, frames: Sequence[Frame], weight: float, thread: int = -1) -> None:
        """Append one stack given as frames (root first), interning them."""
        self.add_stack([self.intern(frame) for frame in frames], weight, thread)

    def thread_index(self, name: str) -> int:
        """The index of thread ``name`` in ``meta.threads``, adding it if new."""
        try:
            return self.meta.threads.index(name)
        except ValueError:
            self.meta.threads.append(name)
            return len(self.meta.threads) - 1

    # -- reading --------------------------------------------------------
    def __len__(self) -> int:
        return len(self.weights)

    def stack(self, index: int) -> tuple[int, ...]:
        """Frame ids of stack ``index``, root first."""
        offsets = self.stack_offsets
        return tuple(self.stack_frames[offsets[index] : offsets[index + 1]])

    def stacks(self) -> Iterator[tuple[tuple[int, ...], float, int]]:
        """Every ``(frame ids, weight, thread index)``, in insertion order."""
        frames, offsets = self.stack_frames, self.stack_offsets
        for index, weight in enumerate(self.weights):
            yield (
                tuple(frames[offsets[index] : offsets[index + 1]]),
                weight,
                self.stack_threads[index],
            )

    @property
    def total_weight(self) -> float:
        """Sum of all stack weights, in ``meta.unit``."""
        return float(sum(self.weights))

    def to_seconds(self, weight: float) -> float | None:
        """``weight`` as seconds, or None when samples come without a rate."""
        if self.meta.unit == "seconds":
            return weight
        if self.meta.rate:
            return weight / self.meta.rate
        return None

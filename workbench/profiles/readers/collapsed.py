"""Collapsed stacks (Brendan Gregg's folded format, py-spy ``--format raw``).

One line per stack, root first: ``frame;frame;frame COUNT``. py-spy spells a
frame ``func (path:line)``, ``func (path)`` with ``--nolineno``, and adds root
frames ``process PID:"cmd"`` (``--subprocesses``) and ``thread (TID): name``
(``--threads``); those become thread and process metadata, not functions.

Speed matters here (a 1,000,000-line pair must parse and diff in about three
times the cost of merely splitting its lines), so the file is streamed in
binary chunks that :mod:`~workbench.profiles.readers.folded_scan` turns into
frame ids with numpy; nothing loops over frames in Python. Frame strings are
decoded and parsed into :class:`Frame` objects once per distinct string, at
the end. Chunks the scanner refuses (``\r\n``, blank lines, decimal counts)
are cleaned line by line first, and malformed lines are reported by number.
"""

from __future__ import annotations

import json
import re
from array import array
from dataclasses import dataclass
from itertools import repeat
from typing import Any, BinaryIO

import numpy as np

from workbench.errors import ProfileFormatError
from workbench.output import counted
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.readers import NO_PYTHON_FRAME
from workbench.profiles.readers.folded_scan import FrameInterner, IrregularChunk, scan_chunk
from workbench.profiles.readers.threads import thread_label
from workbench.profiles.readers.values import ValueProblem, restore_meta, weight
from workbench.profiles.run_meta import restore_run_meta

#: First line our writer emits: metadata the folded format has no place for,
#: as a stack of weight 0, which speedscope and flamegraph.pl ignore.
HEADER_PREFIX = "# workbench: "
HEADER_SUFFIX = " 0"
#: Bytes read per chunk: large enough to amortise numpy calls, small enough to stream.
_CHUNK_BYTES = 4 << 20

#: A line: the stack, blanks (a space, or a tab as some stackcollapse scripts write), a count.
_LINE = re.compile(rb"^(.*)[ \t]+(\d+(?:\.\d*)?)$", re.DOTALL)
#: A longer "line number" is part of the path (and ``int`` refuses 4,300 digits and more).
_MAX_LINE_DIGITS = 9
#: Frames :func:`_parsed_frames` remembers, and at most how many.
_PARSED: dict[str, Frame] = {}
_PARSED_MAX = 1 << 18
_PARSED_LABEL_MAX = 1024
_THREAD = re.compile(r"^thread \((?P<id>[^()]*)\)(?:: (?P<name>.*))?$")
_PROCESS = re.compile(r'^process (?P<pid>\d+):"(?P<command>.*)"$')


def parse_frame(text: str) -> Frame:
    """A frame from its collapsed spelling: ``func (path:line)``, ``func (path)`` or ``func``.

    py-spy writes an empty stack (``" 3"``) for a sample without Python
    frames; that empty frame is :data:`NO_PYTHON_FRAME`.
    """
    if not text:
        return NO_PYTHON_FRAME
    split = text.find(" (")  # the first: a path may hold " (", a py-spy name does not
    if split < 0 or not text.endswith(")"):
        return Frame(text)
    path = text[split + 2 : -1]
    file, colon, line = path.rpartition(":")
    if colon and line.isdecimal() and len(line) <= _MAX_LINE_DIGITS:
        return Frame(text[:split], file, int(line))
    return Frame(text[:split], path)


def forget_parsed_frames() -> None:
    """Empty the cache of :func:`_parsed_frames`, so a benchmark measures a cold read."""
    _PARSED.clear()


def _parsed_frames(labels: list[str]) -> list[Frame]:
    """:func:`parse_frame` of each label, remembering the last profile's: a diff reads two
    profiles of one program, whose tens of thousands of frames are mostly the same."""
    if len(_PARSED) > _PARSED_MAX:
        _PARSED.clear()
    cache = _PARSED
    frames = []
    for label in labels:
        frame = cache.get(label)
        if frame is None:
            frame = parse_frame(label)
            if len(label) <= _PARSED_LABEL_MAX:  # a 30 MB name is not kept after its read
                cache[label] = frame
        frames.append(frame)
    return frames


@dataclass
class _Skipped:
    """Lines that are not ``stack COUNT``: skipped (as flamegraph.pl and speedscope do) and told."""

    count: int = 0
    first: str = ""

    def add(self, raw: bytes, line_no: int) -> None:
        if not self.count:
            text = raw.decode("utf-8", errors="replace").rstrip()
            shown = text if len(text) <= 60 else text[:57] + "..."
            self.first = f"line {line_no}: {shown!r}"
        self.count += 1


def read_collapsed(stream: BinaryIO, source: str) -> Profile:
    """Read folded stacks from binary ``stream``; ``source`` names the file in errors.

    Lines that are not ``stack COUNT`` are skipped and counted in the
    profile's notes; a file with more such lines than stacks is refused (it is
    not collapsed stacks), and so is a last line cut before its count (the
    file was truncated).
    """
    profile = Profile(ProfileMeta(format="collapsed", unit="samples", source=source))
    interner = FrameInterner()
    skipped = _Skipped()
    first = stream.readline()
    header: dict[str, Any] = {}
    lines_before = 0
    if first.startswith(HEADER_PREFIX.encode()):
        header = _apply_header(profile.meta, first.decode("utf-8"), source)
        first, lines_before = b"", 1
    chunk = bytearray(first)
    while True:
        chunk += stream.read(_CHUNK_BYTES)
        if not chunk:
            break
        if not chunk.endswith(b"\n"):
            chunk += stream.readline()  # complete the last line, so chunks hold whole lines
        at_end = not chunk.endswith(b"\n")  # only the file's last line can lack one
        lines_before += _add_chunk(profile, interner, chunk, lines_before, at_end, skipped, source)
        chunk = bytearray()
    if skipped.count > len(profile):
        raise ProfileFormatError(
            f"{source}: {skipped.count:,} of {skipped.count + len(profile):,} lines are not "
            f"'frame;frame;... COUNT' (first: {skipped.first}); not collapsed stacks"
        )
    if not len(profile):
        raise ProfileFormatError(f"{source}: collapsed profile holds no stacks")
    if skipped.count:
        profile.meta.notes.append(
            f"skipped {counted(skipped.count, 'invalid line')} (not 'frame;frame;... COUNT'; "
            f"first: {skipped.first})"
        )
    counts_per_unit = float(header.get("counts_per_unit") or 1.0)
    if counts_per_unit != 1.0:
        weights = np.frombuffer(profile.weights, dtype=np.float64)
        weights /= counts_per_unit
    _finish(profile, [label.decode("utf-8", errors="replace") for label in interner.labels])
    saved_threads = header.get("threads")
    if isinstance(saved_threads, list) and len(saved_threads) == len(profile.meta.threads):
        profile.meta.threads = [str(label) for label in saved_threads]  # exact labels, see writer
    return profile


def _apply_header(meta: ProfileMeta, line: str, source: str) -> dict[str, Any]:
    """Fill ``meta`` from our writer's header line and return the whole header."""
    try:
        header = json.loads(line[len(HEADER_PREFIX) :].rstrip().removesuffix(HEADER_SUFFIX))
    except (ValueError, RecursionError) as error:  # JSONDecodeError, a 5,000-digit integer
        message = f"{source}: line 1: unreadable workbench header ({str(error):.80})"
        raise ProfileFormatError(message) from None
    if not isinstance(header, dict):
        raise ProfileFormatError(f"{source}: line 1: workbench header is not a JSON object")
    try:
        restore_meta(meta, header, "line 1: header")
        restore_run_meta(meta, header, source)
        unit = header.get("unit", meta.unit)
        if unit not in ("samples", "seconds"):
            raise ValueProblem(f"line 1: unknown unit {unit!r:.40} in header")
        meta.unit = unit
        per_unit = header.get("counts_per_unit")
        if per_unit is not None and not weight(per_unit, "line 1: counts_per_unit") > 0:
            raise ValueProblem("line 1: counts_per_unit must be positive")
    except ValueProblem as problem:
        raise ProfileFormatError(f"{source}: {problem}") from None
    return header


def _add_chunk(
    profile: Profile,
    interner: FrameInterner,
    data: bytearray,
    lines_before: int,
    at_end: bool,
    skipped: _Skipped,
    source: str,
) -> int:
    """Append the stacks of ``data`` (whole lines); returns how many lines it held."""
    try:
        scanned = scan_chunk(data, interner)
        lines = len(scanned.counts)
    except IrregularChunk:
        lines = data.count(b"\n") + (not data.endswith(b"\n"))
        cleaned, counts = _clean_chunk(bytes(data), lines_before, at_end, skipped, source)
        if not counts:
            return lines
        try:
            scanned = scan_chunk(cleaned, interner)
        except IrregularChunk:  # cleaned lines are regular; this guards against surprises
            raise ProfileFormatError(
                f"{source}: unreadable collapsed lines after line {lines_before}"
            ) from None
        scanned.counts = np.array(counts, dtype=np.float64)
    offsets = np.cumsum(scanned.lengths, dtype=np.uint64) + np.uint64(profile.stack_offsets[-1])
    profile.stack_frames.frombytes(_raw(scanned.frame_ids, np.uint32))
    profile.stack_offsets.frombytes(_raw(offsets, np.uint64))
    profile.weights.frombytes(_raw(scanned.counts, np.float64))
    profile.stack_threads.extend(repeat(-1, len(scanned.counts)))
    return lines


def _raw(values: np.ndarray, dtype: type) -> memoryview:
    """The bytes of ``values`` as ``dtype``, without the copy ``tobytes`` makes."""
    return np.ascontiguousarray(values, dtype=dtype).view(np.uint8).data


def _clean_chunk(
    data: bytes, lines_before: int, at_end: bool, skipped: _Skipped, source: str
) -> tuple[bytes, list[float]]:
    """Lines the scanner accepts (count ``1``) and the real counts; other lines skipped.

    Handles what the fast path refuses: ``\\r\\n``, blank lines, trailing
    blanks, a tab before the count, decimal counts.
    """
    lines: list[bytes] = []
    counts: list[float] = []
    raw_lines = data.split(b"\n")
    last = len(raw_lines) - 1
    for index, raw in enumerate(raw_lines):
        text = raw.rstrip()
        if not text:
            continue
        match = _LINE.match(text)
        if match is None or match[1].endswith((b" ", b"\t")):
            if at_end and index == last:
                raise ProfileFormatError(
                    f"{source}: line {lines_before + index + 1}: truncated — the last line "
                    "stops before its sample count; the file was cut short, capture it again"
                )
            skipped.add(raw, lines_before + index + 1)
            continue
        counts.append(float(match[2]))
        lines.append(match[1] + b" 1\n")
    return b"".join(lines), counts


def _finish(profile: Profile, labels: list[str]) -> None:
    """Turn interned frame strings into frames, thread and process metadata."""
    kinds = [special_frame(label) for label in labels]
    parsed = _parsed_frames(labels)
    frames = [None if kind else frame for frame, kind in zip(parsed, kinds, strict=True)]
    distinct = set(frames)
    distinct.discard(None)
    if all(kind is None for kind in kinds) and len(distinct) == len(frames):
        profile.frames = frames  # type: ignore[assignment] - no None when nothing is special
        profile._frame_ids = {frame: index for index, frame in enumerate(frames)}  # noqa: SLF001
        return
    _strip_special_frames(profile, frames, kinds)


def special_frame(label: str) -> tuple[str, str, str | None] | None:
    """``("thread", id, name)`` or ``("process", pid, command)`` for py-spy's root frames."""
    if label.startswith("thread ("):
        match = _THREAD.match(label)
        if match:
            return ("thread", match["id"], match["name"])
    elif label.startswith("process "):
        match = _PROCESS.match(label)
        if match:
            return ("process", match["pid"], match["command"])
    return None


def _strip_special_frames(
    profile: Profile,
    frames: list[Frame | None],
    kinds: list[tuple[str, str, str | None] | None],
) -> None:
    """Move thread/process frames out of the stacks and merge frames spelled twice.

    A stack made only of such frames (py-spy sampled a thread with no Python
    frame, at thread start or exit) gets the leaf :data:`NO_PYTHON_FRAME`, so
    its weight stays in the total and every stack keeps a leaf.
    """
    meta = profile.meta
    thread_names: dict[str, str | None] = {}
    processes: dict[str, str | None] = {}
    for kind in kinds:
        if kind is not None:
            table = thread_names if kind[0] == "thread" else processes
            table[kind[1]] = table.get(kind[1]) or kind[2]
    if processes:
        pid, command = next(iter(processes.items()))
        meta.pid, meta.command = int(pid), command
    owner_kind = "thread" if thread_names else "process"
    owners = {
        key: profile.thread_index(
            thread_label(key, name) if thread_names else f'process {key} "{name}"'
        )
        for key, name in (thread_names or processes).items()
    }
    owner_of_id = np.full(len(frames), -1, dtype=np.int32)
    remap = np.zeros(len(frames), dtype=np.uint32)
    for frame_id, (frame, kind) in enumerate(zip(frames, kinds, strict=True)):
        if frame is not None:
            remap[frame_id] = profile.intern(frame)
        elif kind is not None and kind[0] == owner_kind:
            owner_of_id[frame_id] = owners[kind[1]]
    ids = np.frombuffer(profile.stack_frames, dtype=np.uint32)
    offsets = np.frombuffer(profile.stack_offsets, dtype=np.uint64).astype(np.int64)
    special = np.fromiter((frame is None for frame in frames), dtype=bool, count=len(frames))
    stack_of = np.repeat(np.arange(len(profile), dtype=np.int64), np.diff(offsets))
    is_special = special[ids]
    owners_seen = owner_of_id[ids[is_special]]
    stacks_seen = stack_of[is_special]
    stack_threads = np.frombuffer(profile.stack_threads, dtype=np.int32)
    stack_threads[stacks_seen[owners_seen >= 0]] = owners_seen[owners_seen >= 0]
    kept = ~is_special
    kept_lengths = np.bincount(stack_of[kept], minlength=len(profile))
    emptied = np.flatnonzero((kept_lengths == 0) & (np.diff(offsets) > 0))
    if len(emptied):
        leaves = offsets[emptied + 1] - 1
        kept[leaves] = True
        kept_lengths[emptied] = 1
        remap[np.unique(ids[leaves])] = profile.intern(NO_PYTHON_FRAME)
    profile.stack_frames = array("I", remap[ids[kept]].tobytes())
    new_offsets = np.concatenate(([0], np.cumsum(kept_lengths))).astype(np.uint64)
    profile.stack_offsets = array("Q", new_offsets.tobytes())

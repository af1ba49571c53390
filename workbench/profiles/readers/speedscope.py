"""speedscope JSON (https://www.speedscope.app/file-format-schema.json).

A file holds ``shared.frames`` and several profiles — py-spy writes one
``sampled`` profile per thread, named ``Thread TID "name"``; other tools write
``evented`` profiles (open/close events over time). Each profile becomes one
thread of the result, so threads can be merged (the default) or picked.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from workbench.errors import ProfileFormatError
from workbench.profiles.model import Frame, Profile, ProfileMeta, Unit
from workbench.profiles.readers import NO_PYTHON_FRAME
from workbench.profiles.readers.collapsed import special_frame
from workbench.profiles.readers.stack_tree import StackTree
from workbench.profiles.readers.values import (
    ValueProblem,
    frame_index,
    line_number,
    optional_text,
    reading,
    restore_meta,
    text,
    weight,
)
from workbench.profiles.run_meta import restore_run_meta

#: Top-level key our writer adds for metadata speedscope has no field for
#: (speedscope ignores unknown top-level keys).
META_KEY = "workbench"
SCHEMA_URL = "https://www.speedscope.app/file-format-schema.json"
#: speedscope value units → (our unit, factor to that unit).
UNITS: dict[str, tuple[Unit, float]] = {
    "seconds": ("seconds", 1.0),
    "milliseconds": ("seconds", 1e-3),
    "microseconds": ("seconds", 1e-6),
    "nanoseconds": ("seconds", 1e-9),
    "none": ("samples", 1.0),
    "bytes": ("samples", 1.0),
}
#: Frame id standing for a py-spy thread or process frame (dropped from stacks).
SPECIAL = -1


def is_speedscope(document: Any) -> bool:
    """Whether a parsed JSON document is a speedscope file."""
    return (
        isinstance(document, dict)
        and isinstance(document.get("profiles"), list)
        and (
            isinstance(document.get("shared"), dict) or "speedscope" in str(document.get("$schema"))
        )
    )


def read_speedscope(document: dict[str, Any], source: str) -> Profile:
    """The profiles of a speedscope document, one thread each."""
    with reading(source, "speedscope file"):
        return _read(document, source)


def _read(document: dict[str, Any], source: str) -> Profile:
    profiles = document["profiles"]
    if not profiles:
        raise ProfileFormatError(f"{source}: speedscope file holds no profiles")
    if not all(isinstance(entry, dict) for entry in profiles):
        raise ProfileFormatError(f"{source}: speedscope 'profiles' must be a list of objects")
    units = {UNITS.get(str(entry.get("unit")), ("?", 0.0))[0] for entry in profiles}
    if "?" in units or len(units) != 1:
        raise ProfileFormatError(
            f"{source}: speedscope profiles use units {sorted(units)} that cannot be combined; "
            f"known units: {', '.join(UNITS)}"
        )
    name = document.get("name")
    meta = ProfileMeta(format="speedscope", unit=units.pop(), name=optional_text(name, "name"))
    profile = Profile(meta)
    shared = document.get("shared")
    frame_ids = _intern_frames(profile, shared.get("frames") if isinstance(shared, dict) else None)
    saved = document.get(META_KEY)
    unthreaded = saved.get("unthreaded_profile") if isinstance(saved, dict) else None
    durations = []
    for index, entry in enumerate(profiles):
        thread = -1 if index == unthreaded else profile.thread_index(_profile_name(entry, index))
        factor = UNITS[entry["unit"]][1]
        where = f"profile {index}"
        hint = "; expected a 'sampled' or 'evented' profile as the schema says"
        with reading(source, f"speedscope {where}", hint):
            if entry.get("type") == "sampled":
                _add_sampled(profile, entry, frame_ids, factor, thread, where)
            elif entry.get("type") == "evented":
                _evented(entry, frame_ids, where).write(profile, thread, factor)
            else:
                raise ValueError(f"unknown profile type {entry.get('type')!r:.40}")
        if "startValue" in entry and "endValue" in entry:
            start = weight(entry["startValue"], f"{where} startValue")
            end = weight(entry["endValue"], f"{where} endValue")
            durations.append(max(0.0, end - start) * factor)
    if profile.meta.unit == "seconds" and durations:
        profile.meta.duration = max(durations)
    if isinstance(saved, dict):
        restore_meta(profile.meta, saved, f"'{META_KEY}'")
        restore_run_meta(profile.meta, saved, source)
    return profile


def _profile_name(entry: dict[str, Any], index: int) -> str:
    name = entry.get("name")
    return text(name, f"profile {index} name") if name else f"profile {index}"


def _intern_frames(profile: Profile, frames: Any) -> list[int]:
    """Ids of ``shared.frames``, in file order; :data:`SPECIAL` for py-spy's pseudo-frames.

    py-spy ``--threads`` and ``--subprocesses`` put ``thread (TID): name`` and
    ``process PID:"cmd"`` frames (no file) at the root of every speedscope
    sample, as in its ``raw`` output. They are not functions (an idle thread
    would make ``thread (6297)`` a hotspot); the first process frame gives the
    profile's PID and command.
    """
    if not isinstance(frames, list):
        raise ValueProblem("speedscope file has no shared.frames list")
    ids = []
    for index, frame in enumerate(frames):
        where = f"shared.frames[{index}]"
        if not isinstance(frame, dict) or "name" not in frame:
            raise ValueProblem(f"{where} must be an object with at least a 'name'")
        name = text(frame["name"], f"{where} name")
        file = optional_text(frame.get("file"), f"{where} file") or ""
        kind = None if file else special_frame(name)
        if kind is None:
            line = line_number(frame.get("line"), f"{where} line")
            ids.append(profile.intern(Frame(name, file, line)))
            continue
        ids.append(SPECIAL)
        if kind[0] == "process" and profile.meta.pid is None:
            profile.meta.pid, profile.meta.command = int(kind[1]), kind[2]
    return ids


def _add_sampled(
    profile: Profile,
    entry: dict[str, Any],
    frame_ids: list[int],
    factor: float,
    thread: int,
    where: str,
) -> None:
    """Add a sampled profile's stacks (root first), one per distinct stack."""
    samples = entry["samples"]
    weights = entry.get("weights") or [1.0] * len(samples)
    if len(weights) != len(samples):
        raise ValueError("samples and weights differ in length")
    totals: Counter[tuple[int, ...]] = Counter()
    for number, (stack, value) in enumerate(zip(samples, weights, strict=True)):
        totals[tuple(stack)] += weight(value, f"{where} weights[{number}]")
    count = len(frame_ids)
    no_python = -1
    for stack, total in totals.items():
        ids = [frame_ids[frame_index(i, count, f"{where} sample")] for i in stack]
        if SPECIAL in ids:  # py-spy's --threads / --subprocesses root frames
            ids = [frame for frame in ids if frame != SPECIAL]
        if not ids:
            if no_python < 0:
                no_python = profile.intern(NO_PYTHON_FRAME)
            ids = [no_python]
        profile.add_stack(ids, total * factor, thread)


def _evented(entry: dict[str, Any], frame_ids: list[int], where: str) -> StackTree:
    """An evented profile as a :class:`StackTree`: each node weighs the time it was innermost.

    Time is added to the innermost open frame at each event, which is one step
    per event whatever the depth (see :mod:`.stack_tree`); py-spy's thread and
    process pseudo-frames are kept out of the tree but must still nest.
    """
    tree = StackTree()
    count = len(frame_ids)
    node = 0
    opened: list[int] = []  # frame indices as the file gave them, to check each close
    last = weight(entry.get("startValue", 0.0), f"{where} startValue")
    for number, event in enumerate(entry["events"]):
        at = weight(event["at"], f"{where} event {number} 'at'")
        if opened and at > last:
            tree.add(node, at - last)
        last = max(last, at)
        frame = frame_index(event["frame"], count, f"{where} event {number}")
        kind = event["type"]
        if kind == "O":
            opened.append(frame)
            if frame_ids[frame] != SPECIAL:
                node = tree.child(node, frame_ids[frame])
        elif kind == "C":
            if not opened or opened[-1] != frame:
                raise ValueProblem(
                    f"{where} event {number} closes frame {frame}, which is not the innermost open"
                )
            opened.pop()
            if frame_ids[frame] != SPECIAL:
                node = tree.parent[node]
        else:
            raise ValueProblem(f"{where} event {number} has unknown type {kind!r:.20}")
    return tree

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
_META_FIELDS = ("rate", "duration", "command", "pid", "git_revision", "captured_at")


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
    profile = Profile(ProfileMeta(format="speedscope", unit=units.pop(), name=document.get("name")))
    frame_ids = _intern_frames(profile, document.get("shared", {}).get("frames"), source)
    saved = document.get(META_KEY)
    unthreaded = saved.get("unthreaded_profile") if isinstance(saved, dict) else None
    durations = []
    for index, entry in enumerate(profiles):
        thread = -1 if index == unthreaded else profile.thread_index(_profile_name(entry, index))
        factor = UNITS[entry["unit"]][1]
        try:
            stacks = _sampled(entry) if entry.get("type") == "sampled" else _evented(entry)
            for stack, weight in stacks.items():
                ids = [frame_ids[i] for i in stack]
                if SPECIAL in ids:  # py-spy's --threads / --subprocesses root frames
                    ids = [frame for frame in ids if frame != SPECIAL]
                ids = ids or [profile.intern(NO_PYTHON_FRAME)]
                profile.add_stack(ids, weight * factor, thread)
        except (KeyError, IndexError, TypeError, ValueError) as error:
            raise ProfileFormatError(
                f"{source}: speedscope profile {index} is malformed ({type(error).__name__}: "
                f"{error}); expected a 'sampled' or 'evented' profile as the schema says"
            ) from None
        if "startValue" in entry and "endValue" in entry:
            durations.append((entry["endValue"] - entry["startValue"]) * factor)
    if profile.meta.unit == "seconds" and durations:
        profile.meta.duration = max(durations)
    _restore_meta(profile.meta, saved, source)
    return profile


def _profile_name(entry: dict[str, Any], index: int) -> str:
    return str(entry.get("name") or f"profile {index}")


def _intern_frames(profile: Profile, frames: Any, source: str) -> list[int]:
    """Ids of ``shared.frames``, in file order; :data:`SPECIAL` for py-spy's pseudo-frames.

    py-spy ``--threads`` and ``--subprocesses`` put ``thread (TID): name`` and
    ``process PID:"cmd"`` frames (no file) at the root of every speedscope
    sample, as in its ``raw`` output. They are not functions (an idle thread
    would make ``thread (6297)`` a hotspot); the first process frame gives the
    profile's PID and command.
    """
    if not isinstance(frames, list):
        raise ProfileFormatError(f"{source}: speedscope file has no shared.frames list")
    ids = []
    try:
        for frame in frames:
            name, file = str(frame["name"]), frame.get("file") or ""
            kind = None if file else special_frame(name)
            if kind is None:
                ids.append(profile.intern(Frame(name, file, frame.get("line"))))
                continue
            ids.append(SPECIAL)
            if kind[0] == "process" and profile.meta.pid is None:
                profile.meta.pid, profile.meta.command = int(kind[1]), kind[2]
    except (KeyError, TypeError, AttributeError):
        raise ProfileFormatError(
            f"{source}: speedscope shared.frames entries need at least a 'name'"
        ) from None
    return ids


def _sampled(entry: dict[str, Any]) -> Counter[tuple[int, ...]]:
    """Weight per distinct stack of a sampled profile (samples are root first)."""
    weights = entry.get("weights") or [1.0] * len(entry["samples"])
    if len(weights) != len(entry["samples"]):
        raise ValueError("samples and weights differ in length")
    totals: Counter[tuple[int, ...]] = Counter()
    for stack, weight in zip(entry["samples"], weights, strict=True):
        totals[tuple(stack)] += float(weight)
    return totals


def _evented(entry: dict[str, Any]) -> Counter[tuple[int, ...]]:
    """Weight per distinct stack of an evented profile: time with exactly that stack open."""
    if entry.get("type") != "evented":
        raise ValueError(f"unknown profile type {entry.get('type')!r}")
    totals: Counter[tuple[int, ...]] = Counter()
    stack: list[int] = []
    last = float(entry.get("startValue", 0.0))
    for event in entry["events"]:
        at = float(event["at"])
        if stack and at > last:
            totals[tuple(stack)] += at - last
        last = max(last, at)
        if event["type"] == "O":
            stack.append(int(event["frame"]))
        elif event["type"] == "C":
            if not stack or stack[-1] != int(event["frame"]):
                raise ValueError(f"close of frame {event['frame']} that is not the innermost open")
            stack.pop()
        else:
            raise ValueError(f"unknown event type {event['type']!r}")
    return totals


def _restore_meta(meta: ProfileMeta, saved: Any, source: str) -> None:
    """Put back what our writer stored under :data:`META_KEY`."""
    if not isinstance(saved, dict):
        return
    for key in _META_FIELDS:
        if saved.get(key) is not None:
            setattr(meta, key, saved[key])
    restore_run_meta(meta, saved, source)

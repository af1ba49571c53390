"""Write a profile as collapsed stacks or as speedscope JSON.

Both outputs open in the usual viewers (flamegraph.pl, speedscope) and read
back through :func:`workbench.profiles.io.read_profile` into the same stacks,
weights, threads and metadata. Metadata the formats have no field for travels
in places the viewers ignore: a first line ``# workbench: {json} 0`` in
collapsed files (a stack of weight 0: speedscope drops zero-weight samples,
flamegraph.pl draws nothing for it, and with its count the line still passes
speedscope's "every line ends with a count" test for folded files), a
top-level ``"workbench"`` key in speedscope files.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from workbench.files import output_file
from workbench.output import json_text
from workbench.profiles.model import Profile, ProfileMeta
from workbench.profiles.readers.collapsed import HEADER_PREFIX, HEADER_SUFFIX
from workbench.profiles.readers.speedscope import META_KEY, SCHEMA_URL
from workbench.profiles.readers.threads import split_label
from workbench.profiles.run_meta import run_meta_json

EXPORTER = "triage-workbench"
#: Collapsed counts must be integers for speedscope, so seconds are written as microseconds.
MICROSECONDS = 1_000_000
_META_FIELDS = ("rate", "duration", "command", "pid", "git_revision", "captured_at", "name")

StackKey = tuple[int, tuple[int, ...]]


def write_collapsed(profile: Profile, path: Path) -> None:
    """One line per distinct (thread, stack), threads as py-spy ``--threads`` root frames."""
    totals = _merged_stacks(profile)
    threads = sorted({thread for thread, _ in totals if thread >= 0})
    header = _saved_meta(profile.meta)
    header["unit"] = profile.meta.unit
    header["threads"] = [profile.meta.threads[thread] for thread in threads]
    if profile.meta.unit == "seconds":
        header["counts_per_unit"] = MICROSECONDS
    labels = [_collapsed_safe(frame.label()) for frame in profile.frames]
    thread_frames = {
        thread: _thread_frame(profile.meta.threads[thread], thread) for thread in threads
    }
    with output_file(path) as out:
        out.write(f"{HEADER_PREFIX}{json_text(header)}{HEADER_SUFFIX}\n")
        for (thread, stack), weight in sorted(totals.items(), key=lambda item: item[0][0]):
            names = [labels[frame_id] for frame_id in stack]
            if thread >= 0:
                names.insert(0, thread_frames[thread])
            out.write(f"{';'.join(names)} {_count(weight, profile.meta.unit)}\n")


def write_speedscope(profile: Profile, path: Path) -> None:
    """A speedscope file with one sampled profile per thread (and one for unthreaded stacks)."""
    meta = profile.meta
    by_thread: defaultdict[int, list[tuple[tuple[int, ...], float]]] = defaultdict(list)
    for (thread, stack), weight in _merged_stacks(profile).items():
        by_thread[thread].append((stack, weight))
    unit = "seconds" if meta.unit == "seconds" else "none"
    profiles = []
    saved = _saved_meta(meta)
    for thread in sorted(by_thread):
        if thread < 0:
            saved["unthreaded_profile"] = len(profiles)
        entries = by_thread[thread]
        total = sum(weight for _, weight in entries)
        profiles.append(
            {
                "type": "sampled",
                "name": meta.threads[thread] if thread >= 0 else (meta.name or "all stacks"),
                "unit": unit,
                "startValue": 0,
                "endValue": total,
                "samples": [list(stack) for stack, _ in entries],
                "weights": [weight for _, weight in entries],
            }
        )
    document = {
        "$schema": SCHEMA_URL,
        "exporter": EXPORTER,
        "name": meta.name or "profile",
        "activeProfileIndex": 0,
        "shared": {"frames": [_speedscope_frame(frame) for frame in profile.frames]},
        "profiles": profiles,
        META_KEY: saved,
    }
    with output_file(path) as out:
        out.write(json_text(document))


def _merged_stacks(profile: Profile) -> dict[StackKey, float]:
    """Weight per distinct (thread, stack), in first-seen order."""
    totals: defaultdict[StackKey, float] = defaultdict(float)
    for stack, weight, thread in profile.stacks():
        totals[(thread, stack)] += weight
    return totals


def _saved_meta(meta: ProfileMeta) -> dict[str, Any]:
    saved = {key: getattr(meta, key) for key in _META_FIELDS if getattr(meta, key) is not None}
    return saved | run_meta_json(meta)


def _collapsed_safe(text: str) -> str:
    """A frame label that cannot break the line or the stack apart."""
    return text.replace(";", ",").replace("\n", " ").replace("\r", " ")


def _thread_frame(label: str, index: int) -> str:
    """py-spy's ``thread (TID): name`` root frame for a thread label."""
    parts = split_label(label)
    thread_id, name = parts if parts else (str(index), label)
    frame = f"thread ({thread_id}): {name}" if name else f"thread ({thread_id})"
    return _collapsed_safe(frame)


def _count(weight: float, unit: str) -> str:
    if unit == "seconds":
        return str(round(weight * MICROSECONDS))
    return str(int(weight)) if float(weight).is_integer() else repr(float(weight))


def _speedscope_frame(frame: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"name": frame.function}
    if frame.file:
        entry["file"] = frame.file
    if frame.line is not None:
        entry["line"] = frame.line
    return entry

"""Thread labels shared by every reader and writer, and picking one thread.

py-spy names a thread ``Thread 6298 "MainThread"`` in speedscope output and
``thread (6298): MainThread`` as a root frame of collapsed ``--threads``
output. We keep the speedscope spelling as the one label in
``ProfileMeta.threads`` so the same capture read from either format names its
threads the same way, and a user can pick a thread by its label, its name or
its id.
"""

from __future__ import annotations

import re
from array import array
from dataclasses import replace

from workbench.errors import ProfileFormatError
from workbench.profiles.model import Profile

_LABEL = re.compile(r'^Thread (?P<id>\S+)(?: "(?P<name>.*)")?$')


def thread_label(thread_id: str, name: str | None) -> str:
    """``Thread ID "NAME"`` (or ``Thread ID`` when the name is unknown)."""
    return f'Thread {thread_id} "{name}"' if name else f"Thread {thread_id}"


def split_label(label: str) -> tuple[str, str | None] | None:
    """``(id, name)`` of a label made by :func:`thread_label`, else None."""
    match = _LABEL.match(label)
    return (match["id"], match["name"]) if match else None


def matches(label: str, index: int, selector: str) -> bool:
    """Whether ``selector`` (label, thread name, thread id or list index) means this thread."""
    if selector in (label, str(index)):
        return True
    parts = split_label(label)
    if parts is None:
        return False
    thread_id, name = parts
    if selector == name:
        return True
    try:
        return int(selector, 0) == int(thread_id, 0)
    except ValueError:
        return selector == thread_id


def select_thread(profile: Profile, selector: str, source: str) -> Profile:
    """A new profile with only the stacks of the thread ``selector`` names.

    Frames no remaining stack uses are dropped so that function tables built
    from the result do not list zero rows.
    """
    import numpy as np  # the thread labels above are read where NumPy is not loaded

    chosen = [i for i, label in enumerate(profile.meta.threads) if matches(label, i, selector)]
    if not chosen:
        known = ", ".join(profile.meta.threads) or "none (the profile has no thread information)"
        raise ProfileFormatError(f"{source}: no thread {selector!r}; threads: {known}")
    stack_threads = np.frombuffer(profile.stack_threads, dtype=np.int32)
    keep_stacks = np.isin(stack_threads, chosen)
    offsets = np.frombuffer(profile.stack_offsets, dtype=np.uint64).astype(np.int64)
    ids = np.frombuffer(profile.stack_frames, dtype=np.uint32)
    lengths = np.diff(offsets)
    keep_ids = ids[np.repeat(keep_stacks, lengths)]
    used = np.unique(keep_ids)
    remap = np.zeros(len(profile.frames) + 1, dtype=np.uint32)
    remap[used] = np.arange(len(used), dtype=np.uint32)

    result = Profile(replace(profile.meta, threads=[profile.meta.threads[i] for i in chosen]))
    for frame_id in used.tolist():
        result.intern(profile.frames[frame_id])
    result.stack_frames = array("I", remap[keep_ids].tobytes())
    result.stack_offsets = array("Q", [0])
    result.stack_offsets.frombytes(np.cumsum(lengths[keep_stacks]).astype(np.uint64).tobytes())
    result.weights = array("d", np.frombuffer(profile.weights)[keep_stacks].tobytes())
    new_index = np.full(len(profile.meta.threads), -1, dtype=np.int32)
    new_index[chosen] = np.arange(len(chosen), dtype=np.int32)
    result.stack_threads = array("i", new_index[stack_threads[keep_stacks]].tobytes())
    return result

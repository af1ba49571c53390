"""pyinstrument output: the ``-r json`` frame tree and the ``-r pyisession`` session.

``-r json`` (``JSONRenderer``) writes a tree whose nodes carry ``function``,
``file_path``, ``line_no``, ``class_name`` and the *total* ``time`` in
seconds; a node's self time is its time minus its real children's. Some
children are synthetic — ``[self]``, ``[await]``, ``[out-of-context]`` — and
stand for time the parent spent itself, so they are not frames.

A session (``Session.save``, ``-r pyisession``) keeps the raw samples instead:
``frame_records`` of ``[call stack, seconds]``, each frame an identifier
``function\\x00path\\x00line`` with ``\\x01``-separated attributes (``c`` class
name). Its root frame is the thread (path ``<thread>``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from workbench.errors import ProfileFormatError
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.readers import NO_PYTHON_FRAME
from workbench.profiles.readers.threads import thread_label

#: pyinstrument's identifiers of frames that are not code (pyinstrument/frame.py).
SYNTHETIC = frozenset({"[self]", "[await]", "[out-of-context]", "[root]"})
_THREAD_PATH = "<thread>"
#: Self time below this is float noise from ``time - sum(children)``, not a sample.
_EPSILON = 1e-9


def is_pyinstrument(document: Any) -> bool:
    """Whether a parsed JSON document is pyinstrument output (tree or session)."""
    return isinstance(document, dict) and (
        isinstance(document.get("root_frame"), dict | None)
        and "root_frame" in document
        or isinstance(document.get("frame_records"), list)
    )


def read_pyinstrument(document: dict[str, Any], source: str) -> Profile:
    """A profile in seconds from either pyinstrument document."""
    meta = ProfileMeta(format="pyinstrument", unit="seconds")
    meta.duration = _number(document.get("duration"))
    start = _number(document.get("start_time"))
    if start is not None:
        meta.captured_at = dt.datetime.fromtimestamp(start, dt.UTC).isoformat(timespec="seconds")
    target = document.get("target_description")
    if isinstance(target, str):
        meta.command = target.removeprefix("Program: ")
    profile = Profile(meta)
    try:
        if "frame_records" in document:
            _read_records(profile, document["frame_records"])
        elif document["root_frame"] is not None:
            _read_tree(profile, document["root_frame"])
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise ProfileFormatError(
            f"{source}: malformed pyinstrument profile ({type(error).__name__}: {error})"
        ) from None
    if not len(profile):
        raise ProfileFormatError(f"{source}: pyinstrument profile holds no samples")
    return profile


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) else None


def _read_tree(profile: Profile, root: dict[str, Any]) -> None:
    """Walk the renderer's tree without recursion (real stacks go deeper than Python's limit)."""
    pending: list[tuple[dict[str, Any], tuple[int, ...], int]] = [(root, (), -1)]
    while pending:
        node, parent_stack, thread = pending.pop()
        if node["function"] in SYNTHETIC:
            continue
        if node.get("file_path") == _THREAD_PATH:
            thread = profile.thread_index(thread_label(str(node.get("line_no")), node["function"]))
            stack = parent_stack
        else:
            stack = (*parent_stack, profile.intern(_tree_frame(node)))
        children = node.get("children") or []
        real = [child for child in children if child["function"] not in SYNTHETIC]
        own = float(node["time"]) - sum(float(child["time"]) for child in real)
        if own > _EPSILON and stack:
            profile.add_stack(stack, own, thread)
        pending.extend((child, stack, thread) for child in reversed(real))


def _tree_frame(node: dict[str, Any]) -> Frame:
    name = node["function"]
    if node.get("class_name"):
        name = f"{node['class_name']}.{name}"
    path = node.get("file_path") or node.get("file_path_short") or ""
    return Frame(name, path, int(node["line_no"]) if node.get("line_no") else None)


def _read_records(profile: Profile, records: list[Any]) -> None:
    """Sum the session's samples per distinct stack."""
    frames: dict[str, Frame | str | None] = {}
    totals: Counter[tuple[tuple[int, ...], int]] = Counter()
    for call_stack, seconds in records:
        stack: list[int] = []
        thread = -1
        for info in call_stack:
            parsed = frames.get(info)
            if parsed is None and info not in frames:
                parsed = frames[info] = _record_frame(info)
            if isinstance(parsed, Frame):
                stack.append(profile.intern(parsed))
            elif isinstance(parsed, str):
                thread = profile.thread_index(parsed)
        totals[(tuple(stack), thread)] += float(seconds)
    for (stack, thread), seconds in totals.items():
        profile.add_stack(stack or (profile.intern(NO_PYTHON_FRAME),), seconds, thread)


def _record_frame(info: str) -> Frame | str | None:
    """A session frame: a :class:`Frame`, a thread label (str), or None for synthetic ones."""
    identifier, _, attributes = info.partition("\x01")
    function, _, rest = identifier.partition("\x00")
    path, _, line = rest.partition("\x00")
    if identifier in SYNTHETIC or function in SYNTHETIC:
        return None
    if path == _THREAD_PATH:
        return thread_label(line, function)
    classes = [part[1:] for part in attributes.split("\x01") if part.startswith("c")]
    if classes:
        function = f"{classes[0]}.{function}"
    return Frame(function, path, int(line) if line.isdigit() and int(line) else None)

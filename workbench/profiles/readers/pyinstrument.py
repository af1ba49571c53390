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
from workbench.profiles.readers.stack_tree import StackTree
from workbench.profiles.readers.threads import thread_label
from workbench.profiles.readers.values import (
    ValueProblem,
    line_number,
    optional_text,
    reading,
    text,
    weight,
)

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
    with reading(source, "pyinstrument profile"):
        profile = Profile(_meta(document))
        if "frame_records" in document:
            _read_records(profile, document["frame_records"])
        elif document["root_frame"] is not None:
            _read_tree(profile, document["root_frame"])
    if not len(profile):
        raise ProfileFormatError(f"{source}: pyinstrument profile holds no samples")
    return profile


def _meta(document: dict[str, Any]) -> ProfileMeta:
    meta = ProfileMeta(format="pyinstrument", unit="seconds")
    if document.get("duration") is not None:
        meta.duration = weight(document["duration"], "duration")
    if document.get("start_time") is not None:
        start = weight(document["start_time"], "start_time")
        try:
            at = dt.datetime.fromtimestamp(start, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueProblem(f"start_time {start!r} is not a time (seconds since 1970)") from None
        meta.captured_at = at.isoformat(timespec="seconds")
    target = document.get("target_description")
    if isinstance(target, str):
        meta.command = text(target, "target_description").removeprefix("Program: ")
    return meta


def _read_tree(profile: Profile, root: dict[str, Any]) -> None:
    """Walk the renderer's tree without recursion (real stacks go deeper than Python's limit).

    Nodes go into a :class:`StackTree` per thread, so a deep tree costs its
    size, not its size times its depth.
    """
    trees: dict[int, StackTree] = {}
    pending: list[tuple[dict[str, Any], int, int]] = [(root, 0, -1)]
    while pending:
        node, parent, thread = pending.pop()
        if not isinstance(node, dict):
            raise ValueProblem(f"a frame must be an object, not {type(node).__name__}")
        function = text(node["function"], "frame function")
        if function in SYNTHETIC:
            continue
        tree = trees.get(thread)
        if node.get("file_path") == _THREAD_PATH:
            thread = profile.thread_index(thread_label(str(node.get("line_no")), function))
            tree, at = trees.setdefault(thread, StackTree()), 0
        else:
            tree = tree if tree is not None else trees.setdefault(thread, StackTree())
            at = tree.child(parent, profile.intern(_tree_frame(node, function)))
        children = node.get("children") or []
        real = [child for child in children if _function_of(child) not in SYNTHETIC]
        time = weight(node["time"], f"time of {function!r:.60}")
        own = time - sum(weight(child["time"], "frame time") for child in real)
        if own > _EPSILON and at:
            tree.add(at, own)
        pending.extend((child, at, thread) for child in reversed(real))
    for thread, tree in trees.items():
        tree.write(profile, thread)


def _function_of(node: Any) -> Any:
    return node["function"] if isinstance(node, dict) else None


def _tree_frame(node: dict[str, Any], function: str) -> Frame:
    class_name = optional_text(node.get("class_name"), "class_name")
    name = f"{class_name}.{function}" if class_name else function
    path = node.get("file_path") or node.get("file_path_short") or ""
    return Frame(name, text(path, "file_path"), line_number(node.get("line_no"), "line_no"))


def _read_records(profile: Profile, records: list[Any]) -> None:
    """Sum the session's samples per distinct stack."""
    frames: dict[str, Frame | str | None] = {}
    totals: Counter[tuple[tuple[int, ...], int]] = Counter()
    for number, (call_stack, seconds) in enumerate(records):
        stack: list[int] = []
        thread = -1
        for info in call_stack:
            parsed = frames.get(info)
            if parsed is None and info not in frames:
                parsed = frames[info] = _record_frame(text(info, "frame identifier"))
            if isinstance(parsed, Frame):
                stack.append(profile.intern(parsed))
            elif isinstance(parsed, str):
                thread = profile.thread_index(parsed)
        totals[(tuple(stack), thread)] += weight(seconds, f"frame_records[{number}] time")
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
    number = int(line) if line.isdigit() and len(line) < 10 else 0
    return Frame(function, path, number or None)

"""Function identity that survives a change of checkout, worktree or virtualenv.

Two profiles of the same code rarely agree on absolute paths: one was taken in
``/src/app``, the other in ``/tmp/wt-branch``; py-spy's collapsed output writes
paths relative to the ``sys.path`` entry (``pkg/mod.py``) while its speedscope
output writes them absolute. A :class:`FunctionKey` is the qualified name plus
a *stable* path: after ``site-packages/`` for installed code, after
``lib/pythonX.Y/`` for the standard library, relative to the project root
(the nearest folder holding ``.git``, ``pyproject.toml``, ``setup.py`` or
``setup.cfg``) for project code. The diff matches what still differs by path
suffix (see :func:`suffix_match`).
"""

from __future__ import annotations

import os
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import NamedTuple

from workbench.profiles.model import Frame

_INSTALLED = re.compile(r"^.*/(?:site|dist)-packages/")
_STDLIB = re.compile(r"^.*/lib/python\d+(?:\.\d+)?/")
_PROJECT_MARKERS = (".git", "pyproject.toml", "setup.py", "setup.cfg")
#: ``qualname (path:line)`` or ``qualname (path)``, as py-spy and our collapsed writer spell frames.
_FRAME_LABEL = re.compile(r"^(?P<name>.*?) \((?P<path>.*?)(?::(?P<line>\d+))?\)$")


class FunctionKey(NamedTuple):
    """A function as the diff, the backlog and the history know it: ``path:qualname``.

    A named tuple rather than a dataclass: diffs hash, compare and sort
    hundreds of thousands of keys, and tuple comparison runs in C.
    """

    path: str
    qualname: str

    def __str__(self) -> str:
        return f"{self.path}:{self.qualname}" if self.path else self.qualname

    @classmethod
    def parse(cls, text: str) -> FunctionKey:
        """Read ``path:qualname`` or a frame label ``qualname (path:line)``.

        The path part is everything up to the last ``:`` that is followed by a
        name, so Windows drive letters and ``<frozen x>`` paths survive.
        """
        text = text.strip()
        label = _FRAME_LABEL.match(text)
        if label:
            return cls(stable_path(label["path"]), label["name"])
        path, sep, qualname = text.rpartition(":")
        if not sep or not qualname or not path:
            return cls("", text)
        return cls(stable_path(path), qualname)


#: The synthetic root of a diff tree: every stack of both profiles hangs under it.
ROOT_KEY = FunctionKey("", "all")


def stable_path(path: str, roots: Sequence[str] = ()) -> str:
    """``path`` made comparable across checkouts and environments (see module doc)."""
    if not path or path.startswith("<"):
        return path
    path = path.replace("\\", "/")
    installed = _INSTALLED.sub("", path, count=1)
    if installed != path:
        return installed
    stdlib = _STDLIB.sub("", path, count=1)
    if stdlib != path:
        return stdlib
    for root in roots:
        root = root.rstrip("/") + "/"
        if path.startswith(root):
            return path[len(root) :]
    if path.startswith("/"):
        root = _project_root(os.path.dirname(path))
        if root:
            return path[len(root) + 1 :]
    return path[2:] if path.startswith("./") else path


@lru_cache(maxsize=4096)
def _project_root(directory: str) -> str | None:
    """The nearest folder at or above ``directory`` that looks like a project root."""
    current = directory
    while current and current != "/":
        if any(os.path.exists(os.path.join(current, marker)) for marker in _PROJECT_MARKERS):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            break
        current = parent
    return None


def function_key(frame: Frame, roots: Sequence[str] = ()) -> FunctionKey:
    """The identity of the function ``frame`` belongs to (its line is dropped)."""
    return FunctionKey(stable_path(frame.file, roots), frame.function)


def suffix_match(
    keys: Iterable[FunctionKey], others: Iterable[FunctionKey]
) -> dict[FunctionKey, FunctionKey]:
    """Pair keys that differ only by a path prefix (``/tmp/wt/pkg/a.py`` vs ``pkg/a.py``).

    For each key of ``keys`` absent from ``others``, the one key of ``others``
    with the same qualname whose path is a ``/``-suffix of it (or it of that
    path) is its match. Ambiguous candidates are left unmatched: a wrong match
    would hide a real regression. Two such paths end in the same file name,
    so candidates are looked up by (qualname, file name): linear in the keys
    even when thousands share a name (``__init__``, ``run``).
    """
    other_set = set(others)
    by_name: dict[tuple[str, str], list[FunctionKey]] = defaultdict(list)
    for other in other_set:
        if other.path:
            by_name[(other.qualname, _file_name(other.path))].append(other)
    matches: dict[FunctionKey, FunctionKey] = {}
    for key in keys:
        if key in other_set or not key.path:
            continue
        candidates = [
            other
            for other in by_name.get((key.qualname, _file_name(key.path)), ())
            if _is_path_suffix(key.path, other.path) or _is_path_suffix(other.path, key.path)
        ]
        if len(candidates) == 1:
            matches[key] = candidates[0]
    return matches


def _file_name(path: str) -> str:
    return path.rpartition("/")[2]


def _is_path_suffix(short: str, long: str) -> bool:
    return long == short or long.endswith("/" + short)

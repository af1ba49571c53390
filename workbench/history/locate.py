"""Find a function's definition span at a revision with Python's ``ast``.

``git log -L :name:file`` matches a regex on the first line it meets: it stops
at the first nested ``def``, picks ``@overload`` stubs and the wrong method of
a common name. Here the qualified name is resolved on the syntax tree, so
``Parser.parse`` is never ``Lexer.parse``, ``outer.<locals>.inner`` (or
``outer.inner``) is the nested one, the implementation wins over its
``@overload`` stubs, and the span starts at the first decorator.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import HistoryError

if TYPE_CHECKING:
    import git


@dataclass(frozen=True, slots=True)
class Span:
    """Where a function's source is at one revision: 1-based, inclusive, decorators included."""

    path: str
    """Path in the repository (relative, ``/``-separated)."""
    qualname: str
    """Qualified name as found in the tree (``Class.method``, ``outer.<locals>.inner``)."""
    start: int
    end: int

    @property
    def length(self) -> int:
        """Number of source lines in the span."""
        return self.end - self.start + 1

    def __contains__(self, line: object) -> bool:
        return isinstance(line, int) and self.start <= line <= self.end


def parse_function_ref(text: str) -> tuple[str, str]:
    """``(path, qualname)`` from ``path:Class.method`` or a frame label ``qualname (path:line)``.

    Raises :class:`HistoryError` when ``text`` names no file.
    """
    raise NotImplementedError


def locate_in_source(source: str, qualname: str, path: str = "") -> Span:
    """The span of ``qualname`` in ``source`` (pure: no git).

    Raises :class:`HistoryError` naming the functions that exist nearby when
    ``qualname`` is not defined, or when ``source`` does not parse.
    """
    raise NotImplementedError


def function_names(source: str) -> list[str]:
    """Every function's qualified name in ``source``, in source order (``outer.inner`` style)."""
    raise NotImplementedError


def locate_function(repo: git.Repo, path: str, qualname: str, rev: str = "HEAD") -> Span:
    """The span of ``qualname`` in ``path`` as of commit ``rev``.

    Raises :class:`HistoryError` when the file does not exist at ``rev`` or the
    function is not in it.
    """
    raise NotImplementedError

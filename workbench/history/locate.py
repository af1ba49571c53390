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
import difflib
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import HistoryError
from workbench.history.repo import file_at
from workbench.profiles.identity import FunctionKey

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


_LOCALS = re.compile(r"\.<locals>(?=\.)")
#: Trailing code objects without a def of their own (``.<listcomp>.<genexpr>``...).
_ANONYMOUS = re.compile(r"(?:\.<(?:listcomp|dictcomp|setcomp|genexpr|lambda)>)+$")
_FRAME_LINE = re.compile(r" \(.*:(\d+)\)$")
_MAY_HOLD_DEFS = (ast.stmt, ast.excepthandler, ast.match_case)
_OVERLOAD_NAMES = {"overload", "typing.overload", "typing_extensions.overload", "t.overload"}


@dataclass(frozen=True, slots=True)
class _Def:
    qualname: str
    """``outer.inner`` style: ``<locals>`` left out."""
    start: int
    end: int
    overload: bool
    outer: int
    """Header line of the outermost class or def it is nested in; 0 at module level."""


def parse_function_ref(text: str) -> tuple[str, str]:
    """``(path, qualname)`` from ``path:Class.method`` or a frame label ``qualname (path:line)``.

    Raises :class:`HistoryError` when ``text`` names no file or no function.
    """
    key = FunctionKey.parse(text)
    if key.path and not key.qualname or not key.path and ".py" in key.qualname:
        raise HistoryError(f"{text!r} names no function; write it as path/to/file.py:Class.method")
    if not key.path or not key.qualname:
        raise HistoryError(f"{text!r} names no file; write it as path/to/file.py:Class.method")
    return key.path, key.qualname


def frame_line(text: str) -> int | None:
    """The line of a frame label ``qualname (path:line)``, or None."""
    match = _FRAME_LINE.search(text.strip())
    return int(match[1]) if match else None


def _normal(qualname: str) -> str:
    """``outer.inner`` style, and a comprehension or lambda as the function around it.

    Profilers report the code of ``[x for x in ...]`` or ``lambda: ...`` as its
    own frame (``f.<locals>.<listcomp>``), but it has no ``def`` and no history
    apart from the function that holds it.
    """
    return _ANONYMOUS.sub("", _LOCALS.sub("", qualname.strip()))


def _is_overload(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        ast.unparse(d.func if isinstance(d, ast.Call) else d) in _OVERLOAD_NAMES
        for d in node.decorator_list
    )


def _defs(tree: ast.AST, prefix: str = "", outer: int = 0) -> Iterator[_Def]:
    """Every function in ``tree`` with its span, depth first in source order."""
    for node in ast.iter_child_nodes(tree):
        if not isinstance(node, _MAY_HOLD_DEFS):
            continue  # expressions hold no def: skipping them makes the walk 5x faster
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            name = prefix + node.name
            start = min([node.lineno] + [d.lineno for d in node.decorator_list])
            end = node.end_lineno or node.lineno
            yield _Def(name, start, end, _is_overload(node), outer)
            yield from _defs(node, name + ".", outer or node.lineno)
        elif isinstance(node, ast.ClassDef):
            yield from _defs(node, prefix + node.name + ".", outer or node.lineno)
        else:
            yield from _defs(node, prefix, outer)


#: ``ast.parse`` is not thread-safe on CPython before 3.11.8/3.12.1 (gh-106905):
#: the AST builder's recursion counter is shared, and when a garbage collection
#: during one parse runs Python code that lets another thread parse, the first
#: fails with ``SystemError: AST constructor recursion depth mismatch``. The
#: History pane's workers and ``hotspots``' thread pool parse at the same time.
_PARSE_LOCK = threading.Lock()


def parse_python(source: str) -> ast.Module:
    """``ast.parse``, one thread at a time (see :data:`_PARSE_LOCK`)."""
    with _PARSE_LOCK:
        return ast.parse(source)


def _parse(source: str, path: str) -> ast.Module:
    try:
        return parse_python(source)
    except (SyntaxError, ValueError) as error:
        raise HistoryError(f"{path or 'the source'} does not parse as Python ({error})") from None
    except (RecursionError, MemoryError) as error:
        # Expressions nested thousands deep exhaust the parser's stack, a huge file its
        # memory: the file is the problem, so it is one line, not a traceback.
        why = "nested too deeply" if isinstance(error, RecursionError) else "too large"
        raise HistoryError(f"{path or 'the source'} is {why} for Python's parser") from None


def function_names(source: str) -> list[str]:
    """Every function's qualified name in ``source``, in source order (``outer.inner`` style)."""
    return [found.qualname for found in _defs(_parse(source, ""))]


def locate_in_source(source: str, qualname: str, path: str = "", near: int | None = None) -> Span:
    """The span of ``qualname`` in ``source`` (pure: no git).

    ``qualname`` may be a full qualified name (``Class.method``,
    ``outer.<locals>.inner`` or ``outer.inner``) or, as some profilers report,
    a bare name that is unique in the file. Among several definitions of the
    same name the one whose span holds line ``near`` wins, else the last one
    that is not an ``@overload`` stub (the one Python binds). Raises
    :class:`HistoryError` naming the functions that exist nearby when
    ``qualname`` is not defined, or when ``source`` does not parse.
    """
    return locate_with_scope(source, qualname, path, near)[0]


def locate_with_scope(
    source: str, qualname: str, path: str = "", near: int | None = None
) -> tuple[Span, int]:
    """:func:`locate_in_source`, plus the header line of the outermost enclosing scope (or 0)."""
    wanted = _normal(qualname)
    defs = list(_defs(_parse(source, path)))
    found = [d for d in defs if d.qualname == wanted]
    if not found and "." not in wanted:
        found = [d for d in defs if d.qualname.rsplit(".", 1)[-1] == wanted]
        if len({d.qualname for d in found}) > 1 and not _holding(found, near):
            names = ", ".join(sorted({d.qualname for d in found}))
            raise HistoryError(
                f"{qualname!r} is ambiguous in {path or 'the source'} ({names}); "
                "give the qualified name"
            )
    if not found:
        raise HistoryError(_not_found(qualname, wanted, path, [d.qualname for d in defs]))
    best = _holding(found, near) or [d for d in found if not d.overload] or found
    chosen = best[-1]
    return Span(path, chosen.qualname, chosen.start, chosen.end), chosen.outer


def _holding(defs: list[_Def], line: int | None) -> list[_Def]:
    """The innermost of ``defs`` whose span holds ``line``, as a 0/1-item list."""
    if line is None:
        return []
    holding = [d for d in defs if d.start <= line <= d.end]
    return sorted(holding, key=lambda d: d.end - d.start)[:1]


def _not_found(qualname: str, wanted: str, path: str, names: list[str]) -> str:
    scope = wanted.rpartition(".")[0]
    names = list(dict.fromkeys(names))
    nearby = difflib.get_close_matches(wanted, names, n=6, cutoff=0.5)
    nearby += [n for n in names if scope and n.startswith(scope + ".") and n not in nearby]
    where = path or "the source"
    if not names:
        return f"{qualname!r} not found: {where} defines no functions"
    listed = ", ".join(nearby[:8]) if nearby else ", ".join(names[:8])
    return f"{qualname!r} not found in {where}; functions nearby: {listed}"


def locate_function(
    repo: git.Repo, path: str, qualname: str, rev: str = "HEAD", near: int | None = None
) -> Span:
    """The span of ``qualname`` in ``path`` as of commit ``rev`` (see :func:`locate_in_source`).

    Raises :class:`HistoryError` when the file does not exist at ``rev`` or the
    function is not in it.
    """
    source = file_at(repo, rev, path)
    if source is None:
        raise HistoryError(
            f"{path} is not a file in the repository at {rev[:12]}; check the path and --rev"
        )
    return locate_in_source(source, qualname, path, near)

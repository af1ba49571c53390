"""Find a function's definition span at a revision with Python's ``ast``.

``git log -L :name:file`` matches a regex on the first line it meets: it stops
at the first nested ``def``, picks ``@overload`` stubs and the wrong method of
a common name. Here the qualified name is resolved on the syntax tree, so
``Parser.parse`` is never ``Lexer.parse``, ``outer.<locals>.inner`` (or
``outer.inner``) is the nested one, the implementation wins over its
``@overload`` stubs, and the span starts at the first decorator. The source
is parsed as bytes so that its own encoding line is honoured (PEP 263); a
source that is not Python 3 (the Python 2 era of an old project) is read by
the tolerant scanner of :mod:`workbench.history.source_scan` instead.
"""

from __future__ import annotations

import ast
import difflib
import re
import threading
import tokenize
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workbench.errors import HistoryError
from workbench.history.repo import file_at
from workbench.history.source_scan import DefSpan, scan_defs
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
#: The fields of a statement (or handler, or match case) that hold statements.
_BLOCKS = ("body", "orelse", "finalbody", "handlers", "cases")
_OVERLOAD_NAMES = {"overload", "typing.overload", "typing_extensions.overload", "t.overload"}


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


def _dotted(node: ast.expr) -> str:
    """``a.b.c`` for a name or attribute chain, else ''."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else ""
    return ""


def _is_overload(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    return any(
        _dotted(d.func if isinstance(d, ast.Call) else d) in _OVERLOAD_NAMES
        for d in node.decorator_list
    )


def _defs(tree: ast.AST, prefix: str = "", outer: int = 0) -> Iterator[DefSpan]:
    """Every function in ``tree`` with its span, depth first in source order.

    Only statement blocks are walked (bodies, ``else``, ``finally``, handlers,
    match cases): expressions hold no def, and skipping them makes the walk
    several times faster than ``ast.iter_child_nodes``.
    """
    for field in _BLOCKS:
        for node in getattr(tree, field, ()):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                name = prefix + node.name
                start = min([node.lineno] + [d.lineno for d in node.decorator_list])
                end = node.end_lineno or node.lineno
                yield DefSpan(name, start, end, _is_overload(node), outer, node.lineno)
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


class NotPython3(HistoryError):
    """The source is not Python 3 the parser reads (syntax, encoding, null bytes)."""


class TooDeepToParse(HistoryError):
    """The parser gave up on the source (RecursionError or MemoryError): nesting or size."""


def source_bytes(source: str | bytes) -> bytes:
    """The bytes of a source: text read from git keeps its undecodable bytes as surrogates."""
    return source if isinstance(source, bytes) else source.encode("utf-8", "surrogateescape")


def source_encoding(data: bytes) -> str:
    """The encoding Python reads ``data`` in: its ``coding:`` line or BOM, else UTF-8."""
    head_end = data.find(b"\n", data.find(b"\n") + 1)
    head = data[: head_end if head_end >= 0 else len(data)]
    if b"coding" not in head and not head.startswith(b"\xef\xbb\xbf"):
        return "utf-8"
    lines = iter(head.splitlines(keepends=True))
    try:
        return tokenize.detect_encoding(lambda: next(lines, b""))[0]
    except SyntaxError:  # an unknown encoding name: Python would refuse the file
        return "utf-8"


def parse_python(source: str | bytes) -> ast.Module:
    """``ast.parse`` of the source's bytes, one thread at a time (see :data:`_PARSE_LOCK`).

    Parsing bytes, not text, lets Python honour the file's own encoding
    (PEP 263 ``coding:`` line, UTF-8 BOM) as it does when it imports it.
    """
    with _PARSE_LOCK:
        return ast.parse(source_bytes(source))


def _parse(source: str | bytes, path: str) -> ast.Module:
    where = path or "the source"
    try:
        return parse_python(source)
    except (SyntaxError, ValueError, UnicodeError) as error:
        raise NotPython3(f"{where} does not parse as Python 3 ({error})") from None
    except RecursionError:
        raise TooDeepToParse(
            f"{where} is nested too deeply for Python's parser (RecursionError); "
            "its functions cannot be located"
        ) from None
    except MemoryError:
        raise TooDeepToParse(
            f"{where} is too large or too deeply nested for Python's parser (MemoryError); "
            "its functions cannot be located"
        ) from None


def definitions(
    source: str | bytes, path: str = "", *, tolerant_of_depth: bool = False
) -> tuple[list[DefSpan], bool]:
    """Every function in ``source``, and whether the tolerant scanner had to find them.

    ``ast`` first; a source it does not read as Python 3 is scanned by
    indentation (:mod:`workbench.history.source_scan`). One the parser gives
    up on (nesting, size) raises :class:`TooDeepToParse` unless
    ``tolerant_of_depth``: the file asked about is refused, older versions of
    it are scanned.
    """
    try:
        return list(_defs(_parse(source, path))), False
    except NotPython3:
        pass
    except TooDeepToParse:
        if not tolerant_of_depth:
            raise
    return scan_defs(source_bytes(source)), True


def locate_in_source(source: str, qualname: str, path: str = "", near: int | None = None) -> Span:
    """The span of ``qualname`` in ``source`` (pure: no git).

    ``qualname`` may be a full qualified name (``Class.method``,
    ``outer.<locals>.inner`` or ``outer.inner``) or, as some profilers report,
    a bare name that is unique in the file. Among several definitions of the
    same name the one whose span holds line ``near`` wins, else the last one
    that is not an ``@overload`` stub (the one Python binds). Raises
    :class:`HistoryError` naming the functions that exist nearby when
    ``qualname`` is not defined, or when the parser gives up on ``source``.
    A source that is not Python 3 is read by the tolerant scanner.
    """
    found = choose_def(definitions(source, path)[0], qualname, path, near)
    return Span(path, found.qualname, found.start, found.end)


def choose_def(
    defs: list[DefSpan], qualname: str, path: str = "", near: int | None = None
) -> DefSpan:
    """The definition ``qualname`` names among ``defs`` (see :func:`locate_in_source`)."""
    wanted = _normal(qualname)
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
    return bound_def(_holding(found, near) or found)


def bound_def(defs: list[DefSpan]) -> DefSpan:
    """Of same-named ``defs``, the one Python binds: the last that is not an ``@overload`` stub."""
    return ([d for d in defs if not d.overload] or defs)[-1]


def _holding(defs: list[DefSpan], line: int | None) -> list[DefSpan]:
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
            f"{path} is not a file in the repository at {rev[:12]}; check the path and --rev",
            in_app=f"{path} is not a file in the repository at {rev[:12]}; "
            "choose the repository of the code",
        )
    return locate_in_source(source, qualname, path, near)

"""Function spans found the way a reader finds them, for sources ``ast`` cannot read.

``ast`` reads only the Python of the running interpreter: a module from the
Python 2 era (``print x``, ``except E, e``, ``0777``), a version with a syntax
error in one commit, or one nested too deeply for the parser has no syntax
tree, yet its functions are plainly there. This scanner joins physical lines
into logical ones (open strings, brackets and backslashes carry a statement
on), takes each logical line's indentation, and finds the ``def`` and
``class`` headers among them; a header's block is every deeper logical line
under it, its span starts at its first decorator. It never recurses and reads
each line once, so files too deep for the parser cost no more than others.
Its spans are right for ordinary code but not proven, so the history marks
what it found.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

#: Strings (triple-quoted first, so ``"""`` is not read as an empty string) and
#: comments, across the whole source: the regex engine takes them left to
#: right, so a ``#`` inside a string and a quote inside a comment are theirs.
#: Each string is written as "runs of plain bytes between escapes" so that the
#: engine does not backtrack byte by byte.
_STRING_OR_COMMENT = re.compile(
    rb'"""[^"\\]*(?:(?:\\[\s\S]|"(?!""))[^"\\]*)*"""'
    rb"|'''[^'\\]*(?:(?:\\[\s\S]|'(?!''))[^'\\]*)*'''"
    rb'|"[^"\\\n]*(?:\\[\s\S][^"\\\n]*)*"'
    rb"|'[^'\\\n]*(?:\\[\s\S][^'\\\n]*)*'"
    rb"|#[^\n]*"
)
_BRACKET = re.compile(rb"[()\[\]{}]")
_OPEN = re.compile(rb"[(\[{]")
_SHUT = re.compile(rb"[)\]}]")
_NAME = rb"[A-Za-z_\x80-\xff][A-Za-z0-9_\x80-\xff]*"
_HEADER = re.compile(rb"(?:async[ \t]+)?(def|class)[ \t]+(" + _NAME + rb")")


@dataclass(frozen=True, slots=True)
class DefSpan:
    """A function found in a source, by ``ast`` or by this scanner (1-based lines)."""

    qualname: str
    """``outer.inner`` style: ``<locals>`` left out."""
    start: int
    """First line: the first decorator's, else the ``def`` line."""
    end: int
    """Last line of the last statement of its body."""
    overload: bool
    """Decorated with ``@overload`` (a typing stub, not the implementation)."""
    outer: int
    """Header line of the outermost class or def it is nested in; 0 at module level."""
    header: int
    """The ``def`` line itself."""


@dataclass(frozen=True, slots=True)
class _Logical:
    first: int
    last: int
    indent: int
    text: bytes
    """The first physical line, without its indentation."""


def indentation(line: bytes) -> int:
    """Columns of leading white space, tabs to the next multiple of 8 as Python counts them."""
    column = 0
    for byte in line:
        if byte == 0x20:
            column += 1
        elif byte == 0x09:
            column = column // 8 * 8 + 8
        elif byte == 0x0C:
            column = 0
        else:
            break
    return column


def _skeleton(match: re.Match[bytes]) -> bytes:
    """A comment goes; a string becomes ``S``, its line breaks kept as continued lines."""
    token = match[0]
    if token.startswith(b"#"):
        return b""
    return b"\\\n" * token.count(b"\n") + b"S"


def _logical_lines(source: bytes) -> Iterator[_Logical]:
    """Each logical line that holds code (comments and blank lines are not statements).

    Strings and comments are taken out first, in one pass of the regex engine;
    what is left of each line says how it goes on: brackets still open, or a
    backslash at its end.
    """
    lines = source.split(b"\n")
    skeleton = _STRING_OR_COMMENT.sub(_skeleton, source).split(b"\n")
    depth = 0
    first = last = 0
    for number, line in enumerate(skeleton, 1):
        code = line.strip()
        if not code:
            if not first:
                continue
        else:
            first = first or number
            last = number
            if _BRACKET.search(code):
                depth = max(depth + len(_OPEN.findall(code)) - len(_SHUT.findall(code)), 0)
        if depth == 0 and not code.endswith(b"\\"):
            opening = lines[first - 1]
            yield _Logical(first, last, indentation(opening), opening.strip())
            first = 0
    if first:
        opening = lines[first - 1]
        yield _Logical(first, last, indentation(opening), opening.strip())


@dataclass
class _Block:
    name: str
    indent: int
    start: int
    header: int
    last: int
    overload: bool
    is_def: bool


def scan_defs(source: bytes) -> list[DefSpan]:
    """Every function in ``source`` with its span, in source order of their headers."""
    stack: list[_Block] = []
    found: list[tuple[int, DefSpan]] = []
    decorated_from = 0
    decorator_indent = -1
    overload = False

    def close() -> None:
        block = stack.pop()
        if stack:
            stack[-1].last = max(stack[-1].last, block.last)
        if block.is_def:
            qualname = ".".join([*(b.name for b in stack), block.name])
            outer = stack[0].header if stack else 0
            span = DefSpan(qualname, block.start, block.last, block.overload, outer, block.header)
            found.append((block.header, span))

    for logical in _logical_lines(source):
        while stack and stack[-1].indent >= logical.indent:
            close()
        if stack:
            stack[-1].last = logical.last
        if logical.text.startswith(b"@"):
            if not decorated_from or decorator_indent != logical.indent:
                decorated_from, decorator_indent, overload = logical.first, logical.indent, False
            overload = overload or b"overload" in logical.text
            continue
        header = _HEADER.match(logical.text)
        if header is not None:
            decorated = decorated_from and decorator_indent == logical.indent
            stack.append(
                _Block(
                    header[2].decode("utf-8", "replace"),
                    logical.indent,
                    decorated_from if decorated else logical.first,
                    logical.first,
                    logical.last,
                    bool(decorated and overload),
                    header[1] == b"def",
                )
            )
        decorated_from = 0
    while stack:
        close()
    return [span for _, span in sorted(found, key=lambda item: item[0])]

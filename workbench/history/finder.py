"""The exact function history: compare the function's own text in every version of its file.

``git log -L`` follows *lines* through diffs, and diffs align lines, not
functions: when functions swap places, or a method moves with its class next
to a twin of the same name, the diff can pair the function's lines with a
neighbour's and ``-L`` goes on following the neighbour (listing its commits,
missing the function's). Here each commit that touched the file is judged on
its own: the function (found by qualified name with ``ast``) is looked up in
the file before and after the commit, and the commit is listed when the two
texts differ.

Finding it in each version must cost little, since a long-lived file has
hundreds of versions and ``ast.parse`` of a large module takes tens of
milliseconds. A version is compared with one whose function is already known
(the other side of the commit, or the last version judged) by their common
head and tail, found by bisection on bytes. When the changed middle lies away
from the function and from every line that could change its scope, its
decorators or which definition Python binds, the function is the same text,
maybe shifted: nothing is parsed. A touched function is found by its ``def``
line and checked alone. Anything unsure parses the whole version with
``ast``; a version ``ast`` cannot read (Python 2, a syntax error) is scanned
by indentation (:mod:`workbench.history.source_scan`), and what is derived
from that scan is marked ``fallback``.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, replace

from workbench.history.blobs import BlobStore
from workbench.history.locate import (
    Span,
    bound_def,
    definitions,
    parse_python,
    source_encoding,
)
from workbench.history.log_stream import NULL
from workbench.history.source_scan import DefSpan, indentation

_ANY_HEADER = re.compile(rb"(?m)^[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]")
_NEWLINE = re.compile(rb"\n")
_TRIPLES = (b'"""', b"'''")
#: Bytes to which the common head and tail of two versions are found.
_CLOSE_ENOUGH = 128


@dataclass(frozen=True, slots=True)
class Version:
    """The function in one version of the file: its text and where it is, or absent."""

    text: bytes | None
    """The function's source as in the file (None: not in this version)."""
    span: Span | None = None
    fallback: bool = False
    """Found by the tolerant scanner, or derived from a version it found."""
    encoding: str = "utf-8"
    """The file's source encoding (PEP 263), to show the text."""
    offset: int = 0
    """Byte offset of the span's first line."""
    header: int = 0
    """Byte offset of the ``def`` line."""
    guard_low: int = -1
    """Start of the nearest code line above the span (-1: nothing above it)."""
    guard_high: int = 0
    """End of the first code line after the block, newline included (past the end if none)."""
    outer: int = -1
    """Start of the outermost enclosing ``class``/``def`` line (-1 at module level)."""
    indent: int = 0
    """Indentation of the span's first line, in bytes."""

    @property
    def source(self) -> str | None:
        """The text decoded as Python would read the file (undecodable bytes as U+FFFD)."""
        return None if self.text is None else self.text.decode(self.encoding, "replace")


def changed_middle(before: bytes, after: bytes) -> tuple[int, int, int]:
    """Where two versions differ, widened to whole lines: ``(start, end_before, end_after)``.

    ``before[start:end_before]`` became ``after[start:end_after]``; each end is
    the newline closing the last changed line (or the end of the text). The
    common head and tail are found by galloping then bisecting on slices,
    which compares memory at C speed.
    """
    limit = min(len(before), len(after))
    head = _common(before, after, limit, tail=False)
    tail = _common(before, after, limit - head, tail=True)
    start = before.rfind(b"\n", 0, head) + 1
    return start, _line_end(before, len(before) - tail), _line_end(after, len(after) - tail)


def _common(a: bytes, b: bytes, limit: int, *, tail: bool) -> int:
    """Length of the common head (or tail) of ``a`` and ``b``, at most ``limit``."""

    def same(low: int, high: int) -> bool:  # one slice copied, compared in place
        if tail:
            return a.endswith(b[len(b) - high : len(b) - low], 0, len(a) - low)
        return a.startswith(b[low:high], low)

    low, size = 0, 512
    while True:
        high = min(low + size, limit)
        if not same(low, high):
            break
        if high == limit:
            return limit
        low, size = high, size * 2
    # The first difference is in [low, high). Closer than a few lines is not
    # needed: the middle is widened to whole lines, and a wider one is only
    # more cautious.
    while high - low > _CLOSE_ENOUGH:
        middle = (low + high) // 2
        if same(low, middle):
            low = middle
        else:
            high = middle
    return low


def _line_end(data: bytes, offset: int) -> int:
    end = data.find(b"\n", offset)
    return len(data) if end < 0 else end


def _line_start(data: bytes, offset: int) -> int:
    return data.rfind(b"\n", 0, offset) + 1


def _is_code(line: bytes) -> bool:
    stripped = line.strip()
    return bool(stripped) and not stripped.startswith(b"#")


def _code_line_above(data: bytes, offset: int) -> int:
    """Start of the nearest code line above the line at ``offset`` (-1 if none)."""
    while offset > 0:
        start = _line_start(data, offset - 1)
        if _is_code(data[start : offset - 1]):
            return start
        offset = start
    return -1


def _code_line_below(data: bytes, offset: int) -> int:
    """End, newline included, of the first code line after the line at ``offset``."""
    end = _line_end(data, offset)
    while end < len(data):
        start, end = end + 1, _line_end(data, end + 1)
        if _is_code(data[start:end]):
            return end + 1
    return len(data) + 1


def _plainly_whole(block: bytes) -> bool:
    """A block cut by indentation is the whole def unless a line under it continues it.

    Only a bracket or string left open, or a backslash ending its last line,
    lets a line at the def's indentation or less belong to it (a backslash
    inside the block only joins lines the cut kept anyway); with none of
    them, parsing the block would only confirm what the indentation says.
    """
    return (
        block.count(b'"""') % 2 == 0
        and block.count(b"'''") % 2 == 0
        and block.count(b"(") == block.count(b")")
        and block.count(b"[") == block.count(b"]")
        and block.count(b"{") == block.count(b"}")
        and not block.rstrip(b"\r").endswith(b"\\")
    )


def _string_flips(before: bytes, after: bytes) -> bool:
    """Whether the two texts leave a different triple-quoted string open after them."""
    return any(before.count(quotes) % 2 != after.count(quotes) % 2 for quotes in _TRIPLES)


def _enclosing(data: bytes, offset: int) -> list[tuple[int, bytes]]:
    """Headers (offset, text) of the blocks around the line at ``offset``, innermost first.

    Found by indentation, which is all a header has in common across versions.
    """
    chain: list[tuple[int, bytes]] = []
    current = indentation(data[offset : offset + 256])
    while current > 0 and offset > 0:
        start = _line_start(data, offset - 1)
        line = data[start : offset - 1]
        offset = start
        if _is_code(line) and indentation(line) < current:
            chain.append((start, line.strip()))
            current = indentation(line)
    return chain


class FunctionFinder:
    """The function ``qualname`` in each version of its file, parsed only when unsure.

    ``regions`` is shared by the finders of one walk (several functions of
    one file), so each pair of versions is compared once.
    """

    def __init__(
        self,
        qualname: str,
        blobs: BlobStore,
        regions: dict[tuple[str, str], tuple[int, int, int]] | None = None,
    ) -> None:
        self.qualname = qualname
        self.blobs = blobs
        self.regions = {} if regions is None else regions
        self.cache: dict[str, Version] = {}
        self._reference: str | None = None
        """Blob of the last version judged with the function in it, found without the scanner."""
        name = re.escape(qualname.rsplit(".", 1)[-1].encode("utf-8", "surrogateescape"))
        self._defined = re.compile(rb"def[ \t]+" + name + rb"\b")
        self._def_lines: dict[str, list[tuple[int, bytes]]] = {}
        self._shallower: dict[int, re.Pattern[bytes]] = {}
        self._bottoms: dict[int, re.Pattern[bytes]] = {}

    def defines(self, data: bytes) -> bool:
        """Whether ``data`` holds a ``def`` of the function's name at all (no parsing)."""
        return self._defined.search(data) is not None

    def learn(self, blob: str, version: Version) -> None:
        """Remember a version found elsewhere (the tip's)."""
        self.cache[blob] = version
        if version.text is not None and not version.fallback:
            self._reference = blob

    def version(self, blob: str, path: str) -> Version:
        """The function in ``blob`` (a commit's new side), from the last version judged."""
        if blob == NULL:
            return Version(None)
        found = self.cache.get(blob)
        if found is None:
            found = self._derive(self._reference, blob, path)
            self.learn(blob, found)
        return found

    def older(self, new_blob: str, newer: Version, old_blob: str, path: str) -> Version:
        """The function just before a commit, given ``newer``, the one just after it."""
        if old_blob == NULL:
            return Version(None)
        found = self.cache.get(old_blob)
        if found is None:
            found = self.cache[old_blob] = self._derive(new_blob, old_blob, path, newer)
        return found

    def _derive(
        self, known: str | None, blob: str, path: str, reference: Version | None = None
    ) -> Version:
        """The function in ``blob`` from the one in ``known`` when that is sure, else located."""
        data = self.blobs.get(blob)
        if data is None:
            return Version(None)  # not in the repository: a shallow clone's boundary
        reference = reference or (self.cache.get(known) if known else None)
        known_data = self.blobs.get(known) if known and reference else None
        if reference is None or known is None or known_data is None:
            return self._locate(data, path)
        key = (known, blob)
        region = self.regions.get(key)
        if region is None:
            region = self.regions[key] = changed_middle(known_data, data)
        if reference.text is None:
            found = self._still_absent(reference, known_data, data, region)
        else:
            found = self._shifted(reference, known_data, data, region, path)
            found = found or self._relocated(reference, known, known_data, blob, data, path)
        return found or self._locate(data, path)

    def _still_absent(
        self, reference: Version, before: bytes, after: bytes, region: tuple[int, int, int]
    ) -> Version | None:
        """Absent again when the change adds or removes no ``def`` or ``class`` line.

        Nor may it open or close a triple-quoted string: code "commented out"
        in one comes back when its quotes go.
        """
        start, end_before, end_after = region
        removed, added = before[start:end_before], after[start:end_after]
        if _ANY_HEADER.search(removed) or _ANY_HEADER.search(added):
            return None
        return None if _string_flips(removed, added) else reference

    def _shifted(
        self,
        reference: Version,
        before: bytes,
        after: bytes,
        region: tuple[int, int, int],
        path: str,
    ) -> Version | None:
        """The same function, maybe shifted, when the change lies away from it."""
        assert reference.span is not None
        start, end_before, end_after = region
        removed, added = before[start:end_before], after[start:end_after]
        if self._defined.search(removed) or self._defined.search(added):
            return None  # a def of the same name came or went: the binding may differ
        if start >= reference.guard_high:
            return reference if reference.span.path == path else _moved(reference, 0, 0, path)
        if end_before >= reference.guard_low:
            return None  # the change touches the function or the lines around it
        if _string_flips(removed, added):
            return None  # what follows the change went into a string, or came out of one
        if reference.outer >= 0 and end_before >= reference.outer:
            # Between its enclosing header and itself: a shallower line may change its scope.
            if b"\t" in removed or b"\t" in added:
                return None  # tabs: byte counts are not columns
            shallower = self._shallower_line(reference.indent)
            if shallower.search(removed) or shallower.search(added):
                return None
        lines = added.count(b"\n") - removed.count(b"\n")
        moved = _moved(
            reference, len(after) - len(before), lines, path, end_before < reference.outer
        )
        return replace(moved, encoding=source_encoding(after))

    def _shallower_line(self, indent: int) -> re.Pattern[bytes]:
        pattern = self._shallower.get(indent)
        if pattern is None:
            pattern = self._shallower[indent] = re.compile(
                rb"(?m)^[ \t]{0,%d}[^ \t\r\n\f#]" % max(indent - 1, 0)
            )
        return pattern

    def _relocated(
        self,
        reference: Version,
        known: str,
        before: bytes,
        blob: str,
        after: bytes,
        path: str,
    ) -> Version | None:
        """The function found by its ``def`` line and checked alone, or None if unsure.

        The ``def`` lines of the name must be the same in both versions, in the
        same order, but for the function's own (its signature may change): so
        the definition Python binds is the same one, found by its place among
        them. Its chain of enclosing headers (by indentation) must be the
        reference's, and the block under it, cut by indentation, must be
        plainly whole or parse alone as exactly that def.
        """
        lines_before = self._defs_in(known, before)
        lines_after = self._defs_in(blob, after)
        index = next((i for i, (at, _) in enumerate(lines_before) if at == reference.header), None)
        if index is None or len(lines_before) != len(lines_after):
            return None
        others_before = [text for i, (_, text) in enumerate(lines_before) if i != index]
        if others_before != [text for i, (_, text) in enumerate(lines_after) if i != index]:
            return None
        header = lines_after[index][0]
        if _string_flips(before[: reference.header], after[:header]):
            return None  # quoted out, or back in from a string: let ast decide
        chain = _enclosing(after, header)
        if [text for _, text in chain] != [
            text for _, text in _enclosing(before, reference.header)
        ]:
            return None
        return self._block(after, header, reference, path, chain[-1][0] if chain else -1)

    def _defs_in(self, blob: str, data: bytes) -> list[tuple[int, bytes]]:
        """``(line offset, stripped line)`` of each line that defines the name, cached per blob."""
        found = self._def_lines.get(blob)
        if found is None:
            found = self._def_lines[blob] = []
            for match in self._defined.finditer(data):  # a literal head: C-speed scan
                start = _line_start(data, match.start())
                if data[start : match.start()].strip() in (b"", b"async"):
                    found.append((start, data[start : _line_end(data, start)].strip()))
        return found

    def _block(
        self, data: bytes, header: int, reference: Version, path: str, outer: int
    ) -> Version | None:
        """The def at ``header`` with its decorators, if nothing about it is unsure."""
        assert reference.span is not None
        indent = reference.indent
        start = header
        while start > 0:
            above = _line_start(data, start - 1)
            line = data[above : start - 1]
            if not line.lstrip().startswith(b"@"):
                if _is_code(line) and indentation(line) >= indent:
                    return None  # maybe the tail of a multi-line decorator: let ast decide
                break
            if indentation(line) != indent:
                return None
            start = above
        guard_low = _code_line_above(data, start)
        if guard_low >= 0 and data[guard_low : _line_end(data, guard_low)].lstrip().startswith(
            b"@"
        ):
            return None  # a decorator above blank lines still decorates it: let ast decide
        block_end = self._block_end(data, header, indent)
        text = data[start:block_end]
        if block_end < 0 or b"\t" in text:
            return None  # tabs: byte counts are not columns
        if not (_plainly_whole(text) or self._parses_alone(text, indent)):
            return None
        return _version(
            data,
            path,
            reference.span.qualname,
            start,
            header,
            block_end,
            outer,
            indent,
            reference.fallback,
        )

    def _block_end(self, data: bytes, header: int, indent: int) -> int:
        """End (before its newline) of the last code line under the def at ``header``.

        The block ends before the first code line indented no deeper than the
        def (found by a regular expression, at C speed); -1 when that line is
        indented with tabs, whose columns a byte count does not give.
        """
        pattern = self._bottoms.get(indent)
        if pattern is None:
            pattern = self._bottoms[indent] = re.compile(
                rb"\n([ \t]{0,%d})(?=[^ \t\r\n\f#])" % indent
            )
        bottom = pattern.search(data, _line_end(data, header))
        if bottom is not None and b"\t" in bottom[1]:
            return -1
        last = bottom.start() if bottom is not None else len(data)
        while not _is_code(data[_line_start(data, last) : last]):
            last = _line_start(data, last) - 1  # trailing blank and comment lines are not its
        return last

    def _parses_alone(self, block: bytes, indent: int) -> bool:
        """``block``, dedented, is exactly one def of the name, ending on its last line."""
        lines = block.split(b"\n")
        try:
            tree = parse_python(b"\n".join(line[indent:] for line in lines))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
        node = tree.body[0] if len(tree.body) == 1 else None
        return (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == self.qualname.rsplit(".", 1)[-1]
            and node.end_lineno == len(lines)
        )

    def _locate(self, data: bytes, path: str) -> Version:
        """The function in ``data`` by parsing the whole version (or scanning it)."""
        if not self.defines(data):
            return Version(None)  # not even the name: no need to parse
        defs, fallback = definitions(data, path, tolerant_of_depth=True)
        found = [d for d in defs if d.qualname == self.qualname]
        if not found:
            return Version(None, fallback=fallback)
        return located_version(data, path, bound_def(found), fallback)


def located_version(data: bytes, path: str, found: DefSpan, fallback: bool) -> Version:
    """The :class:`Version` of a definition found by line numbers in ``data``."""
    starts = [0] + [match.end() for match in _NEWLINE.finditer(data)]
    start = starts[found.start - 1]
    end = _line_end(data, starts[min(found.end, len(starts)) - 1])
    outer = starts[found.outer - 1] if found.outer else -1
    header = starts[found.header - 1]
    indent = indentation(data[start : _line_end(data, start)])
    return _version(data, path, found.qualname, start, header, end, outer, indent, fallback)


def _version(
    data: bytes,
    path: str,
    qualname: str,
    start: int,
    header: int,
    end: int,
    outer: int,
    indent: int,
    fallback: bool,
) -> Version:
    first = data.count(b"\n", 0, start) + 1
    text = data[start:end]
    return Version(
        text,
        Span(path, qualname, first, first + text.count(b"\n")),
        fallback,
        source_encoding(data),
        start,
        header,
        _code_line_above(data, start),
        _code_line_below(data, end),
        outer,
        indent,
    )


def _moved(
    version: Version, delta: int, lines: int, path: str, outer_moved: bool = True
) -> Version:
    """``version`` after ``lines`` lines (``delta`` bytes) came or went above it."""
    assert version.span is not None
    span = version.span
    return replace(
        version,
        span=Span(path, span.qualname, span.start + lines, span.end + lines),
        offset=version.offset + delta,
        header=version.header + delta,
        guard_low=version.guard_low + delta if version.guard_low >= 0 else -1,
        guard_high=version.guard_high + delta,
        outer=version.outer + delta if version.outer >= 0 and outer_moved else version.outer,
    )

"""The exact function history: compare the function's own text in every version of its file.

``git log -L`` follows *lines* through diffs, and diffs align lines, not
functions: when functions swap places, or a method moves with its class next
to a twin of the same name, the diff can pair the function's lines with a
neighbour's and ``-L`` goes on following the neighbour (listing its commits,
missing the function's). Here each commit that touched the file is judged on
its own: the function (found by qualified name with ``ast``) is looked up in
the file before and after the commit, and the commit is listed when the two
texts differ.

One ``git log -p -U0`` (as costly as ``-L``: both diff every version of the
file) gives each commit's exact changed lines; each older version of the file
is rebuilt from the newer one by undoing them, checked against git's blob id,
and read from ``git cat-file`` only when the history branches or the check
fails. Most commits leave a given function alone, which the changed lines
show without parsing anything; a touched function is parsed alone.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from workbench.errors import HistoryError
from workbench.history.blobs import BlobReader
from workbench.history.locate import Span, locate_with_scope, parse_python
from workbench.history.log_stream import NULL, Change


@dataclass
class Version:
    """The function in one version of the file: its text and where it is, or None."""

    text: str | None
    span: Span | None = None
    unparsable: bool = False
    outer: int = 0
    """Header line of the outermost enclosing class or def (0 at module level)."""
    bottom: int = 0
    """First code line after the function's block (or the last line of the file)."""
    indent: int = 0
    """Indentation of the function's first line."""


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _plainly_whole(block: list[str]) -> bool:
    """A block cut by indentation is the whole def unless a line under it continues it.

    Only an open bracket, string or backslash lets a line at the def's
    indentation or less belong to it; with none of them left open in the
    block, parsing it would only confirm what the indentation says.
    """
    text = "\n".join(block)
    return (
        text.count('"""') % 2 == 0
        and text.count("'''") % 2 == 0
        and text.count("(") == text.count(")")
        and text.count("[") == text.count("]")
        and text.count("{") == text.count("}")
        and not any(line.endswith("\\") for line in block)
    )


def _enclosing(lines: list[str], line: int) -> list[tuple[int, str]]:
    """Headers (line, text) of the blocks around ``line`` (1-based), innermost first.

    Found by indentation, which is all a header has in common across versions.
    """
    chain: list[tuple[int, str]] = []
    current = _indent(lines[line - 1])
    for above in range(line - 2, -1, -1):
        if current == 0:
            break
        text = lines[above]
        if not _blank(text) and _indent(text) < current:
            chain.append((above + 1, text.strip()))
            current = _indent(text)
    return chain


class FunctionFinder:
    """The function in each version of its file, parsed only when a change may touch it.

    When none of a commit's changed lines (widened by one) falls on the
    function, none lies between its outermost enclosing header and itself at
    a shallower indentation (which could change its scope), and none is a
    ``def`` of its name (which could change which definition Python binds),
    the older version is the newer one shifted. A touched function is found
    by its def line and parsed alone; anything unsure parses the whole file.
    """

    def __init__(self, qualname: str, blobs: BlobReader) -> None:
        self.qualname = qualname
        self.blobs = blobs
        self.cache: dict[str, Version] = {}
        self._counts: dict[str, int] = {}
        name = re.escape(qualname.rsplit(".", 1)[-1])
        self._defined = re.compile(rf"def\s+{name}\b")  # literal head: C-speed scan

    def version(self, blob: str, path: str) -> Version:
        """The function in ``blob``, parsed once."""
        if blob == NULL:
            return Version(None)
        found = self.cache.get(blob)
        if found is None:
            found = self.cache[blob] = self._locate(blob, path)
        return found

    def older(self, change: Change, newer: Version) -> Version:
        """The function just before ``change``, given ``newer``, the one just after it."""
        blob = change.old_blob
        if blob == NULL:
            return Version(None)
        self.blobs.rebuild(change)  # keeps the chain of versions going, parsed or not
        found = self.cache.get(blob)
        if found is None and newer.span is not None:
            found = self._untouched(change, newer) or self._relocated(change, newer)
            if found is not None:
                self.cache[blob] = found
        return found if found is not None else self.version(blob, change.old_path)

    def _untouched(self, change: Change, newer: Version) -> Version | None:
        """The same function, maybe shifted, when the change lies away from it."""
        assert newer.span is not None
        start, end = newer.span.start - 1, newer.bottom
        shift = 0
        for hunk in change.hunks:
            low = hunk.new_start - 1 if hunk.new_count else hunk.new_start
            high = hunk.new_start + hunk.new_count if hunk.new_count else hunk.new_start + 1
            if low <= end and high >= start:
                return None  # the change touches the function or the lines around it
            changed = hunk.removed + hunk.added
            if self._defined.search("\n".join(changed)):
                return None  # a def of the same name came or went: the binding may differ
            if high < start:
                shift += hunk.old_count - hunk.new_count
                if high >= newer.outer and any(
                    not _blank(line) and _indent(line) < newer.indent for line in changed
                ):
                    return None  # between its enclosing header and itself: scope may differ
        span = Span(
            change.old_path, newer.span.qualname, newer.span.start + shift, newer.span.end + shift
        )
        return Version(
            newer.text,
            span,
            outer=newer.outer + shift if newer.outer else 0,
            bottom=newer.bottom + shift,
            indent=newer.indent,
        )

    def _relocated(self, change: Change, newer: Version) -> Version | None:
        """The older function found by its def line and parsed alone, or None if unsure.

        Its def line is looked up in the older version; the block under it is
        cut by indentation and must parse as exactly one def of the name. The
        candidate stands only if it is the one such block, its chain of
        enclosing headers (by indentation) is the newer one's, and the file
        holds as many defs of the name as before (no redefinition came or went).
        """
        assert newer.span is not None
        old, new = self.blobs.get(change.old_blob), self.blobs.get(change.new_blob)
        if old is None or new is None:
            return None
        if self._def_count(change.old_blob, old) != self._def_count(change.new_blob, new):
            return None
        path = change.old_path
        def_line = next(
            (n for n in range(newer.span.start, newer.span.end + 1) if self._def_line(new[n - 1])),
            None,
        )
        if def_line is None:
            return None
        chain = [text for _, text in _enclosing(new, def_line)]
        found: list[Version] = []
        index = -1
        while True:
            try:
                index = old.index(new[def_line - 1], index + 1)
            except ValueError:
                break
            candidate = self._block(old, index + 1, newer, path)
            enclosing = _enclosing(old, index + 1)
            if candidate is not None and [text for _, text in enclosing] == chain:
                candidate.outer = enclosing[-1][0] if enclosing else 0
                found.append(candidate)
        return found[0] if len(found) == 1 else None

    def _def_count(self, blob: str, lines: list[str]) -> int:
        count = self._counts.get(blob)
        if count is None:
            count = self._counts[blob] = len(self._defined.findall("\n".join(lines)))
        return count

    def _def_line(self, line: str) -> bool:
        stripped = line.lstrip()
        return stripped.startswith(("def ", "async ")) and bool(self._defined.search(line))

    def _block(self, lines: list[str], def_line: int, newer: Version, path: str) -> Version | None:
        """The def at ``def_line`` (1-based) with its decorators, if it parses alone."""
        assert newer.span is not None
        indent = newer.indent
        start = def_line
        while start > 1 and lines[start - 2].strip().startswith("@"):
            if _indent(lines[start - 2]) != indent:
                return None
            start -= 1
        above = lines[start - 2] if start > 1 else ""
        if not _blank(above) and _indent(above) >= indent:
            return None  # maybe the tail of a multi-line decorator: let ast decide
        bottom = def_line
        while bottom < len(lines) and (_blank(lines[bottom]) or _indent(lines[bottom]) > indent):
            bottom += 1
        end = bottom
        while end > def_line and _blank(lines[end - 1]):
            end -= 1
        block = [line[indent:] for line in lines[start - 1 : end]]
        if not _plainly_whole(block) and not self._parses_as_the_def(block):
            return None
        return Version(
            "\n".join(lines[start - 1 : end]),
            Span(path, newer.span.qualname, start, end),
            bottom=min(bottom + 1, len(lines)),
            indent=indent,
        )

    def _parses_as_the_def(self, block: list[str]) -> bool:
        """``block`` is exactly one def of the name, ending on its last line."""
        try:
            tree = parse_python("\n".join(block))
        except (SyntaxError, ValueError):
            return False
        node = tree.body[0] if len(tree.body) == 1 else None
        return (
            isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            and node.name == self.qualname.rsplit(".", 1)[-1]
            and node.end_lineno == len(block)
        )

    def _locate(self, blob: str, path: str) -> Version:
        lines = self.blobs.get(blob)
        source = "\n".join(lines) if lines is not None else ""
        if lines is None or not self._defined.search(source):
            return Version(None)  # not even the name: no need to parse
        try:
            span, outer = locate_with_scope(source, self.qualname, path)
        except HistoryError as error:
            return Version(None, unparsable="does not parse" in str(error))
        indent = _indent(lines[span.start - 1])
        bottom = span.end
        while bottom < len(lines) and (_blank(lines[bottom]) or _indent(lines[bottom]) > indent):
            bottom += 1
        text = "\n".join(lines[span.start - 1 : span.end])
        return Version(text, span, outer=outer, bottom=min(bottom + 1, len(lines)), indent=indent)

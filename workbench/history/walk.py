"""The exact function history: compare the function's own text in every version of its file.

``git log -L`` follows *lines* through diffs, and diffs align lines, not
functions: when functions swap places, or a method moves with its class next
to a twin of the same name, the diff can pair the function's lines with a
neighbour's and ``-L`` goes on following the neighbour (listing its commits,
missing the function's). Here each commit that touched the file is judged on
its own: the function (found by qualified name with ``ast``) is looked up in
the file before and after the commit, and the commit is listed when the two
texts differ. One ``git log --raw`` names the file versions, one
``git cat-file --batch`` reads them all, and each version is parsed once.
"""

from __future__ import annotations

import ast
import difflib
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.errors import HistoryError
from workbench.history.locate import Span, locate_with_scope

if TYPE_CHECKING:
    import git

_MARK = "\x1e"
#: Header of each commit; the raw file changes follow it, NUL-separated (``-z``).
_FORMAT = f"{_MARK}%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
_NULL = "0" * 40


@dataclass(frozen=True, slots=True)
class Change:
    """One commit's change to the file, as ``git log --raw`` reports it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: datetime
    summary: str
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


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


def _common_prefix(a: list[str], b: list[str], limit: int) -> int:
    """Length of the longest common prefix, by bisection on C-speed slice comparisons."""
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[:middle] == b[:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def _common_suffix(a: list[str], b: list[str], limit: int) -> int:
    low, high = 0, limit
    while low < high:
        middle = (low + high + 1) // 2
        if a[len(a) - middle :] == b[len(b) - middle :]:
            low = middle
        else:
            high = middle - 1
    return low


def file_changes(
    repo: git.Repo, path: str, tip: str, base: str | None, since: str | None
) -> list[Change]:
    """Non-merge commits that changed ``path`` (followed across renames), newest first."""
    args = ["--no-merges", "--follow", "--raw", "--no-abbrev", "-z", f"--format={_FORMAT}"]
    if since:
        args.append(f"--since={since}")
    args += [f"{base}..{tip}" if base else tip, "--", path]
    output = repo.git.log(*args, strip_newline_in_stdout=False)
    changes = []
    for record in output.split(_MARK)[1:]:
        tokens = record.split("\x00")
        sha, parents, author, email, date, summary = tokens[:6]
        raw = tokens[6].strip().split()
        if len(raw) < 5:
            continue  # a commit --follow lists without a change to the file
        status = raw[4]
        old_path = tokens[7]
        new_path = tokens[8] if status[:1] in ("R", "C") else old_path
        changes.append(
            Change(
                sha,
                tuple(parents.split()),
                author,
                email,
                datetime.fromisoformat(date),
                summary,
                raw[2],
                raw[3],
                old_path,
                new_path,
            )
        )
    return changes


def read_blobs(repo: git.Repo, blobs: set[str]) -> dict[str, str]:
    """The text of every blob, from one ``git cat-file --batch``."""
    wanted = sorted(blob for blob in blobs if blob != _NULL)
    if not wanted:
        return {}
    result = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo.git_dir,
        input=("\n".join(wanted) + "\n").encode(),
        capture_output=True,
        check=True,
    )
    data, texts, offset = result.stdout, {}, 0
    for blob in wanted:
        header_end = data.index(b"\n", offset)
        header = data[offset:header_end].split()
        if len(header) < 3 or header[1] != b"blob":
            offset = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        texts[blob] = data[start : start + size].decode("utf-8", "replace")
        offset = start + size + 1
    return texts


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

    Most commits that touch a file leave a given function alone. When the
    lines a commit changed (everything between the common prefix and suffix
    of the two versions) lie away from the function, with nothing between
    its outermost enclosing header and itself that could change its scope,
    and no ``def`` of its name among them, the older version is derived from
    the newer one without parsing. Anything else is parsed with ``ast``.
    """

    def __init__(self, qualname: str, texts: dict[str, str]) -> None:
        self.qualname = qualname
        self.texts = texts
        self.cache: dict[str, Version] = {}
        self._lines: dict[str, list[str]] = {}
        self._counts: dict[str, int] = {}
        name = re.escape(qualname.rsplit(".", 1)[-1])
        self._defined = re.compile(rf"def\s+{name}\b")  # literal head: C-speed scan

    def lines(self, blob: str) -> list[str]:
        found = self._lines.get(blob)
        if found is None:
            found = self._lines[blob] = self.texts.get(blob, "").split("\n")
        return found

    def version(self, blob: str, path: str) -> Version:
        """The function in ``blob``, parsed once."""
        if blob == _NULL:
            return Version(None)
        found = self.cache.get(blob)
        if found is None:
            found = self.cache[blob] = self._locate(blob, path)
        return found

    def older(self, blob: str, path: str, newer: Version, newer_blob: str) -> Version:
        """The function in ``blob``, the version just before ``newer_blob``."""
        if blob == _NULL:
            return Version(None)
        found = self.cache.get(blob)
        if found is None and newer.span is not None and newer_blob in self.texts:
            found = self._untouched(blob, path, newer, newer_blob) or self._relocated(
                blob, path, newer, newer_blob
            )
            if found is not None:
                self.cache[blob] = found
        return found if found is not None else self.version(blob, path)

    def _changed_region(self, blob: str, newer_blob: str) -> tuple[int, int]:
        """Lengths of the common prefix and suffix of the two versions, in lines."""
        old, new = self.lines(blob), self.lines(newer_blob)
        limit = min(len(old), len(new))
        prefix = _common_prefix(old, new, limit)
        return prefix, _common_suffix(old, new, limit - prefix)

    def _untouched(self, blob: str, path: str, newer: Version, newer_blob: str) -> Version | None:
        """The same function, maybe shifted, when the change lies away from it."""
        assert newer.span is not None
        old, new = self.lines(blob), self.lines(newer_blob)
        prefix, suffix = self._changed_region(blob, newer_blob)
        old_changed, new_changed = old[prefix : len(old) - suffix], new[prefix : len(new) - suffix]
        first, last = prefix, len(new) - suffix + 1  # changed lines of ``new``, widened by one
        start, end = newer.span.start - 1, newer.bottom
        if first <= end and last >= start:
            return None  # the change touches the function or the lines around it
        changed = old_changed + new_changed
        if self._defined.search("\n".join(changed)):
            return None  # a def of the same name came or went: the binding may differ
        shift = 0
        if last < start:
            shift = len(old) - len(new)
            if last >= newer.outer and any(
                not _blank(line) and _indent(line) < newer.indent for line in changed
            ):
                return None  # between its enclosing header and itself: the scope may differ
        span = Span(path, newer.span.qualname, newer.span.start + shift, newer.span.end + shift)
        return Version(
            newer.text,
            span,
            outer=newer.outer + shift if newer.outer else 0,
            bottom=newer.bottom + shift,
            indent=newer.indent,
        )

    def _relocated(self, blob: str, path: str, newer: Version, newer_blob: str) -> Version | None:
        """The older function found by its def line and parsed alone, or None if unsure.

        Its def line is looked up in the older version; the block under it is
        cut by indentation and must parse as exactly one def of the name. The
        candidate stands only if it is the one such block, its chain of
        enclosing headers (by indentation) is the newer one's, and the file
        holds as many defs of the name as before (no redefinition came or went).
        """
        assert newer.span is not None
        old, new = self.lines(blob), self.lines(newer_blob)
        if self._def_count(blob) != self._def_count(newer_blob):
            return None
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

    def _def_count(self, blob: str) -> int:
        count = self._counts.get(blob)
        if count is None:
            count = self._counts[blob] = len(self._defined.findall(self.texts[blob]))
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
        try:
            tree = ast.parse("\n".join(block))
        except (SyntaxError, ValueError):
            return None
        node = tree.body[0] if len(tree.body) == 1 else None
        if (
            not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            or node.name != self.qualname.rsplit(".", 1)[-1]
            or node.end_lineno != len(block)
        ):
            return None
        return Version(
            "\n".join(lines[start - 1 : end]),
            Span(path, newer.span.qualname, start, end),
            bottom=min(bottom + 1, len(lines)),
            indent=indent,
        )

    def _locate(self, blob: str, path: str) -> Version:
        source = self.texts.get(blob, "")
        if not self._defined.search(source):
            return Version(None)  # not even the name: no need to parse
        try:
            span, outer = locate_with_scope(source, self.qualname, path)
        except HistoryError as error:
            return Version(None, unparsable="does not parse" in str(error))
        lines = self.lines(blob)
        indent = _indent(lines[span.start - 1])
        bottom = span.end
        while bottom < len(lines) and (_blank(lines[bottom]) or _indent(lines[bottom]) > indent):
            bottom += 1
        text = "\n".join(lines[span.start - 1 : span.end])
        return Version(text, span, outer=outer, bottom=min(bottom + 1, len(lines)), indent=indent)


def function_patch(
    old: Version, new: Version, old_path: str, new_path: str
) -> tuple[int, int, str]:
    """Lines added and removed inside the function; its diff, the whole function as context.

    The common head and tail are set aside first, so the line matcher only
    sees the edited middle (a few lines, however long the function).
    """
    before = old.text.split("\n") if old.text is not None else []
    after = new.text.split("\n") if new.text is not None else []
    limit = min(len(before), len(after))
    head = _common_prefix(before, after, limit)
    tail = _common_suffix(before, after, limit - head)
    middle_before = before[head : len(before) - tail]
    middle_after = after[head : len(after) - tail]
    body = [" " + line for line in before[:head]]
    added = removed = 0
    matcher = difflib.SequenceMatcher(None, middle_before, middle_after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            body += [" " + line for line in middle_before[i1:i2]]
            continue
        body += ["-" + line for line in middle_before[i1:i2]]
        body += ["+" + line for line in middle_after[j1:j2]]
        removed += i2 - i1
        added += j2 - j1
    body += [" " + line for line in before[len(before) - tail :]] if tail else []
    old_start = old.span.start if old.span else 0
    new_start = new.span.start if new.span else 0
    header = [
        f"--- a/{old_path}" if old.text is not None else "--- /dev/null",
        f"+++ b/{new_path}",
        f"@@ -{old_start},{len(before)} +{new_start},{len(after)} @@",
    ]
    return added, removed, "\n".join(header + body)

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
import codecs
import difflib
import hashlib
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from subprocess import PIPE
from typing import TYPE_CHECKING

from workbench.errors import HistoryError
from workbench.history.locate import Span, locate_with_scope, parse_python

if TYPE_CHECKING:
    import git

_MARK = "\x1e"
#: Header of each commit; the raw file changes follow it, NUL-separated (``-z``).
_FORMAT = f"{_MARK}%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
_NULL = "0" * 40
_HUNK = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


@dataclass(frozen=True, slots=True)
class Hunk:
    """One changed stretch of a file (``-U0``): old lines ``old_start..`` became the new ones."""

    old_start: int
    old_count: int
    new_start: int
    new_count: int
    removed: tuple[str, ...]
    added: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Change:
    """One commit's change to the file, as ``git log -p -U0`` reports it."""

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
    hunks: tuple[Hunk, ...]


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


class FileLog:
    """``git log -p -U0`` of one file, started at once and read when needed.

    Started before the function is located at the tip, so that git walks the
    history while Python reads and parses the file.
    """

    def __init__(
        self, repo: git.Repo, path: str, tip: str, base: str | None, since: str | None
    ) -> None:
        self.path = path
        args = ["--no-merges", "--follow", "-p", "-U0", "--full-index", "--no-color"]
        args += ["--no-ext-diff", "--no-textconv", f"--format={_FORMAT}"]
        if since:
            args.append(f"--since={since}")
        args += [f"{base}..{tip}" if base else tip, "--", path]
        self._process = subprocess.Popen(
            ["git", "log", *args],
            cwd=repo.working_tree_dir or repo.git_dir,
            stdout=PIPE,
            stderr=PIPE,
        )

    def changes(self) -> Iterator[Change]:
        """Non-merge commits that changed the file (followed across renames), newest first.

        Yielded as git writes them, so judging a commit overlaps git's walk
        to the older ones.
        """
        assert self._process.stdout is not None and self._process.stderr is not None
        decoder = codecs.getincrementaldecoder("utf-8")("surrogateescape")
        pending = ""
        finished = False
        try:
            while not finished:
                piece = self._process.stdout.read1(1 << 16)
                finished = not piece
                pending += decoder.decode(piece, final=not piece)
                records = pending.split("\n" + _MARK)
                pending = records.pop() if piece else ""
                for record in records:
                    change = _change(record.removeprefix(_MARK))
                    if change is not None:
                        yield change
        finally:
            if not finished:
                self.cancel()  # the reader stopped early: git need not go on
        error = self._process.stderr.read().decode("utf-8", "replace").strip()
        if self._process.wait() != 0:
            reason = error.splitlines()[0] if error else "no reason given"
            raise HistoryError(f"git log failed for {self.path}: {reason}")

    def cancel(self) -> None:
        """Stop git if it still runs (the question failed, or the reader stopped early)."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait()


def _change(record: str) -> Change | None:
    """One commit of the log; None when it changed no content of the file.

    An empty record is git's whole output when no commit matched (a ``--since``
    after the last change, an empty range).
    """
    if not record.strip():
        return None
    lines = record.split("\n")
    sha, parents, author, email, date, summary = lines[0].split("\x00", 5)
    old_blob = new_blob = ""
    old_path = new_path = ""
    hunks: list[Hunk] = []
    index = 1
    while index < len(lines):
        line = lines[index]
        index += 1
        if line.startswith("index "):
            old_blob, _, new_blob = line.split()[1].partition("..")
        elif line.startswith("--- "):
            old_path = _path(line[4:])
        elif line.startswith("+++ "):
            new_path = _path(line[4:])
        elif line.startswith("@@ "):
            match = _HUNK.match(line)
            if match is None:
                continue
            old_count = int(match[2]) if match[2] is not None else 1
            new_count = int(match[4]) if match[4] is not None else 1
            removed: list[str] = []
            added: list[str] = []
            while index < len(lines):
                text = lines[index]
                if text.startswith("\\"):  # "\ No newline at end of file"
                    index += 1
                elif text.startswith("-") and len(removed) < old_count:
                    removed.append(text[1:])
                    index += 1
                elif text.startswith("+") and len(added) < new_count:
                    added.append(text[1:])
                    index += 1
                else:
                    break
            hunks.append(
                Hunk(
                    int(match[1]), old_count, int(match[3]), new_count, tuple(removed), tuple(added)
                )
            )
    if not new_blob or new_blob == old_blob:
        return None  # a pure rename or mode change: same text
    return Change(
        sha,
        tuple(parents.split()),
        author,
        email,
        datetime.fromisoformat(date),
        summary,
        old_blob,
        new_blob,
        old_path or new_path,
        new_path or old_path,
        tuple(hunks),
    )


def _path(text: str) -> str:
    """A path from a ``---``/``+++`` line (``a/``, ``b/`` prefixes off; C-quoted if unusual)."""
    if text == "/dev/null":
        return ""
    if text.startswith('"'):
        raw = text[1:-1].encode("latin-1", "backslashreplace").decode("unicode_escape")
        text = raw.encode("latin-1").decode("utf-8", "replace")
    return text[2:]


def undo(lines: list[str], hunks: tuple[Hunk, ...]) -> list[str]:
    """The older version of a file from its newer ``lines`` and the commit's ``-U0`` hunks."""
    older: list[str] = []
    position = 0
    for hunk in hunks:
        kept_until = hunk.new_start if hunk.new_count == 0 else hunk.new_start - 1
        older.extend(lines[position:kept_until])
        older.extend(hunk.removed)
        position = kept_until + hunk.new_count
    older.extend(lines[position:])
    return older


def blob_id(lines: list[str]) -> str:
    """Git's id of the blob whose text is ``lines`` joined by newlines."""
    data = "\n".join(lines).encode("utf-8", "surrogateescape")
    return hashlib.sha1(b"blob %d\x00" % len(data) + data).hexdigest()


class BlobReader:
    """File versions by blob id: rebuilt from a newer one, or read with ``git cat-file``."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self.lines: dict[str, list[str]] = {}
        self._rebuilt: dict[str, list[str]] = {}
        self._process: subprocess.Popen[bytes] | None = None

    def learn(self, text: str) -> None:
        """Remember a version already read (the tip's), under its blob id."""
        lines = text.split("\n")
        self.lines[blob_id(lines)] = lines

    def get(self, blob: str) -> list[str] | None:
        """The lines of ``blob`` (None if the repository lacks it: a shallow clone).

        A rebuilt version is checked against its blob id when first used, not
        when rebuilt: most are only ever a step to the next older one.
        """
        found = self.lines.get(blob)
        if found is None:
            rebuilt = self._rebuilt.pop(blob, None)
            found = (
                rebuilt if rebuilt is not None and blob_id(rebuilt) == blob else self._read(blob)
            )
            if found is not None:
                self.lines[blob] = found
        return found

    def rebuild(self, change: Change) -> None:
        """Learn the older version of ``change`` by undoing it (checked when used)."""
        if change.old_blob == _NULL or change.old_blob in self.lines:
            return
        newer = self.lines.get(change.new_blob) or self._rebuilt.get(change.new_blob)
        if newer is not None:
            self._rebuilt[change.old_blob] = undo(newer, change.hunks)

    def _read(self, blob: str) -> list[str] | None:
        if self._process is None:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.repo.working_tree_dir or self.repo.git_dir,
                stdin=PIPE,
                stdout=PIPE,
            )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._process.stdin.write(blob.encode() + b"\n")
        self._process.stdin.flush()
        header = self._process.stdout.readline().split()
        if len(header) < 3 or header[1] != b"blob":
            return None
        data = self._process.stdout.read(int(header[2]) + 1)[:-1]
        return data.decode("utf-8", "surrogateescape").split("\n")

    def close(self) -> None:
        if self._process is not None:
            assert self._process.stdin is not None
            self._process.stdin.close()
            self._process.wait()
            self._process = None


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
        if blob == _NULL:
            return Version(None)
        found = self.cache.get(blob)
        if found is None:
            found = self.cache[blob] = self._locate(blob, path)
        return found

    def older(self, change: Change, newer: Version) -> Version:
        """The function just before ``change``, given ``newer``, the one just after it."""
        blob = change.old_blob
        if blob == _NULL:
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

"""Reading ``git log -p -U0 -z`` of one file as it streams: each commit's exact changed lines.

One walk gives, per commit, its metadata, the file's old and new blob ids and
paths, and the hunks (old lines → new lines) without context, which is all the
function finder needs to rebuild older versions and to tell whether a commit
touched a function.
"""

from __future__ import annotations

import codecs
import re
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from subprocess import PIPE
from typing import TYPE_CHECKING

from workbench.errors import HistoryError

if TYPE_CHECKING:
    import git

MARK = "\x1e"
#: Header of each commit; the raw file changes follow it, NUL-separated (``-z``).
FORMAT = f"{MARK}%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
NULL = "0" * 40
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
        args += ["--no-ext-diff", "--no-textconv", f"--format={FORMAT}"]
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
                records = pending.split("\n" + MARK)
                pending = records.pop() if piece else ""
                for record in records:
                    change = _change(record.removeprefix(MARK))
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

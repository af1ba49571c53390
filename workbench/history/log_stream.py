"""The commits that changed one file, read from ``git log --raw -z`` as it streams.

Each commit comes with the file's blob ids before and after it, which is all
the function finder needs: the versions themselves are read from git's object
store (:mod:`workbench.history.blobs`). No ``-p``: diffing every version is
most of what ``git log -p`` and ``git log -L`` cost, and the finder compares
versions itself where it matters. No ``--follow`` either: it makes git run
rename detection on every commit of the walk and keeps it from using the
commit-graph's changed-path filters; a rename is followed like any other move,
from the commit that created the path (:mod:`workbench.history.log`).
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from subprocess import PIPE

from workbench.errors import HistoryError

MARK = b"\x1e"
#: Header of each commit: six NUL-terminated fields, then the raw changes (``-z``).
FORMAT = "%x1e%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
_HEADER_FIELDS = 6
NULL = "0" * 40


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
    """The file before the commit (:data:`NULL` when the commit created it)."""
    new_blob: str
    """The file after the commit (:data:`NULL` when the commit deleted it)."""
    path: str


class FileLog:
    """``git log --raw`` of one file, started at once and read when needed.

    Started before the function is located at the tip, so that git walks the
    history while Python reads and parses the file.
    """

    def __init__(self, cwd: str, path: str, tip: str, base: str | None, since: str | None) -> None:
        self.path = path
        args = ["--no-merges", "--raw", "--no-abbrev", "-z", "--no-renames"]
        args += ["--no-color", f"--format={FORMAT}"]
        if since:
            args.append(f"--since={since}")
        args += [f"{base}..{tip}" if base else tip, "--", path]
        self._process = subprocess.Popen(["git", "log", *args], cwd=cwd, stdout=PIPE, stderr=PIPE)

    def changes(self) -> Iterator[Change]:
        """Non-merge commits that changed the file's content, newest first.

        Yielded as git writes them, so judging a commit overlaps git's walk
        to the older ones.
        """
        assert self._process.stdout is not None and self._process.stderr is not None
        fields: list[bytes] = []
        pending = b""
        finished = False
        try:
            while piece := self._process.stdout.read1(1 << 16):
                parts = (pending + piece).split(b"\x00")
                pending = parts.pop()
                for part in parts:
                    if _starts_commit(part, fields):
                        if (change := _change(fields)) is not None:
                            yield change
                        fields = []
                    fields.append(part)
            finished = True
            if (change := _change(fields + [pending] if pending else fields)) is not None:
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
        for stream in (self._process.stdout, self._process.stderr):
            if stream is not None:
                stream.close()


def _starts_commit(part: bytes, fields: list[bytes]) -> bool:
    """Whether ``part`` opens the next commit, given the fields of the current one.

    Counted, not only marked: a header field or a path may start with the mark
    too, but only a complete header (with or without its change) precedes a commit.
    """
    return part.startswith(MARK) and (
        len(fields) == _HEADER_FIELDS or len(fields) >= _HEADER_FIELDS + 2
    )


def _text(field: bytes) -> str:
    """Metadata for people (names, subjects): undecodable bytes shown as U+FFFD."""
    return field.decode("utf-8", "replace")


def _change(fields: list[bytes]) -> Change | None:
    """One commit: its header fields, then ``:modes ids status`` and the path.

    None for a commit that left the file's content alone (a mode change), and
    for the empty output of a walk that matched nothing.
    """
    if len(fields) < _HEADER_FIELDS + 2 or not fields[0].startswith(MARK):
        return None
    sha, parents, author, email, date, summary = fields[:_HEADER_FIELDS]
    raw = fields[_HEADER_FIELDS].split()
    if len(raw) < 5:
        return None
    old_blob, new_blob = raw[2].decode(), raw[3].decode()
    if old_blob == new_blob:
        return None
    return Change(
        sha[1:].decode(),
        tuple(parents.decode().split()),
        _text(author),
        _text(email),
        datetime.fromisoformat(date.decode()),
        _text(summary),
        old_blob,
        new_blob,
        fields[_HEADER_FIELDS + 1].decode("utf-8", "surrogateescape"),
    )

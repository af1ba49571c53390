"""Older versions of a file rebuilt from newer ones by undoing a commit's hunks.

Each rebuilt version is checked against git's blob id; ``git cat-file`` is asked
only when the history branches or the check fails.
"""

from __future__ import annotations

import hashlib
import subprocess
from subprocess import PIPE
from typing import TYPE_CHECKING

from workbench.history.log_stream import NULL, Change, Hunk

if TYPE_CHECKING:
    import git


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
        if change.old_blob == NULL or change.old_blob in self.lines:
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

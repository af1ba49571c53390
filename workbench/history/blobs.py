"""Every version of a file, read from git's object store ahead of need.

``git cat-file --batch`` reads a blob straight from the packs: nothing is
diffed, and diffing is most of what ``git log -p`` or ``git log -L`` spend. One
process serves a whole walk. Requests are written ahead of need (a bounded
number, far below what the pipe holds, so writing never blocks), so git
inflates the next versions while Python judges the current one.
"""

from __future__ import annotations

import fcntl
import subprocess
from collections import deque
from subprocess import DEVNULL, PIPE

from workbench.errors import HistoryError

#: Larger "sources" are refused: no Python module is this big, and the parser
#: would need tens of times as much memory.
MAX_SOURCE_BYTES = 16 << 20
#: Requests written and not yet answered: a few kB in a pipe that holds 64 kB.
_AHEAD = 128
#: Versions kept after use (each is needed again only on branchy history),
#: by count and by bytes: a read-again version costs one request.
_KEEP = 64
_KEEP_BYTES = 64 << 20
#: Room for git to write versions ahead while Python judges (Linux's default
#: unprivileged maximum; the 64 kB default holds less than one large module).
_PIPE_BYTES = 1 << 20


class SourceTooLarge(HistoryError):
    """A version of the file is larger than :data:`MAX_SOURCE_BYTES`."""


class BlobStore:
    """File versions by blob id (or ``rev:path``), from one ``git cat-file --batch``."""

    def __init__(self, cwd: str) -> None:
        self.cwd = cwd
        self._data: dict[str, bytes | int | None] = {}
        """Answers by name: the bytes, None when missing, or the size when too large."""
        self._bytes = 0
        self._blob_ids: dict[str, str] = {}
        """``rev:path`` requests -> the blob id git answered with."""
        self._queued: deque[str] = deque()
        self._sent: deque[str] = deque()
        self._asked: set[str] = set()
        self._process: subprocess.Popen[bytes] | None = None

    def want(self, name: str) -> None:
        """Ask for ``name`` ahead of :meth:`get` (no-op when known or already asked)."""
        if name not in self._data and name not in self._asked:
            self._asked.add(name)
            self._queued.append(name)

    def get(self, blob: str) -> bytes | None:
        """The bytes of ``blob`` (None if the repository lacks it: a shallow clone).

        Raises :class:`SourceTooLarge` for a version over :data:`MAX_SOURCE_BYTES`.
        """
        if blob not in self._data:
            self.want(blob)
            while blob not in self._data:
                self._receive()
        found = self._data.pop(blob)
        self._data[blob] = found  # most recently used last
        if isinstance(found, int):
            raise SourceTooLarge(
                f"is {found / (1 << 20):.1f} MB, more than the {MAX_SOURCE_BYTES >> 20} MB "
                "limit for a Python source (a generated file?)"
            )
        return found

    def read_file(self, rev: str, path: str) -> tuple[str, bytes] | None:
        """``(blob id, bytes)`` of ``path`` at commit ``rev``, None when it is not a file there."""
        name = f"{rev}:{path}"
        data = self.get(name)
        blob = self._blob_ids.get(name)
        if data is None or blob is None:
            return None
        if blob not in self._data:  # the walk asks for it again by its id
            self._data[blob] = data
            self._bytes += len(data)
        return blob, data

    def _receive(self) -> None:
        """Read the next answer (sending more requests first)."""
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        while self._queued and len(self._sent) < _AHEAD:
            name = self._queued.popleft()
            process.stdin.write(name.encode("utf-8", "surrogateescape") + b"\n")
            self._sent.append(name)
        process.stdin.flush()
        if not self._sent:
            raise HistoryError("git cat-file was asked for nothing")  # a bug, not bad input
        name = self._sent.popleft()
        self._asked.discard(name)
        header = process.stdout.readline().split()
        answer: bytes | int | None = None
        if len(header) == 3 and header[1] == b"blob":
            size = int(header[2])
            if size > MAX_SOURCE_BYTES:
                _skip(process, size + 1)
                answer = size
            else:
                answer = process.stdout.read(size)
                process.stdout.read(1)  # the newline after each answer
            self._blob_ids[name] = header[0].decode()
        elif len(header) == 3:  # not a blob (a tree at rev:path): skip its contents
            _skip(process, int(header[2]) + 1)
        elif not header:
            raise HistoryError("git cat-file stopped answering")
        self._data[name] = answer
        self._bytes += len(answer) if isinstance(answer, bytes) else 0
        while len(self._data) > 2 and (len(self._data) > _KEEP or self._bytes > _KEEP_BYTES):
            oldest = self._data.pop(next(iter(self._data)))
            self._bytes -= len(oldest) if isinstance(oldest, bytes) else 0

    def _start(self) -> subprocess.Popen[bytes]:
        if self._process is None:
            self._process = subprocess.Popen(
                ["git", "cat-file", "--batch"],
                cwd=self.cwd,
                stdin=PIPE,
                stdout=PIPE,
                stderr=DEVNULL,
            )
            assert self._process.stdout is not None
            try:
                fcntl.fcntl(self._process.stdout.fileno(), fcntl.F_SETPIPE_SZ, _PIPE_BYTES)
            except (AttributeError, OSError):
                pass  # not Linux, or a lower limit: git only waits for us more often
        return self._process

    def close(self) -> None:
        """Stop git (it may still hold answers nobody will read)."""
        if self._process is not None:
            if self._process.poll() is None:
                self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
            self._process = None


def _skip(process: subprocess.Popen[bytes], size: int) -> None:
    """Read past ``size`` bytes of an answer nobody wants, a megabyte at a time."""
    assert process.stdout is not None
    while size > 0:
        chunk = process.stdout.read(min(size, 1 << 20))
        if not chunk:
            raise HistoryError("git cat-file stopped answering")
        size -= len(chunk)

"""Writing the files a user names (``-o``, exports, snapshots) without harming what is there.

Every command that writes a path the user gave goes through :func:`output_file`,
so the rules hold everywhere:

* a **regular file or a new path** is written to a temporary file beside it and
  renamed over it once complete, so a failure (full disk, Ctrl-C) never leaves
  half a file where the last good one was, and the temporary is always removed;
* a **character device or a FIFO** (``/dev/null``, ``/dev/stdout``, a named
  pipe) is written as a stream: renaming a file over ``/dev/null`` would
  destroy the system's null device;
* a **symlink** is never replaced: what it points to is written, by the two
  rules above;
* ``-`` is standard output;
* a block device, a socket or a folder is refused before anything is written;
* a new file's mode follows the umask (``0o666 & ~umask``, as ``>`` in a
  shell), a replaced file keeps its mode.

This module is a leaf: it imports nothing from the workbench but its errors.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from workbench.errors import OutputError

#: Shown for the path ``-``.
STDOUT = "-"


def output_file(
    path: str | Path, *, binary: bool = False
) -> contextlib.AbstractContextManager[IO[Any]]:
    """A handle to write ``path`` by the rules in the module doc; committed on a clean exit.

    Text handles are UTF-8 with ``\\n`` line ends. Raises :class:`OutputError`
    (one line, nothing changed) when the path cannot be written.
    """
    return _output(str(path), binary)


def write_output(path: str | Path, data: str | bytes) -> None:
    """Write all of ``data`` to ``path`` (see :func:`output_file`)."""
    with _output(str(path), isinstance(data, bytes)) as out:
        out.write(data)


def check_output(path: str | Path) -> None:
    """Raise :class:`OutputError` now if ``path`` could not be written later.

    For commands that work a long time before they write (sampling for
    minutes, then ``-o``): a folder, a missing parent or a read-only place is
    found before the work, not after it.
    """
    _plan(str(path))


@contextlib.contextmanager
def _output(path: str, binary: bool) -> Iterator[IO]:
    kind, target = _plan(path)
    if kind == "stdout":
        stream = sys.stdout.buffer if binary else sys.stdout
        yield stream
        stream.flush()
        return
    if kind == "stream":
        with (
            _failing_as_output_error(path, changed="part of it may have been written"),
            _open(target, os.O_WRONLY | os.O_APPEND, binary) as out,
        ):
            yield out
        return
    yield from _atomic(path, target, binary)


def _atomic(path: str, target: str, binary: bool) -> Iterator[IO]:
    """Write a temporary beside ``target`` and rename it over ``target`` when complete."""
    folder, name = os.path.split(target)
    existing = _lstat(target)
    temporary = os.path.join(folder, f".{name}.{os.urandom(4).hex()}.tmp")
    try:
        with _failing_as_output_error(path):
            # 0o666 and the kernel applies the umask, as a shell's ``>`` does.
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
            if existing is not None:
                os.fchmod(descriptor, stat.S_IMODE(existing.st_mode))
            with _from_descriptor(descriptor, binary) as out:
                yield out
            os.replace(temporary, target)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def _plan(path: str) -> tuple[str, str]:
    """``(how, where)``: ``stdout``, ``stream`` (device, FIFO) or ``atomic``, and the real path."""
    if path == STDOUT:
        return "stdout", path
    target = os.path.realpath(path) if os.path.islink(path) else path
    info = _lstat(target)
    if info is None:
        folder = os.path.dirname(target) or "."
        if not os.path.isdir(folder):
            raise OutputError(f"cannot write {path}: folder {folder} does not exist")
        if not os.access(folder, os.W_OK):
            raise OutputError(f"cannot write {path}: folder {folder} is not writable")
        return "atomic", target
    mode = info.st_mode
    if stat.S_ISREG(mode):
        folder = os.path.dirname(target) or "."
        if not os.access(folder, os.W_OK | os.X_OK):
            raise OutputError(
                f"cannot write {path}: its folder {folder} is not writable (the file is "
                "replaced only once complete); choose another path"
            )
        return "atomic", target
    if stat.S_ISCHR(mode) or stat.S_ISFIFO(mode):
        return "stream", target
    what = {
        stat.S_ISDIR(mode): "a folder",
        stat.S_ISBLK(mode): "a block device",
        stat.S_ISSOCK(mode): "a socket",
    }.get(True, "not a regular file")
    raise OutputError(f"cannot write {path}: it is {what}; give a file name")


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as error:
        raise OutputError(f"cannot write {path}: {error.strerror or error}") from None


def _open(path: str, flags: int, binary: bool) -> IO:
    return _from_descriptor(os.open(path, flags), binary)


def _from_descriptor(descriptor: int, binary: bool) -> IO:
    if binary:
        return os.fdopen(descriptor, "wb")
    return os.fdopen(descriptor, "w", encoding="utf-8", newline="\n")


@contextlib.contextmanager
def _failing_as_output_error(
    path: str, changed: str = "nothing was changed"
) -> Iterator[None]:
    """An ``OSError`` while writing becomes one :class:`OutputError` line."""
    try:
        yield
    except OSError as error:
        reason = error.strerror or str(error)
        raise OutputError(f"cannot write {path}: {reason}; {changed}") from None

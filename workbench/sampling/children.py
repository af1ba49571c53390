"""Child processes that never outlive the workbench, and stopping cleanly on a signal.

Every process the workbench starts (py-spy, a command it launches to sample)
goes through :func:`popen`:

* its own process group (``start_new_session``), so one ``killpg`` reaches it
  and anything it started, and the terminal's Ctrl-C or hangup reaches only us
  (we decide what the child gets: py-spy a SIGINT so it writes what it sampled);
* ``PR_SET_PDEATHSIG`` = SIGKILL (Linux ``prctl``, set between fork and exec):
  the kernel kills the child when the thread that started it dies, even when
  we are killed with SIGKILL and no Python code runs. Keep the starting thread
  alive as long as the child should live (the sampler's own thread does).
  Grandchildren are not covered by it: the group kill in
  :meth:`ChildProcesses.kill_all` / :func:`stop_group` is. A Python
  ``preexec_fn`` forces ``fork`` (3.5 ms of our CPU per start for a process
  of the workbench's size, against 0.3 ms with ``vfork``), so children started
  every second (py-spy windows) go through util-linux's ``setpriv
  --pdeathsig KILL`` instead, when it is installed;
* registered until reaped, and killed at interpreter exit (``atexit``).

:func:`stop_signals` turns SIGTERM, SIGHUP and SIGINT into a
:class:`Stopped` exception in the main thread, so a headless command
(``workbench record``) stops sampling, keeps what was sampled and cleans up
in its ``finally`` blocks instead of dying where it stands.
"""

from __future__ import annotations

import atexit
import ctypes
import functools
import os
import shutil
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

__all__ = [
    "ChildProcesses",
    "Stopped",
    "popen",
    "signal_group",
    "stop_group",
    "stop_signals",
]

#: ``prctl`` option that makes the kernel signal a child when its parent thread dies.
PR_SET_PDEATHSIG = 1
#: The signals a headless command stops on (and keeps what it measured).
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)

_live: set[subprocess.Popen[Any]] = set()
"""Every child started by :func:`popen` and not yet reaped (killed at exit)."""
_live_lock = threading.Lock()


def _load_prctl() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:  # the C library already loaded into this process (find_library would run ldconfig)
        return ctypes.CDLL(None, use_errno=True).prctl  # type: ignore[no-any-return]
    except (OSError, AttributeError):
        return None


_PRCTL = _load_prctl()


def _die_with_parent(parent: int) -> Callable[[], None]:
    """The ``preexec_fn`` that asks for SIGKILL when the parent goes.

    Runs in the child between fork and exec, so it only calls what is already
    loaded (no import, no allocation-heavy work). If the parent died before
    the request took effect, the child kills itself.
    """
    prctl = _PRCTL

    def preexec() -> None:
        if prctl is not None:
            prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
        if os.getppid() != parent:
            os.kill(os.getpid(), signal.SIGKILL)

    return preexec


@functools.cache
def _setpriv() -> str | None:
    """util-linux ``setpriv`` when it can set the parent-death signal, else None."""
    found = shutil.which("setpriv")
    if found is None or _PRCTL is None:
        return None
    try:
        usage = subprocess.run([found, "--help"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return found if "--pdeathsig" in usage.stdout else None


def popen(
    args: Sequence[str],
    *,
    stdin: int | IO[Any] | None = subprocess.DEVNULL,
    stdout: int | IO[Any] | None = None,
    stderr: int | IO[Any] | None = None,
    cwd: str | None = None,
    env: dict[str, str] | None = None,
    often: bool = False,
) -> subprocess.Popen[bytes]:
    """Start ``args`` as a child that dies with us (see the module docstring).

    ``often``: the caller starts such children every second or so and has
    checked that ``args[0]`` exists; the death signal is then set by
    ``setpriv`` so the start costs a ``vfork`` rather than a ``fork``.
    Raises ``OSError`` like :class:`subprocess.Popen` (the caller says what it means).
    """
    wrapper = _setpriv() if often else None
    command = [wrapper, "--pdeathsig", "KILL", "--", *args] if wrapper else list(args)
    process = subprocess.Popen(
        command,
        stdin=stdin,
        stdout=stdout,
        stderr=stderr,
        cwd=cwd,
        env=env,
        start_new_session=True,
        preexec_fn=None if wrapper else _die_with_parent(os.getpid()),
    )
    with _live_lock:
        _live.add(process)
    return process


def reaped(process: subprocess.Popen[Any]) -> None:
    """Forget a child that has been waited for."""
    with _live_lock:
        _live.discard(process)


def signal_group(process: subprocess.Popen[Any], sig: int) -> None:
    """Send ``sig`` to ``process``'s group, if it still runs."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop_group(process: subprocess.Popen[Any], grace: float = 3.0) -> int | None:
    """SIGTERM the group, SIGKILL after ``grace`` s; the exit code, None if not reaped."""
    if process.poll() is None:
        for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 1.0)):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                pass
            except PermissionError:
                process.send_signal(sig)
            try:
                process.wait(wait)
                break
            except subprocess.TimeoutExpired:
                continue
    if process.returncode is not None:
        reaped(process)
    return process.returncode


@atexit.register
def _kill_leftovers() -> None:
    with _live_lock:
        leftovers = list(_live)
        _live.clear()
    for process in leftovers:
        signal_group(process, signal.SIGKILL)


class ChildProcesses:
    """The processes one owner started (a sampler's py-spy runs), killed as a group."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.running: set[subprocess.Popen[bytes]] = set()

    def spawn(
        self,
        args: list[str],
        stdout: Any,
        *,
        stderr: Any = subprocess.STDOUT,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
        often: bool = False,
    ) -> subprocess.Popen[bytes]:
        """Start ``args`` (see :func:`popen`); ``env`` None means ours; stderr to stdout."""
        env = dict(os.environ if env is None else env, RUST_BACKTRACE="0")
        process = popen(
            args,
            stdout=stdout,
            stderr=stderr,
            cwd=str(cwd) if cwd is not None else None,
            env=env,
            often=often,
        )
        with self.lock:
            self.running.add(process)
        return process

    def forget(self, process: subprocess.Popen[bytes]) -> None:
        """Reap a child that has finished (waits for it) and stop tracking it."""
        process.wait()
        reaped(process)
        with self.lock:
            self.running.discard(process)

    def signal_all(self, sig: int) -> None:
        with self.lock:
            processes = list(self.running)
        for process in processes:
            signal_group(process, sig)

    def kill_all(self) -> None:
        """SIGKILL every process group still running and reap it."""
        with self.lock:
            processes = list(self.running)
            self.running.clear()
        for process in processes:
            signal_group(process, signal.SIGKILL)
            try:
                process.wait(timeout=2.0)
                reaped(process)
            except subprocess.TimeoutExpired:
                pass


class Stopped(Exception):  # noqa: N818 - an event, named like KeyboardInterrupt
    """A stop signal (SIGTERM, SIGHUP, SIGINT) arrived while :func:`stop_signals` was on."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


@contextmanager
def stop_signals() -> Iterator[None]:
    """Within the block, SIGTERM/SIGHUP/SIGINT raise :class:`Stopped` in the main thread.

    A second signal while the first is being handled is ignored, so cleanup
    (py-spy writing its samples, a file being saved) is not cut short; the
    previous handlers come back on exit. Outside the main thread this does
    nothing (Python delivers signals to the main thread only).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stopping = False

    def handler(signum: int, _frame: object) -> None:
        nonlocal stopping
        if stopping:
            return
        stopping = True
        raise Stopped(signum)

    previous = {sig: signal.signal(sig, handler) for sig in STOP_SIGNALS}
    try:
        yield
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)

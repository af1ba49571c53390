"""Which processes can be sampled, and why a given PID cannot.

py-spy's own messages for a bad target are misleading (a missing ptrace
capability reads as "Failed to get process executable name"), so every
attach goes through :func:`check_target` first, which asks psutil and the
kernel and raises a :class:`~workbench.errors.SamplingError` naming the real
cause and what to do about it.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from workbench.errors import SamplingError

__all__ = [
    "ProcessInfo",
    "SamplingError",
    "check_target",
    "launch_target",
    "list_python_processes",
    "python_descendants",
    "stop_target",
    "wait_for_python",
]


@dataclass
class ProcessInfo:
    """One process as ``workbench ps`` and the Live pane's picker show it."""

    pid: int
    ppid: int
    name: str
    cmdline: list[str]
    """Full argument vector; empty when the kernel hides it (zombie, other user)."""
    cpu_percent: float
    """CPU % of one core since the previous look (0.0 on the first look)."""
    rss_bytes: int
    threads: int
    """OS threads, including native ones: what the blocking/nonblocking rule counts."""
    is_python: bool
    """The executable (or a mapped libpython) is a CPython interpreter."""
    python_children: list[int] = field(default_factory=list)
    """Descendant PIDs that are Python, for wrappers like ``sh -c 'python x.py'``."""

    @property
    def command(self) -> str:
        """The command line as one string (the name when the cmdline is hidden)."""
        return " ".join(self.cmdline) if self.cmdline else self.name


def list_python_processes() -> list[ProcessInfo]:
    """Python processes on this machine that could be attached to, busiest CPU first.

    Takes ~0.1 s: CPU % is measured over a short interval so the list is useful
    on the first call. Excludes the calling process.
    """
    candidates: list[psutil.Process] = []
    me = os.getpid()
    for process in psutil.process_iter():
        if process.pid == me:
            continue
        try:
            if _is_python(process):
                process.cpu_percent(None)  # prime: the next call measures from here
                candidates.append(process)
        except (psutil.Error, OSError):
            continue
    time.sleep(_CPU_INTERVAL)
    infos = []
    for process in candidates:
        try:
            infos.append(_describe(process, measure_cpu=True))
        except (psutil.Error, OSError):
            continue
    infos.sort(key=lambda info: (-info.cpu_percent, info.pid))
    return infos


def check_target(pid: int) -> ProcessInfo:
    """Describe ``pid`` if py-spy can sample it, else raise :class:`SamplingError`.

    Causes, each one line with what to do: no such PID (or exited); a zombie;
    not a Python process — naming its Python child PIDs when it is a wrapper;
    permission denied — run as root / same user, add ``CAP_SYS_PTRACE`` in a
    container, or set ``kernel.yama.ptrace_scope=0``.
    """
    if pid <= 0:
        raise _pick_another(f"{pid} is not a process id", "pick one from `workbench ps`")
    info = _describe_pid(pid, gone=_pick_another(f"no process with PID {pid} (it may have exited)"))
    if not info.is_python:
        raise _not_python(info)
    if not _can_ptrace(pid):
        raise SamplingError(_permission_message(pid))
    return info


def wait_for_python(pid: int, timeout: float = 5.0) -> ProcessInfo:
    """Wait until ``pid`` (or, for a wrapper, one of its children) runs Python.

    For ``workbench run -- COMMAND``: a just-spawned process may still be a
    shell or an interpreter that has not mapped its runtime yet. Returns the
    :class:`ProcessInfo` of the process to sample (``pid`` itself or its first
    Python child); raises :class:`SamplingError` on timeout or exit.
    """
    deadline = time.monotonic() + timeout
    while True:
        info = _describe_pid(
            pid, gone=SamplingError(f"the command exited (PID {pid}) before it could be sampled")
        )
        if info.is_python:
            return check_target(pid)
        if info.python_children:
            return check_target(info.python_children[0])
        if time.monotonic() >= deadline:
            raise _not_python(info)
        time.sleep(0.05)


def launch_target(command: Sequence[str], cwd: str | None = None) -> subprocess.Popen[bytes]:
    """Start ``command`` to be sampled (``workbench run`` / ``workbench demo``).

    The child runs in its own session, so :func:`stop_target` can stop it and
    everything it spawned; its stdin, stdout and stderr go to ``/dev/null``
    because the Live pane owns the terminal. Raises :class:`SamplingError`
    when the command cannot be started (not found, not executable). Pair it
    with :func:`wait_for_python` to get the PID to sample.
    """
    if not command:
        raise SamplingError("no command to run; usage: workbench run -- python app.py")
    try:
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise SamplingError(f"command not found: {command[0]}") from None
    except PermissionError:
        raise SamplingError(f"command is not executable: {command[0]}") from None
    except OSError as error:
        raise SamplingError(f"cannot start {command[0]}: {error.strerror or error}") from None


def stop_target(process: subprocess.Popen[bytes], timeout: float = 3.0) -> int | None:
    """Stop a target started by :func:`launch_target`: SIGTERM, then SIGKILL.

    Signals the whole process group; returns the exit code (None if it could
    not be reaped). Safe to call on a process that has already exited.
    """
    if process.poll() is not None:
        return process.returncode
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 1.0)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
        except PermissionError:
            process.send_signal(sig)
        try:
            return process.wait(wait)
        except subprocess.TimeoutExpired:
            continue
    return None


#: Executable names of CPython interpreters: python, python3, python3.11, python3.13t.
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?[dmt]*$")
#: A mapped libpython marks embedded interpreters (uwsgi, Blender, ...).
_LIBPYTHON = re.compile(rb"/libpython\d[\d.]*[dmt]*\.so")
#: Seconds over which ``workbench ps`` measures CPU %.
_CPU_INTERVAL = 0.2


def _is_python(process: psutil.Process) -> bool:
    """Interpreter by executable name, or by a mapped libpython for embedded ones."""
    try:
        exe = process.exe()
    except psutil.AccessDenied:
        exe = ""
    for candidate in (os.path.basename(exe), process.name()):
        if _PYTHON_NAME.match(candidate):
            return True
    try:
        maps = Path(f"/proc/{process.pid}/maps").read_bytes()
    except OSError:
        return False
    return _LIBPYTHON.search(maps) is not None


def python_descendants(pid: int) -> list[int]:
    """PIDs of the live Python processes below ``pid`` (children, grandchildren...)."""
    try:
        return _python_descendants(psutil.Process(pid))
    except psutil.Error:
        return []


def _python_descendants(process: psutil.Process) -> list[int]:
    found = []
    try:
        children = process.children(recursive=True)
    except psutil.Error:
        return found
    for child in children:
        try:
            if child.status() != psutil.STATUS_ZOMBIE and _is_python(child):
                found.append(child.pid)
        except (psutil.Error, OSError):
            continue
    return found


def _describe_pid(pid: int, gone: SamplingError) -> ProcessInfo:
    """:class:`ProcessInfo` of a live ``pid``.

    Raises ``gone`` when it has exited (a zombie
    counts: only its exit status is left), with the permission fix when we
    may not look at it.
    """
    try:
        process = psutil.Process(pid)
        if process.status() == psutil.STATUS_ZOMBIE:
            raise gone
        return _describe(process)
    except psutil.NoSuchProcess:
        raise gone from None
    except psutil.AccessDenied:
        raise SamplingError(_permission_message(pid)) from None


def _describe(process: psutil.Process, measure_cpu: bool = False) -> ProcessInfo:
    with process.oneshot():
        is_python = _is_python(process)
        try:
            cmdline = process.cmdline()
        except psutil.AccessDenied:
            cmdline = []
        return ProcessInfo(
            pid=process.pid,
            ppid=process.ppid(),
            name=process.name(),
            cmdline=cmdline,
            cpu_percent=process.cpu_percent(None) if measure_cpu else 0.0,
            rss_bytes=process.memory_info().rss,
            threads=process.num_threads(),
            is_python=is_python,
            python_children=[] if is_python else _python_descendants(process),
        )


def _can_ptrace(pid: int) -> bool:
    """Whether we may read the target's memory, as py-spy must.

    Opening ``/proc/PID/mem`` passes the same kernel check
    (``PTRACE_MODE_ATTACH``) as the ``process_vm_readv`` py-spy uses, so it
    tells "permission denied" apart before py-spy says something misleading.
    """
    try:
        fd = os.open(f"/proc/{pid}/mem", os.O_RDONLY)
    except PermissionError:
        return False
    except OSError:
        return True  # not Linux /proc, or gone: let py-spy report
    os.close(fd)
    return True


def _ptrace_scope() -> int | None:
    try:
        return int(Path("/proc/sys/kernel/yama/ptrace_scope").read_text())
    except (OSError, ValueError):
        return None


def _permission_message(pid: int) -> str:
    """Permission denied, with the fix that applies here."""
    scope = _ptrace_scope()
    if os.geteuid() != 0:
        fix = "run as root (sudo workbench ...) or as the process's user"
        if scope:
            fix += f", and set kernel.yama.ptrace_scope=0 (now {scope})"
    else:
        fix = "add CAP_SYS_PTRACE to the container (docker run --cap-add SYS_PTRACE)"
        if scope:
            fix += f" or set kernel.yama.ptrace_scope=0 (now {scope})"
    return f"permission denied reading the memory of process {pid}: {fix}"


def _pick_another(problem: str, fix: str = "see `workbench ps`") -> SamplingError:
    """``problem``, with where to find a process to sample (the CLI's ``ps``, the app's list)."""
    return SamplingError(
        f"{problem}; {fix}", in_app=f"{problem}; pick a Python process in the Attach list"
    )


def _not_python(info: ProcessInfo) -> SamplingError:
    what = f"process {info.pid} ({info.name}) is not a Python process"
    if not info.python_children:
        return _pick_another(what, "pick a Python PID from `workbench ps`")
    children = ", ".join(str(pid) for pid in info.python_children[:5])
    plural = "ren" if len(info.python_children) > 1 else ""
    return SamplingError(
        f"{what}; it runs Python child{plural} {children}: use PID {info.python_children[0]}"
    )

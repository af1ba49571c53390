"""Which processes can be sampled, and why a given PID cannot.

py-spy's own messages for a bad target are misleading (a missing ptrace
capability reads as "Failed to get process executable name"), so every
attach goes through :func:`check_target` first, which asks psutil and the
kernel and raises a :class:`~workbench.errors.SamplingError` naming the real
cause and what to do about it.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from dataclasses import dataclass, field

from workbench.errors import SamplingError

__all__ = [
    "ProcessInfo",
    "SamplingError",
    "check_target",
    "launch_target",
    "list_python_processes",
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
    on the first call. Excludes the calling process and py-spy's own children.
    """
    raise NotImplementedError


def check_target(pid: int) -> ProcessInfo:
    """Describe ``pid`` if py-spy can sample it, else raise :class:`SamplingError`.

    Causes, each one line with what to do: no such PID (or exited); a zombie;
    not a Python process — naming its Python child PIDs when it is a wrapper;
    permission denied — run as root / same user, add ``CAP_SYS_PTRACE`` in a
    container, or set ``kernel.yama.ptrace_scope=0``.
    """
    raise NotImplementedError


def wait_for_python(pid: int, timeout: float = 5.0) -> ProcessInfo:
    """Wait until ``pid`` (or, for a wrapper, one of its children) runs Python.

    For ``workbench run -- COMMAND``: a just-spawned process may still be a
    shell or an interpreter that has not mapped its runtime yet. Returns the
    :class:`ProcessInfo` of the process to sample (``pid`` itself or its first
    Python child); raises :class:`SamplingError` on timeout or exit.
    """
    raise NotImplementedError


def launch_target(command: Sequence[str], cwd: str | None = None) -> subprocess.Popen[bytes]:
    """Start ``command`` to be sampled (``workbench run`` / ``workbench demo``).

    The child runs in its own session, so :func:`stop_target` can stop it and
    everything it spawned; its stdin, stdout and stderr go to ``/dev/null``
    because the Live pane owns the terminal. Raises :class:`SamplingError`
    when the command cannot be started (not found, not executable). Pair it
    with :func:`wait_for_python` to get the PID to sample.
    """
    raise NotImplementedError


def stop_target(process: subprocess.Popen[bytes], timeout: float = 3.0) -> int | None:
    """Stop a target started by :func:`launch_target`: SIGTERM, then SIGKILL.

    Signals the whole process group; returns the exit code (None if it could
    not be reaped). Safe to call on a process that has already exited.
    """
    raise NotImplementedError

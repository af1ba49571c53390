"""Child processes that never outlive the sampler that started them.

Each child runs in its own process group (``start_new_session``), so one
signal reaches it and anything it started; :meth:`ChildProcesses.kill_all`
SIGKILLs and reaps every group still running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any


class ChildProcesses:
    """The py-spy processes one sampler started, killed as a group whatever happens."""

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
    ) -> subprocess.Popen[bytes]:
        """Start ``args`` in a new process group; ``env`` None means ours."""
        env = dict(os.environ if env is None else env, RUST_BACKTRACE="0")
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=stdout,
            stderr=stderr,
            cwd=cwd,
            env=env,
            start_new_session=True,
        )
        with self.lock:
            self.running.add(process)
        return process

    def forget(self, process: subprocess.Popen[bytes]) -> None:
        process.wait()
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
            except subprocess.TimeoutExpired:
                pass


def signal_group(process: subprocess.Popen[bytes], sig: int) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass

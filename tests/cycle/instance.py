"""A running instance of the cycle tests' web service (``service.py``); conftest starts them."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

SERVICE = Path(__file__).with_name("service.py")


@dataclass
class Service:
    """One running instance of ``service.py``."""

    process: subprocess.Popen[str]
    port: int

    def stop(self) -> None:
        self.process.kill()
        self.process.wait()

    @property
    def pid(self) -> int:
        return self.process.pid

    def url(self, path: str = "/fast") -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def launch(work_ms: float = 20.0, port: int = 0) -> Service:
    """Start the service with ``work_ms`` of CPU per /slow request on ``port`` (0: any free
    one); the caller stops it."""
    process = subprocess.Popen(
        [sys.executable, str(SERVICE), "--work-ms", str(work_ms), "--port", str(port)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    return Service(process, int(process.stdout.readline()))

"""A running instance of the cycle tests' web service (``service.py``); conftest starts them."""

from __future__ import annotations

import subprocess
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

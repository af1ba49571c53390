"""A real web service for the cycle tests, started on 127.0.0.1 and stopped at teardown."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator

import pytest

from tests.cycle.instance import SERVICE, Service


@pytest.fixture
def start_service() -> Iterator[Callable[..., Service]]:
    """Start the tiny service with ``work_ms`` of CPU per /slow request (on ``port``, or
    any free one); every instance is stopped after the test."""
    started: list[subprocess.Popen[str]] = []

    def start(work_ms: float = 20.0, port: int = 0) -> Service:
        process = subprocess.Popen(
            [sys.executable, str(SERVICE), "--work-ms", str(work_ms), "--port", str(port)],
            stdout=subprocess.PIPE,
            text=True,
        )
        started.append(process)
        assert process.stdout is not None
        port = int(process.stdout.readline())
        return Service(process, port)

    yield start
    for process in started:
        process.kill()
        process.wait()


@pytest.fixture
def service(start_service: Callable[..., Service]) -> Service:
    return start_service()

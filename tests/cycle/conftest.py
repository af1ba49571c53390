"""A real web service for the cycle tests, started on 127.0.0.1 and stopped at teardown."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.cycle.instance import Service, launch


@pytest.fixture
def start_service() -> Iterator[Callable[..., Service]]:
    """Start the tiny service with ``work_ms`` of CPU per /slow request (on ``port``, or
    any free one); every instance is stopped after the test."""
    started: list[Service] = []

    def start(work_ms: float = 20.0, port: int = 0) -> Service:
        started.append(launch(work_ms, port))
        return started[-1]

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def service(start_service: Callable[..., Service]) -> Service:
    return start_service()

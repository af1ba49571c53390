"""The ``bench_files`` fixture: real pytest-benchmark and pyperf results, once per session."""

from __future__ import annotations

import pytest

from tests.bench.suites import BenchFiles, produce


@pytest.fixture(scope="session")
def bench_files(tmp_path_factory: pytest.TempPathFactory) -> BenchFiles:
    return produce(tmp_path_factory.mktemp("bench"))

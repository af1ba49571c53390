"""The one-line diagnosis from measured figures: each pattern, and honest "unknown"."""

from __future__ import annotations

import pytest

from workbench.sampling.diagnosis import Evidence, diagnose


@pytest.mark.parametrize(
    ("evidence", "pattern", "words"),
    [
        (Evidence(seconds=1, cpu_percent=100), "unknown", "gathering evidence"),
        (Evidence(seconds=5, cpu_percent=97, gil_percent=95), "cpu-bound", "0.97 cores"),
        (
            Evidence(seconds=5, cpu_percent=100, busy_threads=3, gil_percent=98),
            "gil-contention",
            "3 busy threads share one GIL",
        ),
        (Evidence(seconds=5, cpu_percent=180), "cpu-bound", "outside the GIL"),
        (
            Evidence(seconds=5, cpu_percent=29, read_per_s=2.3e6),
            "io-bound",
            "71% idle, 2.3 MB/s reads",
        ),
        (Evidence(seconds=5, cpu_percent=10, ctx_per_s=4000), "io-bound", "4,000 switches/s"),
        (Evidence(seconds=5, cpu_percent=3), "waiting", "97% idle, little I/O"),
        (Evidence(seconds=5, cpu_percent=60), "unknown", "no clear pattern"),
        (
            Evidence(seconds=5, cpu_percent=70, queued_percent=25),
            "cpu-bound",
            "0.95 cores, 0.25 more queued for a CPU",
        ),
        (
            Evidence(seconds=5, cpu_percent=30, queued_percent=65),
            "cpu-bound",
            "starved: wants 0.95 cores, runs on 0.30",
        ),
        (
            Evidence(seconds=5, cpu_percent=5, fds=900, fds_per_min=120, history_seconds=90),
            "fd-leak",
            "+120 FDs/min, 900 open",
        ),
        (
            Evidence(seconds=5, cpu_percent=5, threads=80, threads_per_min=12, history_seconds=60),
            "thread-leak",
            "+12 threads/min",
        ),
    ],
)
def test_each_pattern_from_its_signature(evidence: Evidence, pattern: str, words: str) -> None:
    found = diagnose(evidence)
    assert found.pattern == pattern and words in found.line
    assert 0.0 <= found.confidence <= 1.0
    assert (found.confidence == 0.0) == (pattern == "unknown")
    assert any("CPU" in figure for figure in found.evidence)


def test_a_trend_needs_history_before_it_is_called_a_leak() -> None:
    short = Evidence(seconds=5, cpu_percent=5, fds_per_min=500, history_seconds=10)
    assert diagnose(short).pattern == "waiting"


def test_confidence_grows_with_the_time_seen() -> None:
    brief = diagnose(Evidence(seconds=2, cpu_percent=100))
    longer = diagnose(Evidence(seconds=10, cpu_percent=100))
    assert brief.confidence < longer.confidence

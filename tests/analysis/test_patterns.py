"""Patterns from measured evidence: each guess carries its evidence, unknown is allowed."""

from __future__ import annotations

from workbench.analysis.patterns import Evidence, guess_from_diagnosis, guess_patterns
from workbench.sampling.diagnosis import Evidence as ProcessEvidence
from workbench.sampling.diagnosis import diagnose


def test_nothing_measured_is_unknown_whatever_the_name() -> None:
    for name in ("Pool.acquire", "isblocklevel", "is_block_level", "join", "recv"):
        (guess,) = guess_patterns(Evidence(name))
        assert (guess.pattern, guess.confidence) == ("unknown", 0.0)


def test_super_linear_scaling_is_algorithmic() -> None:
    guess = guess_patterns(Evidence("dedupe", scaling_exponent=2.0, scaling_r2=0.99))[0]
    assert guess.pattern == "algorithmic" and "n^2.00" in guess.evidence
    assert guess_patterns(Evidence("scan", scaling_exponent=1.05, scaling_r2=0.99))[0].pattern == (
        "unknown"
    )


def test_lock_waits_and_io_waits_are_read_from_leaf_frames() -> None:
    locked = Evidence(
        "worker",
        leaf_frames={("/usr/lib/python3.11/threading.py", "Lock.acquire"): 80, ("app.py", "f"): 20},
    )
    assert guess_patterns(locked)[0].pattern == "lock_contention"
    named_like_a_lock = Evidence("isblocklevel", leaf_frames={("md/post.py", "isblocklevel"): 90})
    assert guess_patterns(named_like_a_lock)[0].pattern == "unknown"
    waiting = Evidence(
        "fetch",
        leaf_frames={("/usr/lib/python3.11/socket.py", "socket.recv_into"): 70},
        process=ProcessEvidence(seconds=10, cpu_percent=10, read_per_s=2.3e6),
    )
    (guess,) = guess_patterns(waiting)  # frames and process agree: one guess, both figures
    assert guess.pattern == "io_bound"
    assert guess.evidence == (
        "100% of samples in socket/select frames; likely I/O bound: 90% idle, 2.3 MB/s reads"
    )


def test_gc_memory_and_call_path_signatures() -> None:
    assert guess_patterns(Evidence("f", gc_share=0.3))[0].pattern == "gc_pressure"
    growing = ProcessEvidence(
        seconds=5, cpu_percent=40, rss_bytes=900 * 2**20, rss_per_min=80 * 2**20,
        history_seconds=120,
    )  # fmt: skip
    assert guess_patterns(Evidence("f", process=growing))[0].pattern == "excess_allocations"
    moved = guess_patterns(Evidence("run", self_delta_pct=0.7, total_delta_pct=63.0))[0]
    assert moved.pattern == "call_path" and "+63.0 pts" in moved.evidence


def test_process_figures_go_through_the_live_panes_diagnosis() -> None:
    """One rule book for process figures: the guess's evidence is the Live pane's line."""
    cases = [
        (ProcessEvidence(seconds=5, cpu_percent=29, read_per_s=2.3e6), "io_bound"),
        (
            ProcessEvidence(seconds=5, cpu_percent=100, busy_threads=3, gil_percent=98),
            "lock_contention",
        ),
        (ProcessEvidence(seconds=5, cpu_percent=97), "unknown"),  # CPU bound names no cause
        (ProcessEvidence(seconds=5, cpu_percent=3), "unknown"),  # waiting on what? frames say
        (ProcessEvidence(seconds=1, cpu_percent=3), "unknown"),  # too short to say anything
    ]
    for figures, pattern in cases:
        guess = guess_patterns(Evidence("serve", process=figures))[0]
        assert guess.pattern == pattern, figures
        line = diagnose(figures).line
        if pattern != "unknown":
            assert guess.evidence == line
            assert guess_from_diagnosis(diagnose(figures)) == guess

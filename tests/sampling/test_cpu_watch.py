"""A launched command's CPU per thread, folded from readings (the real run is in test_cpu_view)."""

from __future__ import annotations

import pytest

from workbench.sampling.cpu_watch import RunCpu, run_window
from workbench.sampling.thread_cpu import CpuReading

PID = MAIN = 100
BUSY, NAPPER, BRIEF = 101, 102, 103


def reading(at: float, process: float, **threads: float) -> CpuReading:
    tids = {"main": MAIN, "busy": BUSY, "napper": NAPPER, "brief": BRIEF}
    return CpuReading(at, {tids[name]: cpu for name, cpu in threads.items()}, {PID: process})


def test_threads_gone_at_the_exit_keep_their_last_stretch_at_their_rate() -> None:
    run = RunCpu.starting(reading(0.0, 0.0, main=0.0))
    run.add(reading(1.0, 0.95, main=0.05, busy=0.9, napper=0.0))
    run.add(reading(2.0, 1.85, main=0.05, busy=1.8, napper=0.0))
    # Exit half a second later: only the zombie's main thread and the total remain.
    window = run_window(run, reading(2.5, 2.3, main=0.05))
    assert window.threads[BUSY] == pytest.approx(2.25)  # 1.8 + 0.9/s x 0.5 s
    assert window.threads[NAPPER] == 0.0
    assert window.seconds == 2.5 and window.departed == pytest.approx(0.0)


def test_a_tail_never_exceeds_what_the_process_used() -> None:
    run = RunCpu.starting(reading(0.0, 0.0, main=0.0))
    run.add(reading(1.0, 1.0, main=0.0, busy=1.0))
    # The busy thread stopped working right after the reading: the process used 0.1 s.
    window = run_window(run, reading(2.0, 1.1, main=0.0))
    assert window.threads[BUSY] == pytest.approx(1.1)


def test_cpu_of_a_thread_no_reading_saw_is_left_for_its_samples() -> None:
    run = RunCpu.starting(reading(0.0, 0.0, main=0.0))
    run.add(reading(1.0, 0.3, main=0.1))  # a thread lived 0.2 s between the readings
    window = run_window(run, reading(1.5, 0.3, main=0.1))
    assert set(window.threads) == {MAIN}
    assert window.departed == pytest.approx(0.2)  # weigh() gives it to the unmatched samples


def test_threads_that_end_mid_run_get_their_tail_in_that_interval() -> None:
    run = RunCpu.starting(reading(0.0, 0.0, main=0.0))
    run.add(reading(1.0, 1.0, main=0.0, busy=0.5, brief=0.5))
    run.add(reading(2.0, 1.8, main=0.0, busy=1.3))  # brief ended: 0.8 - 0.8 = 0 left for it
    run.add(reading(3.0, 2.8, main=0.0, busy=2.3))
    window = run_window(run, reading(3.0, 2.8, main=0.0))
    assert window.threads[BRIEF] == pytest.approx(0.5)
    assert window.threads[BUSY] == pytest.approx(2.3)


def test_a_reaped_process_ends_at_the_last_reading() -> None:
    run = RunCpu.starting(reading(0.0, 0.0, main=0.0))
    run.add(reading(1.0, 0.5, main=0.0, busy=0.5))
    window = run_window(run, CpuReading(1.4))  # nothing readable any more
    assert window.seconds == 1.0 and window.threads[BUSY] == pytest.approx(0.5)
    assert window.process == pytest.approx(0.5)


def test_threads_seen_once_that_leave_cpu_unexplained_are_left_to_their_samples() -> None:
    run = RunCpu.starting(reading(0.0, 0.0, main=0.0, busy=0.0, napper=0.0))
    window = run_window(run, reading(1.0, 0.9, main=0.1))  # both gone, 0.8 s unexplained
    assert set(window.threads) == {MAIN}
    assert window.departed == pytest.approx(0.8)  # weigh() shares it by their samples


def test_a_thread_seen_once_that_ends_idle_stays_at_nothing() -> None:
    run = RunCpu.starting(reading(0.0, 0.0, main=0.0, napper=0.0))
    window = run_window(run, reading(1.0, 0.1, main=0.1))
    assert window.threads == {MAIN: pytest.approx(0.1), NAPPER: 0.0}

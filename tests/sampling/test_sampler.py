"""The py-spy driver on real targets: chained batches, thread dumps, clean stop."""

from __future__ import annotations

import psutil
import pytest

from tests.helpers import needs_ptrace, pyspy_children, wait_until
from workbench.errors import SamplingError
from workbench.sampling.metrics import MetricsReader
from workbench.sampling.pyspy import NONBLOCKING_THREAD_THRESHOLD, PySpySampler
from workbench.sampling.session import LiveSession

pytestmark = needs_ptrace

MANY_THREADS = f"""
import threading, time

def idle_worker():
    while True:
        time.sleep(0.2)

for n in range({NONBLOCKING_THREAD_THRESHOLD + 2}):
    threading.Thread(target=idle_worker, name=f"pool-{{n}}", daemon=True).start()
print("ready", flush=True)
time.sleep(30)
"""


def test_live_batches_fill_a_session_and_stop_leaves_no_pyspy(spawn) -> None:
    target = spawn(None, "30")
    sampler = PySpySampler(target.pid, rate=100)
    sampler.start()
    assert sampler.alive and not sampler.nonblocking
    assert "blocking" in sampler.reason
    session = LiveSession(target.pid, 100, window_seconds=1)

    def rolled() -> bool:
        """The 1 s window has dropped an older batch (windows can end close together
        when py-spy lags under load, so two batches alone do not guarantee it)."""
        return session.total_profile().total_weight > session.window_profile().total_weight

    try:
        while session.version < 2 or (not rolled() and session.version < 8):
            batch = sampler.poll(timeout=15)
            assert batch is not None, sampler.error
            assert batch.samples > 0 and batch.expected > 0 and batch.gap_seconds >= 0
            weights = list(batch.profile.weights)
            assert batch.profile.meta.unit == "samples"
            assert all(weight >= 1 and weight == int(weight) for weight in weights)
            session.add_batch(batch)
        wait_until(pyspy_children, timeout=5)  # the chain keeps a run in flight
    finally:
        sampler.stop()
    assert not sampler.alive
    wait_until(lambda: pyspy_children() == [], timeout=3)
    assert psutil.Process(target.pid).status() != psutil.STATUS_STOPPED
    total, window = session.total_profile(), session.window_profile()
    assert total.total_weight > window.total_weight > 0
    assert session.achieved_rate > 0
    assert session.total_samples >= 2 * 50


def test_dump_threads_names_both_threads_with_flags(spawn) -> None:
    target = spawn(None, "30")
    sampler = PySpySampler(target.pid, rate=50)
    sampler.start()
    try:
        states = sampler.dump_threads()
        # The main thread crunches, but one dump is one instant: right after "ready",
        # or preempted on a loaded machine, it can read as idle (2 of 12 runs here).
        wait_until(lambda: any(state.active for state in sampler.dump_threads()), timeout=5)
    finally:
        sampler.stop()
    by_name = {state.name: state for state in states}
    assert set(by_name) == {"MainThread", "napper"}
    assert by_name["MainThread"].frames[0].function == "<module>"
    assert by_name["MainThread"].label == f'Thread {target.pid} "MainThread"'


def test_many_threads_choose_nonblocking_and_say_why(spawn) -> None:
    target = spawn(MANY_THREADS)
    sampler = PySpySampler(target.pid)
    sampler.start()
    sampler.stop()
    assert sampler.nonblocking
    assert f"> {NONBLOCKING_THREAD_THRESHOLD}" in sampler.reason
    forced = PySpySampler(target.pid, nonblocking=False)
    forced.start()
    forced.stop()
    assert not forced.nonblocking and "as asked" in forced.reason


def test_target_exit_ends_sampling_and_keeps_batches(spawn) -> None:
    target = spawn(None, "1.5")
    sampler = PySpySampler(target.pid, rate=100)
    sampler.start()
    session = LiveSession(target.pid, 100)
    try:
        for batch in sampler.batches():
            session.add_batch(batch)
    finally:
        sampler.stop()
    assert sampler.target_exited and sampler.error is None
    # The last batch says ``final`` when py-spy saw the exit; when the exit fell
    # between two runs, only the sampler knows, and the caller tells the session.
    if not session.target_exited:
        session.mark_exited()
    assert session.target_exited
    assert session.total_profile().total_weight > 0
    assert sampler.dump_threads() == []


def test_metrics_reader_reads_a_live_target_then_reports_its_exit(spawn) -> None:
    target = spawn(None, "30")
    reader = MetricsReader(target.pid, include_children=True)
    sample = reader.read()
    assert sample.threads >= 2 and sample.rss_bytes > 0 and sample.fds >= 3
    # CPU % is over the time since the previous read: the crunching target shows
    # some once a read spans some of its work (waited on, not slept for).
    wait_until(lambda: reader.read().cpu_percent > 0, timeout=10)
    target.kill()
    target.wait()
    with pytest.raises(SamplingError, match="exited"):
        reader.read()


PARENT_OF_HOT_CHILD = """
import subprocess, sys, time

def parent_spin():
    end = time.monotonic() + 30
    while time.monotonic() < end:
        sum(range(2000))

child = subprocess.Popen([sys.executable, "-c", "while True: sum(range(2000))"])
time.sleep(0.3)
print("ready", flush=True)
try:
    parent_spin()
finally:
    child.kill()
"""


def test_subprocesses_sample_the_children_with_matching_thread_labels(spawn) -> None:
    parent = spawn(PARENT_OF_HOT_CHILD)
    child = psutil.Process(parent.pid).children()[0].pid
    sampler = PySpySampler(parent.pid, rate=50, subprocesses=True)
    sampler.start()
    try:
        batch = sampler.poll(timeout=15)
        states = sampler.dump_threads()
    finally:
        sampler.stop()
    assert batch is not None, sampler.error
    labels = batch.profile.meta.threads
    assert any(f"Process {child} " in label for label in labels)
    assert any(f"Process {parent.pid} " in label for label in labels)
    assert {state.pid for state in states} == {parent.pid, child}
    assert {state.label for state in states} >= set(labels)


LATE_THREADS = f"""
import threading, time

def busy():
    while True:
        sum(range(2000))

print("ready", flush=True)
time.sleep(0.5)
for n in range({NONBLOCKING_THREAD_THRESHOLD + 2}):
    threading.Thread(target=busy, name=f"late-{{n}}", daemon=True).start()
busy()
"""


def test_a_target_that_starts_threads_later_switches_to_nonblocking(spawn) -> None:
    target = spawn(LATE_THREADS)
    sampler = PySpySampler(target.pid, rate=50)
    sampler.start()
    assert not sampler.nonblocking
    modes = []
    try:
        while len(modes) < 3:
            batch = sampler.poll(timeout=15)
            assert batch is not None, sampler.error
            modes.append(batch.nonblocking)
    finally:
        sampler.stop()
    assert modes[-1] is True and sampler.nonblocking
    assert "nonblocking" in sampler.reason and "threads >" in sampler.reason


def test_first_window_is_short_and_later_windows_longer(spawn) -> None:
    """A 1 s first run shows data soon; the 2 s runs after it start py-spy half as often."""
    target = spawn(None, "30")
    sampler = PySpySampler(target.pid, rate=50, window_seconds=2, first_window_seconds=1)
    sampler.start()
    try:
        first, second = sampler.poll(timeout=15), sampler.poll(timeout=15)
    finally:
        sampler.stop()
    assert first is not None and second is not None, sampler.error
    assert first.samples == 50 - first.errors
    assert second.samples == 100 - second.errors  # py-spy takes rate x duration ticks


def test_window_lengths_must_be_whole_seconds() -> None:
    with pytest.raises(SamplingError, match="whole seconds"):
        PySpySampler(1, first_window_seconds=0)

"""The calibration's arithmetic, on hand-made windows (the real targets are in test_cpu_view)."""

from __future__ import annotations

import pytest

from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.calibrate import (
    WindowCpu,
    calibrate,
    label_tid,
    thread_cpu_table,
    weigh,
    window_cpu,
)
from workbench.sampling.thread_cpu import CpuReading

BUSY, SLEEP, ZLIB = Frame("busy", "a.py", 3), Frame("nap", "a.py", 9), Frame("pack", "b.py", 1)


def window(*stacks: tuple[str, Frame, float]) -> Profile:
    profile = Profile(ProfileMeta(format="live", unit="samples", rate=100.0))
    for label, frame, count in stacks:
        profile.add_frames([Frame("main", "a.py", 1), frame], count, profile.thread_index(label))
    return profile


def per_thread(profile: Profile) -> dict[str, float]:
    totals: dict[str, float] = {}
    for _, weight, thread in profile.stacks():
        label = profile.meta.threads[thread]
        totals[label] = totals.get(label, 0.0) + weight
    return totals


def test_each_thread_totals_its_cpu_and_a_sleeper_nothing() -> None:
    samples = window(
        ('Thread 11 "busy"', BUSY, 60),
        ('Thread 11 "busy"', SLEEP, 20),
        ('Thread 12 "napper"', SLEEP, 40),  # py-spy's idle misdetection
        ('Thread 13 "zlib"', ZLIB, 5),  # releases the GIL: few samples, real CPU
    )
    cpu = WindowCpu(1.0, {11: 0.8, 12: 0.0, 13: 0.9}, 1.7)
    view = calibrate(samples, cpu)
    assert view.meta.unit == "seconds" and view.meta.view == "cpu"
    assert per_thread(view) == pytest.approx({'Thread 11 "busy"': 0.8, 'Thread 13 "zlib"': 0.9})
    # Within a thread the stacks keep their shape: 60:20 of 0.8 s.
    weights = {view.frames[stack[-1]]: w for stack, w, _ in view.stacks()}
    assert weights[BUSY] == pytest.approx(0.6) and weights[SLEEP] == pytest.approx(0.2)
    table = thread_cpu_table(samples, cpu)
    assert (
        table['Thread 12 "napper"'].samples == 40 and table['Thread 12 "napper"'].cpu_seconds == 0
    )


def test_cpu_without_samples_is_kept_as_no_python_frame() -> None:
    samples = window(('Thread 11 "busy"', BUSY, 10))
    view = calibrate(samples, WindowCpu(1.0, {11: 0.1, 14: 0.3}, 0.4), names={14: "Thread 14"})
    assert per_thread(view) == pytest.approx({'Thread 11 "busy"': 0.1, "Thread 14": 0.3})
    assert "(no Python frame)" in [frame.function for frame in view.frames]


def test_a_thread_that_ended_gets_the_cpu_the_living_do_not_account_for() -> None:
    weighing = weigh({11: 50, 15: 25}, WindowCpu(1.0, {11: 0.5}, 0.75))
    assert weighing.scales[11] == pytest.approx(0.01)
    assert weighing.scales[15] * 25 == pytest.approx(0.25)


def test_without_os_thread_ids_the_process_cpu_is_shared_by_samples() -> None:
    samples = window(("Thread 0x7F01", BUSY, 30), ("Thread 0x7F02", SLEEP, 10))
    view = calibrate(samples, WindowCpu(1.0, {500: 0.3, 501: 0.1}, 0.4))
    assert view.total_weight == pytest.approx(0.4)
    assert per_thread(view)["Thread 0x7F01"] == pytest.approx(0.3)


def test_window_cpu_counts_new_threads_from_birth_and_recycled_ids_from_zero() -> None:
    before = CpuReading(10.0, {1: 5.0, 2: 3.0, 3: 9.0}, {100: 17.0})
    after = CpuReading(11.0, {1: 5.5, 3: 0.2, 4: 0.3}, {100: 18.5})
    cpu = window_cpu(before, after)
    assert cpu.seconds == 1.0
    assert cpu.threads == pytest.approx({1: 0.5, 3: 0.2, 4: 0.3})
    assert cpu.departed == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("label", "tid"),
    [('Thread 4242 "worker"', 4242), ('Process 7 Thread 99 ""', 99), ("Thread 0x7F01", None)],
)
def test_label_tid(label: str, tid: int | None) -> None:
    assert label_tid(label) == tid

"""The average run of a capture side: stacks pooled, threads matched across runs."""

from __future__ import annotations

import pytest

from workbench.profiles.merge import merge_profiles
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.readers.threads import select_thread


def _run(thread_id: int, names: list[str], weight: float) -> Profile:
    """One run of a program, as py-spy labels its threads (the OS id differs per run)."""
    profile = Profile(ProfileMeta(unit="seconds"))
    for name in names:
        label = f'Thread {thread_id} "{name}"' if name else f"Thread {thread_id}"
        profile.add_frames([Frame("main", "app.py", 1)], weight, profile.thread_index(label))
        thread_id += 1
    return profile


def test_threads_are_matched_across_runs_by_name_then_order() -> None:
    runs = [_run(7000 + 100 * k, ["MainThread", "worker", ""], 1.0) for k in range(6)]
    merged = merge_profiles(runs)
    assert merged.meta.threads == ['Thread * "MainThread"', 'Thread * "worker"', "Thread #3"]
    assert merged.total_weight == pytest.approx(3.0)  # the average run: 1 s per thread
    main = select_thread(merged, "MainThread", "merged")  # picked by name, as before
    assert main.total_weight == pytest.approx(1.0)


def test_one_profile_keeps_its_labels() -> None:
    run = _run(42, ["MainThread"], 2.0)
    assert merge_profiles([run]).meta.threads == ['Thread 42 "MainThread"']

"""LiveSession as pure aggregation: synthetic batches and CPU readings, no py-spy needed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workbench.errors import SamplingError
from workbench.profiles.io import read_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.calibrate import WindowCpu
from workbench.sampling.metrics import MetricsSample
from workbench.sampling.pyspy import SampleBatch, WindowKind
from workbench.sampling.pyspy_output import ThreadState
from workbench.sampling.session import LiveSession, default_snapshot_name

MAIN = 'Thread 1 "MainThread"'
WORKER = 'Thread 2 "worker"'


def batch(
    start: float,
    leaf: str,
    samples: int = 100,
    gap: float = 0.0,
    cpu: dict[int, float] | None = None,
    kind: WindowKind = "active",
    label: str = MAIN,
) -> SampleBatch:
    """One 1-s window of ``samples`` on ``leaf`` in ``label``'s thread, with its CPU."""
    profile = Profile(ProfileMeta(format="live", rate=100))
    thread = profile.thread_index(label)
    profile.add_frames(
        [Frame("<module>", "/app/main.py", 1), Frame(leaf, "/app/main.py", 5)], samples, thread
    )
    measured = cpu if cpu is not None else {1: 1.0}
    return SampleBatch(
        started_at=start,
        duration=1.0,
        profile=profile,
        samples=samples,
        expected=100,
        gap_seconds=gap,
        kind=kind,
        cpu=WindowCpu(1.0 + gap, measured, sum(measured.values())),
    )


def add(batch: SampleBatch, label: str, leaf: str, samples: int) -> SampleBatch:
    profile = batch.profile
    frames = [Frame("<module>", "/app/main.py", 1), Frame(leaf, "/app/w.py", 3)]
    profile.add_frames(frames, samples, profile.thread_index(label))
    return batch


def leaves(profile: Profile) -> dict[str, float]:
    found: dict[str, float] = {}
    for ids, weight, _ in profile.stacks():
        name = profile.frames[ids[-1]].function
        found[name] = round(found.get(name, 0) + weight, 6)
    return found


def session(tmp_path: Path, window: float = 2.0) -> LiveSession:
    return LiveSession(
        pid=4242, rate=100, command="python app.py", window_seconds=window, cwd=tmp_path
    )


def test_window_rolls_while_the_total_keeps_everything(tmp_path: Path) -> None:
    live = session(tmp_path)
    for second, leaf in enumerate(["parse", "parse", "encode", "encode"]):
        live.add_batch(batch(100.0 + second, leaf))
    assert leaves(live.profile("samples")) == {"encode": 200}
    assert leaves(live.previous_profile("samples")) == {"parse": 200}
    assert leaves(live.profile("samples", "total")) == {"parse": 200, "encode": 200}
    assert leaves(live.profile("cpu", "total")) == {"parse": 2.0, "encode": 2.0}
    assert live.total_samples == 400
    assert live.version == 4
    assert live.profile().meta.threads == [MAIN]
    assert live.profile().meta.view == "cpu" and live.profile().meta.unit == "seconds"


def test_cpu_view_gives_a_sleeper_nothing_and_the_threads_table_agrees(tmp_path: Path) -> None:
    live = session(tmp_path)
    for second in range(2):  # the worker was sampled 60 times but ran for 0.01 s
        window = add(batch(float(second), "crunch", cpu={1: 0.9, 2: 0.01}), WORKER, "nap", 60)
        live.add_batch(window)
    assert leaves(live.profile("samples")) == {"crunch": 200, "nap": 120}
    assert leaves(live.profile("cpu")) == pytest.approx({"crunch": 1.8, "nap": 0.02})
    shares = {share.name: share for share in live.thread_shares("window")}
    worker, main = shares[WORKER], shares[MAIN]
    assert worker.cpu_percent == pytest.approx(1.0) and worker.samples_percent == 60
    assert worker.misdetected and not main.misdetected
    # What the worker's row says is what its functions add up to in the CPU view.
    assert live.profile("cpu", thread=2).total_weight == pytest.approx(worker.cpu_seconds)
    assert [share.name for share in live.thread_shares("window")] == [MAIN, WORKER]


def test_a_starved_thread_is_not_called_misdetected(tmp_path: Path) -> None:
    live = session(tmp_path)
    window = batch(0.0, "crunch", samples=90)
    window.samples = 100  # ticks
    window.cpu = WindowCpu(1.0, {1: 0.2}, 0.2, waiting={1: 0.7})  # runnable, queued for a core
    live.add_batch(window)
    (main,) = live.thread_shares("window")
    assert main.cpu_percent == pytest.approx(20) and main.queued_percent == pytest.approx(70)
    assert main.samples_percent == 90 and not main.misdetected
    assert live.evidence().seconds == 0  # no metrics reading yet: no evidence


def test_cpu_with_no_sample_goes_to_the_threads_last_stacks_or_no_python_frame(
    tmp_path: Path,
) -> None:
    live = session(tmp_path, window=10)
    live.add_batch(add(batch(0.0, "crunch", cpu={1: 1.0, 2: 0.5}), WORKER, "burst", 10))
    live.add_batch(batch(1.0, "crunch", cpu={1: 1.0, 2: 0.5, 3: 0.25}))
    cpu = leaves(live.profile("cpu"))
    assert cpu["burst"] == pytest.approx(1.0)  # 0.5 sampled + 0.5 carried to its stack
    assert cpu["(no Python frame)"] == pytest.approx(0.25)  # thread 3: never sampled


def test_one_thread_is_one_row_when_py_spy_learns_its_name(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(batch(0.0, "f", label='Thread 1 ""'))
    live.add_batch(batch(1.0, "f"))
    live.add_batch(batch(2.0, "f", label='Thread 1 ""'))
    assert [share.name for share in live.thread_shares()] == [MAIN]
    assert live.profile("samples", "total").meta.threads == [MAIN]


def test_gil_probes_give_gil_shares_and_stay_out_of_the_views(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(add(batch(0.0, "crunch", cpu={1: 0.5, 2: 0.5}), WORKER, "pack", 50))
    probe = batch(1.0, "crunch", samples=80, kind="gil", cpu={1: 0.5, 2: 0.5})
    probe.samples = 100  # ticks: the main thread held the GIL in 80 of them
    live.add_batch(probe)
    assert leaves(live.profile("samples")) == {"crunch": 100, "pack": 50}
    shares = {share.name: share for share in live.thread_shares("window")}
    assert shares[MAIN].gil_percent == 80 and shares[WORKER].gil_percent == 0
    assert shares[WORKER].cpu_percent == pytest.approx(50)


def test_wall_windows_make_the_wall_view(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(batch(0.0, "crunch"))
    assert not live.has_view("wall")
    live.add_batch(add(batch(1.0, "crunch", kind="idle"), WORKER, "wait", 100))
    assert live.has_view("wall")
    assert leaves(live.profile("wall")) == {"crunch": 100, "wait": 100}
    assert leaves(live.profile("cpu")) == {"crunch": 1.0}


def test_rate_gaps_and_coverage(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(batch(10.0, "f", samples=100))
    live.add_batch(batch(11.5, "f", samples=50, gap=0.5))
    assert live.gap_seconds == pytest.approx(0.5)
    assert live.achieved_rate == pytest.approx(150 / 2.5)
    assert live.coverage == pytest.approx(1 - 0.5 / 2.5)


def test_a_dump_names_threads_that_never_ran(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(batch(0.0, "f", cpu={1: 1.0, 7: 0.0}))
    assert live.unnamed_threads() == [7]
    live.add_threads([ThreadState(7, "io-waiter", active=False, owns_gil=False)])
    assert live.unnamed_threads() == []
    names = {share.name: share for share in live.thread_shares()}
    assert names['Thread 7 "io-waiter"'].idle_percent == 100


def sample(time: float, read_chars: int, switches: int, fds: int) -> MetricsSample:
    return MetricsSample(time, 12.0, 10 * 2**20, 3, 0, fds, 0, 0, switches, read_chars, 0)


def test_metrics_become_rates_with_bounded_history(tmp_path: Path) -> None:
    live = LiveSession(pid=1, rate=100, history=3, cwd=tmp_path)
    for n in range(5):
        live.add_metrics(sample(float(n), n * 2_000_000, n * 100, 10 + n))
    series = live.metrics.values()
    assert series["read"] == [2e6, 2e6, 2e6] and series["ctx"] == [100.0] * 3
    assert series["fds"] == [12, 13, 14]
    assert live.latest_metrics is not None and live.latest_metrics.fds == 14
    evidence = live.evidence(10)
    assert evidence.read_per_s == pytest.approx(2e6) and evidence.cpu_percent == 12


@pytest.mark.parametrize("fmt", ["speedscope", "collapsed"])
def test_snapshot_round_trips_with_metadata(tmp_path: Path, fmt: str) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], check=True)
    subprocess.run([*git, "commit", "-q", "--allow-empty", "-m", "base"], check=True)
    head = subprocess.run(
        [*git, "rev-parse", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    live = LiveSession(pid=4242, rate=100, command="python app.py", cwd=repo)
    live.add_batch(batch(5.0, "hot"))
    live.add_batch(batch(6.0, "hot"))
    path = live.snapshot(tmp_path / "out" / default_snapshot_name(4242, fmt), "total", fmt)
    assert path.name.startswith("profile-4242-")
    profile = read_profile(path)
    assert leaves(profile) == pytest.approx({"hot": 2.0})
    assert profile.meta.view == "cpu" and profile.meta.unit == "seconds"
    assert profile.meta.pid == 4242
    assert profile.meta.command == "python app.py"
    assert profile.meta.rate == 100
    assert profile.meta.duration == pytest.approx(2.0)
    assert profile.meta.git_revision == head
    assert profile.meta.captured_at
    samples = read_profile(live.snapshot(tmp_path / f"s.{fmt}", "total", fmt, view="samples"))
    assert samples.meta.view == "samples" and leaves(samples) == {"hot": 200}


def test_snapshot_outside_git_and_after_exit(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(batch(1.0, "hot"))
    final = batch(2.0, "last")
    final.final = True
    live.add_batch(final)
    assert live.target_exited
    elapsed = live.elapsed
    assert live.elapsed == elapsed  # frozen once the target is gone
    profile = read_profile(live.snapshot(tmp_path / "s.json", "window", view="samples"))
    assert profile.meta.git_revision is None
    assert leaves(profile) == {"hot": 100, "last": 100}


def test_snapshot_of_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SamplingError, match="nothing"):
        session(tmp_path).snapshot(tmp_path / "empty.json")

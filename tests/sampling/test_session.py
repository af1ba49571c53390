"""LiveSession as pure aggregation: synthetic batches, no py-spy needed."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from workbench.errors import SamplingError
from workbench.profiles.io import read_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.metrics import MetricsSample
from workbench.sampling.pyspy import SampleBatch
from workbench.sampling.pyspy_output import ThreadState
from workbench.sampling.session import LiveSession, default_snapshot_name

MAIN = 'Thread 1 "MainThread"'
WORKER = 'Thread 2 "worker"'


def batch(start: float, leaf: str, samples: int = 100, gap: float = 0.0) -> SampleBatch:
    profile = Profile(ProfileMeta(format="live", rate=100))
    main = profile.thread_index(MAIN)
    profile.add_frames(
        [Frame("<module>", "/app/main.py", 1), Frame(leaf, "/app/main.py", 5)], samples, main
    )
    return SampleBatch(
        started_at=start,
        duration=1.0,
        profile=profile,
        samples=samples,
        expected=100,
        gap_seconds=gap,
    )


def leaves(profile: Profile) -> dict[str, float]:
    found: dict[str, float] = {}
    for ids, weight, _ in profile.stacks():
        name = profile.frames[ids[-1]].function
        found[name] = found.get(name, 0) + weight
    return found


def session(tmp_path: Path, window: float = 2.0) -> LiveSession:
    return LiveSession(
        pid=4242, rate=100, command="python app.py", window_seconds=window, cwd=tmp_path
    )


def test_window_rolls_while_the_total_keeps_everything(tmp_path: Path) -> None:
    live = session(tmp_path)
    for second, leaf in enumerate(["parse", "parse", "encode", "encode"]):
        live.add_batch(batch(100.0 + second, leaf))
    assert leaves(live.window_profile()) == {"encode": 200}
    assert leaves(live.previous_window_profile()) == {"parse": 200}
    assert leaves(live.total_profile()) == {"parse": 200, "encode": 200}
    assert live.total_samples == 400
    assert live.version == 4
    assert live.window_profile().meta.threads == [MAIN]


def test_rate_gaps_and_coverage(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(batch(10.0, "f", samples=100))
    live.add_batch(batch(11.5, "f", samples=50, gap=0.5))
    assert live.gap_seconds == pytest.approx(0.5)
    assert live.achieved_rate == pytest.approx(150 / 2.5)
    assert live.coverage == pytest.approx(1 - 0.5 / 2.5)


def feed_dumps(live: LiveSession) -> None:
    for gil in (True, True, False, False):
        live.add_threads(
            [
                ThreadState(thread_id=1, name="MainThread", active=True, owns_gil=gil),
                ThreadState(thread_id=2, name="worker", active=not gil, owns_gil=False),
            ]
        )


def test_thread_shares_active_from_samples_gil_from_dumps(tmp_path: Path) -> None:
    live = session(tmp_path)
    half = batch(1.0, "f", samples=200)
    half.profile.add_frames([Frame("work", "/app/w.py", 3)], 50, half.profile.thread_index(WORKER))
    live.add_batch(half)
    feed_dumps(live)
    shares = {share.name: share for share in live.thread_shares()}
    assert shares[MAIN].active_percent == 100 and shares[MAIN].gil_percent == 50
    assert shares[MAIN].samples == 200
    assert shares[WORKER].active_percent == 25 and shares[WORKER].gil_percent == 0
    assert [share.name for share in live.thread_shares()] == [MAIN, WORKER]


def test_thread_shares_fall_back_to_dumps_with_idle_stacks(tmp_path: Path) -> None:
    live = session(tmp_path)
    idle = batch(1.0, "f")
    idle.includes_idle = True
    live.add_batch(idle)
    feed_dumps(live)
    shares = {share.name: share for share in live.thread_shares()}
    assert shares[WORKER].active_percent == 50 and shares[MAIN].active_percent == 100


def test_metrics_histories_are_bounded(tmp_path: Path) -> None:
    live = LiveSession(pid=1, rate=100, history=3, cwd=tmp_path)
    for n in range(5):
        live.add_metrics(MetricsSample(n, float(n), n * 10, n, 0, 0, 0, 0, 0))
    assert list(live.cpu_history) == [2.0, 3.0, 4.0]
    assert list(live.rss_history) == [20, 30, 40]
    assert live.latest_metrics is not None and live.latest_metrics.threads == 4


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
    assert leaves(profile) == {"hot": 200}
    assert profile.meta.pid == 4242
    assert profile.meta.command == "python app.py"
    assert profile.meta.rate == 100
    assert profile.meta.duration == pytest.approx(2.0)
    assert profile.meta.git_revision == head
    assert profile.meta.captured_at


def test_snapshot_outside_git_and_after_exit(tmp_path: Path) -> None:
    live = session(tmp_path)
    live.add_batch(batch(1.0, "hot"))
    final = batch(2.0, "last")
    final.final = True
    live.add_batch(final)
    assert live.target_exited
    elapsed = live.elapsed
    assert live.elapsed == elapsed  # frozen once the target is gone
    profile = read_profile(live.snapshot(tmp_path / "s.json", "window"))
    assert profile.meta.git_revision is None
    assert leaves(profile) == {"hot": 100, "last": 100}


def test_snapshot_of_nothing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(SamplingError, match="nothing sampled"):
        session(tmp_path).snapshot(tmp_path / "empty.json")

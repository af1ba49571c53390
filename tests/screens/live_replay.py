"""A fixed Live session: what py-spy and psutil would have fed the pane, without a process.

Snapshot tests of the Live pane need the same screen every run: real sampling
never gives that. The stacks, thread dumps and metrics here are the kind the
demo service produces (an order join hot in the main thread, log ingest in a
named thread), built through the same ``LiveSession`` API the feed uses.
"""

from __future__ import annotations

from pathlib import Path

from screens.live import LiveScreen
from screens.live_feed import (
    Attached,
    FeedConfig,
    MetricsUpdated,
    SamplesArrived,
    ThreadsUpdated,
)
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.metrics import MetricsSample
from workbench.sampling.pyspy import SampleBatch
from workbench.sampling.pyspy_output import ThreadState
from workbench.sampling.session import LiveSession

PID = 4242
SERVICE = "/srv/orders/service.py"
#: (thread id, name, stack leaf-last as (function, line), samples per window)
STACKS = [
    (1, "MainThread", [("<module>", 120), ("serve", 98), ("join_orders_quadratic", 61)], 55),
    (1, "MainThread", [("<module>", 120), ("serve", 99), ("encode_response", 74)], 15),
    (1, "MainThread", [("<module>", 120), ("serve", 97), ("parse_request", 40)], 10),
    (2, "log-ingest", [("Thread.run", 1), ("ingest_logs", 85), ("split_fields", 80)], 12),
    (3, "cache-warmer", [("Thread.run", 1), ("warm_cache", 105)], 3),
]
#: Seconds of sampling the session holds, one batch per second.
SECONDS = 6


def _window(shift: int) -> Profile:
    """One second of samples; later windows shift a little weight to the join."""
    profile = Profile(ProfileMeta(format="live", rate=100, unit="samples"))
    for thread_id, name, stack, samples in STACKS:
        thread = profile.thread_index(f'Thread {thread_id} "{name}"')
        frames = [Frame(function, SERVICE, line) for function, line in stack]
        weight = samples + (shift if frames[-1].function == "join_orders_quadratic" else 0)
        profile.add_frames(frames, weight, thread)
    return profile


def replayed_session(cwd: Path) -> LiveSession:
    """``SECONDS`` of the demo service, thread dumps and psutil readings included."""
    session = LiveSession(PID, 100, "python service.py --port 8080", window_seconds=5.0, cwd=cwd)
    for second in range(SECONDS):
        profile = _window(second)
        samples = int(profile.total_weight)
        session.add_batch(SampleBatch(100.0 + second, 1.0, profile, samples, samples, 0.0))
    for turn in range(4):
        session.add_threads(
            [
                ThreadState(1, "MainThread", active=True, owns_gil=turn != 3),
                ThreadState(2, "log-ingest", active=turn % 2 == 0, owns_gil=turn == 3),
                ThreadState(3, "cache-warmer", active=False, owns_gil=False),
            ]
        )
    for second in range(30):
        cpu = 60.0 + (second * 7) % 30
        rss = (80 + second) * 1024 * 1024
        session.add_metrics(MetricsSample(float(second), cpu, rss, 3, 4, 12, 0, 0, 0))
    return session


def show_replay(screen: LiveScreen, session: LiveSession) -> None:
    """Hand the pane the session the way its feed does: attached, then news of data."""
    screen.config = FeedConfig(pid=session.pid, window_seconds=session.window_seconds)
    last = session.latest_threads
    screen.post_message(Attached(session, nonblocking=False, reason="blocking (3 threads)"))
    screen.post_message(ThreadsUpdated(last))
    if session.latest_metrics is not None:
        screen.post_message(MetricsUpdated(session.latest_metrics))
    batch = SampleBatch(100.0 + SECONDS, 1.0, _window(SECONDS), 100, 100, 0.0)
    screen.post_message(SamplesArrived(batch, "blocking (3 threads)"))

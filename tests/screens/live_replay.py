"""A fixed Live session: what py-spy and psutil would have fed the pane, without a process.

Snapshot tests of the Live pane need the same screen every run: real sampling
never gives that. The stacks, per-thread CPU, thread dumps and metrics here are the
kind the demo service produces (an order join hot in the main thread, log
ingest in a named thread, a cache warmer py-spy samples while it sleeps),
built through the same ``LiveSession`` API and view builder the feed uses.
"""

from __future__ import annotations

from pathlib import Path

from screens.live import LiveScreen
from screens.live_feed import Attached, FeedConfig, ViewReady
from screens.live_view import ViewSettings, build_view
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.sampling.calibrate import WindowCpu
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
#: CPU seconds each thread used per window, as ``/proc`` would have said: the main
#: thread busy, log-ingest at a third, cache-warmer sampled but asleep (py-spy's
#: idle misdetection, which the CPU view corrects).
CPU = {1: 0.9, 2: 0.3, 3: 0.0}


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
        session.add_batch(_batch(second))
    session.add_batch(_probe(SECONDS))
    for turn in range(4):
        session.add_threads(
            [
                ThreadState(1, "MainThread", active=True, owns_gil=turn != 3),
                ThreadState(2, "log-ingest", active=turn % 2 == 0, owns_gil=turn == 3),
                ThreadState(3, "cache-warmer", active=False, owns_gil=False),
            ]
        )
    for second in range(30):
        cpu = 85.0 + (second * 7) % 15
        rss = (80 + second) * 1024 * 1024
        read = second * 2_300_000
        metrics = MetricsSample(float(second), cpu, rss, 3, 4, 12, 0, 0, second * 400, read, 0)
        session.add_metrics(metrics)
    return session


def _batch(second: int) -> SampleBatch:
    profile = _window(second)
    samples = int(profile.total_weight)
    cpu = WindowCpu(1.0, dict(CPU), sum(CPU.values()))
    return SampleBatch(100.0 + second, 1.0, profile, samples, samples, 0.0, cpu=cpu)


def _probe(second: int) -> SampleBatch:
    """A GIL probe: the main thread held the GIL at 80 ticks of 100, log-ingest at 15."""
    profile = Profile(ProfileMeta(format="live", rate=100, unit="samples"))
    for thread_id, name, held in ((1, "MainThread", 80), (2, "log-ingest", 15)):
        frames = [Frame("serve" if thread_id == 1 else "ingest_logs", SERVICE, 90)]
        profile.add_frames(frames, held, profile.thread_index(f'Thread {thread_id} "{name}"'))
    cpu = WindowCpu(1.0, dict(CPU), sum(CPU.values()))
    return SampleBatch(100.0 + second, 1.0, profile, 100, 100, 0.0, kind="gil", cpu=cpu)


def show_replay(screen: LiveScreen, session: LiveSession) -> None:
    """Hand the pane the session the way its feed does: attached, then a finished view."""
    screen.config = FeedConfig(pid=session.pid, window_seconds=session.window_seconds)
    screen.post_message(Attached(session, nonblocking=False, reason="blocking (3 threads)"))
    view = build_view(session, ViewSettings(view=screen.view))
    screen.post_message(ViewReady(view, "blocking (3 threads)"))

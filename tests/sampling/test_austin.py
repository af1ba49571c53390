"""The austin driver on real targets: streamed windows, idle split, GIL probes, clean stop."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from tests.helpers import needs_ptrace, wait_until
from workbench.errors import SamplingError
from workbench.sampling.austin import AustinSampler, find_austin, parse_stack, start_live_sampler
from workbench.sampling.pyspy import PySpySampler
from workbench.sampling.sampler import SampleBatch
from workbench.sampling.session import LiveSession

pytestmark = [needs_ptrace, pytest.mark.skipif(find_austin() is None, reason="austin missing")]

#: Pythons austin 3.7 cannot read (it refuses 3.6, misreads 3.7), when this machine has them.
OLD_PYTHONS = sorted(Path.home().glob(".pyenv/versions/3.[67].*/bin/python"))


def thread_samples(batch: SampleBatch) -> dict[str, float]:
    """Samples per thread label in one batch."""
    labels = batch.profile.meta.threads
    counts: dict[str, float] = {}
    for _ids, weight, thread in batch.profile.stacks():
        counts[labels[thread]] = counts.get(labels[thread], 0.0) + weight
    return counts


def austin_alive(pid: int | None) -> bool:
    try:
        return pid is not None and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_windows_stream_hot_function_idle_split_and_stop_kills_austin(spawn) -> None:
    target = spawn(None, "30")  # main thread crunches, "napper" sleeps
    sampler = AustinSampler(target.pid, rate=100, gil_every=2)
    sampler.start()
    assert sampler.process is not None
    austin = sampler.process.pid
    assert sampler.alive and sampler.nonblocking and sampler.describe().startswith("austin")
    session = LiveSession(target.pid, 100, window_seconds=5)
    main = f'Thread {target.pid} ""'
    active = wall = probe = None
    try:
        while active is None or wall is None or probe is None:
            batch = sampler.poll(timeout=15)
            assert batch is not None, sampler.error
            session.add_batch(batch)
            if batch.kind == "gil":
                probe = batch
                continue
            # Windows are cut once a second from one stream: nothing lost in between,
            # but the attach of the wall-mode austin the switch to the wall view starts.
            assert 0.5 < batch.duration < 3 and batch.errors == 0
            assert batch.gap_seconds == 0 if batch.kind == "active" else batch.gap_seconds < 3
            # Ticks come from austin's tick interval, not from the lines: about rate x time.
            assert 0.5 * batch.expected < batch.samples < 1.5 * batch.expected
            assert batch.cpu is not None and target.pid in batch.cpu.threads
            if batch.kind == "active" and active is None:
                active = batch
                sampler.set_idle(True)  # restarts austin in wall mode at the next cut
            elif batch.kind == "idle":
                wall = batch
    finally:
        sampler.stop()
    assert not sampler.alive
    wait_until(lambda: not austin_alive(austin), timeout=5)

    assert active is not None and wall is not None and probe is not None
    busy, idle = thread_samples(active), thread_samples(wall)
    # The crunching main thread is in (nearly) every tick of both views; the napper
    # is in every tick of the wall view and in few of the active one.
    assert busy[main] >= 0.8 * active.samples and idle[main] >= 0.8 * wall.samples
    nappers = [label for label in idle if label != main]
    assert nappers and all(idle[label] >= 0.8 * wall.samples for label in nappers)
    assert all(busy.get(label, 0) < 0.3 * active.samples for label in nappers)
    assert probe.samples > 0 and probe.cpu is None  # a probe does not count CPU twice
    shares = {share.key: share for share in session.thread_shares()}
    assert shares[target.pid].gil_percent is not None and shares[target.pid].gil_percent > 50
    cpu = session.profile("cpu", "total")
    leaves = {cpu.frames[ids[-1]].function for ids, _, _ in cpu.stacks()}
    assert "crunch_numbers" in leaves
    hot = [ids for ids, _, _ in cpu.stacks() if cpu.frames[ids[-1]].function == "crunch_numbers"]
    frame = cpu.frames[hot[0][-1]]
    assert frame.file.endswith(".py") and frame.line is not None  # py-spy's frame identity


def test_gone_pid_and_not_python_are_one_line_errors(spawn) -> None:
    with pytest.raises(SamplingError, match="no process with PID"):
        AustinSampler(999_999_999).start()
    sleeper = spawn(argv=["sleep", "30"], ready=False)
    with pytest.raises(SamplingError, match="not a Python process"):
        AustinSampler(sleeper.pid).start()


def test_py_spy_is_selectable_and_austin_the_default(spawn) -> None:
    target = spawn(None, "30")
    forced = start_live_sampler("py-spy", target.pid)
    try:
        assert isinstance(forced, PySpySampler) and forced.describe().startswith("py-spy: ")
    finally:
        forced.stop()
    chosen = start_live_sampler(None, target.pid)
    try:
        assert isinstance(chosen, AustinSampler)
    finally:
        chosen.stop()
    blocking = start_live_sampler(None, target.pid, nonblocking=False)  # austin never pauses
    try:
        assert isinstance(blocking, PySpySampler) and not blocking.nonblocking
    finally:
        blocking.stop()


@pytest.mark.skipif(not OLD_PYTHONS, reason="no Python older than austin supports")
@pytest.mark.parametrize("python", OLD_PYTHONS, ids=lambda path: path.parent.parent.name)
def test_a_python_austin_cannot_read_falls_back_to_py_spy(spawn, python: Path) -> None:
    target = spawn(argv=[str(python), "-c", "print('ready', flush=True)\nwhile 1: pass"])
    sampler = start_live_sampler(None, target.pid)
    try:
        assert isinstance(sampler, PySpySampler)
        assert "austin cannot sample" in sampler.describe() and "py-spy windows" in sampler.note
        assert sampler.poll(timeout=15) is not None, sampler.error
    finally:
        sampler.stop()


def test_a_sampler_dropped_without_stop_takes_austin_with_it(spawn) -> None:
    """The reader thread holds the sampler only weakly: collecting it kills austin."""
    target = spawn(None, "30")
    sampler = AustinSampler(target.pid)
    sampler.start()
    assert sampler.process is not None
    austin = sampler.process.pid
    del sampler
    wait_until(lambda: gc.collect() >= 0 and not austin_alive(austin), timeout=5)


def test_austin_dies_with_a_killed_owner(tmp_path: Path, spawn) -> None:
    """SIGKILL of the process that runs the sampler leaves no austin behind."""
    target = spawn(None, "30")
    owner_script = tmp_path / "owner.py"
    owner_script.write_text(
        textwrap.dedent(
            f"""
            import time
            from workbench.sampling.austin import AustinSampler
            sampler = AustinSampler({target.pid})
            sampler.start()
            print(sampler.process.pid, flush=True)
            time.sleep(60)
            """
        )
    )
    owner = subprocess.Popen([sys.executable, str(owner_script)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        austin = int(owner.stdout.readline())
        assert austin_alive(austin)
        owner.kill()
        owner.wait()
        wait_until(lambda: not austin_alive(austin), timeout=5)
    finally:
        owner.kill()
        owner.wait()


def test_parse_stack_reads_austin_frames() -> None:
    label, frames = parse_stack(
        "P42;T0:43;/srv/a:b/app.py:<module>:9;/srv/a:b/app.py:Worker.run:40", True
    )
    assert label == 'Process 42 Thread 43 ""'
    assert [(f.function, f.file, f.line) for f in frames] == [
        ("<module>", "/srv/a:b/app.py", 9),
        ("Worker.run", "/srv/a:b/app.py", 40),
    ]
    assert parse_stack("P42;T0:43", False) == ('Thread 43 ""', ())
    assert parse_stack("P42;T0:43;:INVALID:", False) == ('Thread 43 ""', None)


def test_sampler_flag_reaches_the_live_pane_context() -> None:
    from workbench.cli import build_parser
    from workbench.cli.sampling import _live_context

    for argv, wanted in (
        (["attach", "1"], None),
        (["attach", "1", "--sampler", "py-spy"], "py-spy"),
    ):
        args = build_parser().parse_args(argv)
        assert _live_context(args, pid=1).sampler == wanted
    demo = build_parser().parse_args(["demo", "--sampler", "austin"])
    assert demo.sampler == "austin"

"""What sampling costs the target, and what the workbench itself costs, at 100 Hz.

Usage: ``python benchmarks/sampling_overhead_bench.py [--rounds N] [--seconds S]
[--rate HZ] [--threads N ...] [--no-live] [--only CONDITION ...]``

The target is a CPU-bound Python loop doing a fixed amount of work per
iteration and printing its iteration count as it goes, optionally with idle
threads beside it (py-spy's blocking mode pauses every thread, so its cost
grows with their number). Each round, for each thread count, in an order
that varies so machine load hits all of them alike, the target's
iterations/s are measured over the same window:

* ``unsampled``: nobody attached — the reference;
* ``py-spy``: plain ``py-spy record --rate R`` (py-spy's default, blocking);
* ``top``: ``py-spy top --rate R`` in a detached tmux session (a real
  terminal, refreshing once a second) — the reference for the Live pane;
* ``austin``: plain ``austin -s -P -i 1/R -p PID`` to /dev/null — the Live
  pane's default sampler alone;
* ``record``: ``workbench record --rate R`` (headless);
* ``feed``: what the Live pane runs under its UI — its ``Feed``: its sampler
  (austin by default) cut into one-second windows with their ``/proc`` CPU
  readings, a psutil read each second and the view built after each window —
  in a bare Python process, to split the pane's cost between sampling and drawing;
* ``live``: the Live pane, ``workbench attach PID`` in the same kind of tmux
  session, refreshing as it does for a user (CPU view, calibrated), with its
  default sampler (austin when installed);
* ``live-pyspy``: the same pane with ``--sampler py-spy`` (chained one-second
  ``py-spy record`` windows);
* ``live-raw``: the same pane with the calibration taken out (its ``/proc``
  CPU reads replaced by an empty reading, so no window is weighed) and the
  samples view on screen: the pane's cost without calibration;
* ``live-2s``: the pane refreshing every 2 s (``--refresh 2``): half the redraws
  (and, with py-spy, half the py-spy starts).

It prints medians of iterations/s, the slowdown against ``unsampled`` (the
target's lost share: time it spent paused or starved), the ratio against
plain py-spy, and the CPU the sampling side used as a share of one core: for
the workbench, its whole process tree (the workbench process, its threads
and every py-spy or austin it ran, reaped ones included) excluding the target.
Targets from the issues: slowdown no worse than plain py-spy at the same
rate; the whole Live pane at most ``py-spy top``'s CPU + 1 point, refreshing
at least once a second (the "vs top" column: the pane's CPU minus top's, in
points of a core, from the medians).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from workbench.sampling.pyspy_output import find_pyspy

TARGET = """
import sys, threading, time

def work():
    total = 0
    for i in range(20_000):
        total += i * i
    return total

def idle():
    while True:
        time.sleep(0.5)

for n in range(int(sys.argv[1])):
    threading.Thread(target=idle, name=f"idle-{n}", daemon=True).start()
count = 0
while True:
    work()
    count += 1
    if count % 20 == 0:
        print(time.monotonic(), count, flush=True)
"""
#: Seconds the target runs before anything attaches (imports, warm caches).
WARMUP = 0.5
#: Seconds after a sampler is seen before measuring starts (attach, first window).
SETTLE = 1.0
CONDITIONS = (
    "unsampled", "py-spy", "top", "austin", "record", "feed", "live", "live-pyspy", "live-raw",
    "live-2s",
)  # fmt: skip
#: Conditions that run in a tmux terminal.
IN_TMUX = ("top", "live", "live-pyspy", "live-raw", "live-2s")
#: Process names of the samplers a condition waits for before it measures.
SAMPLERS = ("py-spy", "austin")


@dataclass
class Target:
    """A running target and its (time, iterations) progress lines."""

    process: subprocess.Popen[str]
    progress: list[tuple[float, int]] = field(default_factory=list)

    def read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            fields = line.split()
            if len(fields) == 2:  # the last line may be cut short by the kill
                self.progress.append((float(fields[0]), int(fields[1])))

    def rate(self, start: float, end: float) -> float:
        """Iterations per second between two monotonic times."""
        inside = [(t, n) for t, n in self.progress if start <= t <= end]
        if len(inside) < 2:
            return 0.0
        (t0, n0), (t1, n1) = inside[0], inside[-1]
        return (n1 - n0) / (t1 - t0) if t1 > t0 else 0.0


@dataclass
class Measure:
    rate: float
    """Iterations per wall second: what a user sees, but at the mercy of machine load."""
    per_cpu: float
    """Iterations per second the busy thread spent on a CPU (cache and memory effects)."""
    paused: float
    """Share of wall time the busy thread was neither running nor runnable: stopped by
    py-spy (it is always runnable otherwise), from ``/proc/PID/task/TID/schedstat``."""
    cpu: float | None
    """CPU seconds per wall second of the sampling side (None for unsampled)."""

    @property
    def effective(self) -> float:
        """Load-independent throughput: iterations per CPU-second x the share not paused."""
        return self.per_cpu * (1 - self.paused)


@contextmanager
def running_target(script: Path, threads: int) -> Iterator[Target]:
    process = subprocess.Popen(
        [sys.executable, str(script), str(threads)], stdout=subprocess.PIPE, text=True
    )
    target = Target(process)
    reader = threading.Thread(target=target.read, daemon=True)
    reader.start()
    try:
        time.sleep(WARMUP)
        yield target
    finally:
        process.kill()
        process.wait()


def tree_cpu(root: psutil.Process, exclude: int) -> float:
    """CPU seconds of ``root``, its reaped children and its live descendants but ``exclude``."""
    try:
        times = root.cpu_times()
        total = times.user + times.system + times.children_user + times.children_system
        children = root.children(recursive=True)
    except psutil.Error:
        return 0.0
    for child in children:
        if child.pid == exclude:
            continue
        try:
            child_times = child.cpu_times()
            total += child_times.user + child_times.system
        except psutil.Error:
            continue
    return total


def wait_for_sampler(root: psutil.Process, timeout: float = 20.0) -> None:
    """Block until ``root`` (or ``root`` itself being py-spy or austin) is sampling."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if root.name() in SAMPLERS or any(
                child.name() in SAMPLERS for child in root.children(recursive=True)
            ):
                return
        except psutil.Error:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"no py-spy or austin under {root.pid} after {timeout} s")


def schedstat(pid: int) -> tuple[float, float]:
    """Seconds the main thread of ``pid`` ran and waited runnable (Linux schedstat)."""
    run_ns, wait_ns, _ = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    return int(run_ns) / 1e9, int(wait_ns) / 1e9


def measure_window(target: Target, seconds: float, sampler: psutil.Process | None) -> Measure:
    """The target's throughput and pauses, and CPU/s of ``sampler``'s tree, over ``seconds``."""
    pid = target.process.pid
    start = time.monotonic()
    cpu_start = tree_cpu(sampler, pid) if sampler else 0.0
    ran_start, waited_start = schedstat(pid)
    time.sleep(seconds)
    end = time.monotonic()
    ran_end, waited_end = schedstat(pid)
    cpu_end = tree_cpu(sampler, pid) if sampler else 0.0
    time.sleep(0.1)  # let the last progress line in
    wall = end - start
    ran = ran_end - ran_start
    rate = target.rate(start, end)
    paused = max(0.0, 1 - (ran + waited_end - waited_start) / wall)
    cpu = (cpu_end - cpu_start) / wall if sampler else None
    return Measure(rate, rate * wall / ran if ran else 0.0, paused, cpu)


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_unsampled(target: Target, args: argparse.Namespace) -> Measure:
    time.sleep(SETTLE)
    return measure_window(target, args.seconds, None)


def measure_command(command: list[str], target: Target, args: argparse.Namespace) -> Measure:
    """Run ``command`` (something that samples the target) and measure under it."""
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        root = psutil.Process(process.pid)
        wait_for_sampler(root)
        time.sleep(SETTLE)
        return measure_window(target, args.seconds, root)
    finally:
        stop(process)


def run_pyspy(target: Target, args: argparse.Namespace) -> Measure:
    duration = int(args.seconds + SETTLE + 3)
    command = [str(find_pyspy()), "record", "--pid", str(target.process.pid), "--rate",
               str(args.rate), "--duration", str(duration), "--format", "raw", "--output",
               os.devnull]  # fmt: skip
    return measure_command(command, target, args)


def run_austin(target: Target, args: argparse.Namespace) -> Measure:
    from workbench.sampling.austin import find_austin

    austin = find_austin()
    if austin is None:
        raise SystemExit("austin not found: pip install 'austin-dist>=3.7,<4'")
    interval = f"{round(1_000_000 / args.rate)}us"
    command = [str(austin), "-s", "-P", "-i", interval, "-p", str(target.process.pid),
               "-o", os.devnull]  # fmt: skip
    return measure_command(command, target, args)


def run_record(target: Target, args: argparse.Namespace) -> Measure:
    duration = int(args.seconds + SETTLE + 3)
    out = Path(args.scratch) / "record.speedscope.json"
    command = [sys.executable, "-m", "workbench", "record", str(target.process.pid),
               "--rate", str(args.rate), "--duration", str(duration), "-o", str(out)]  # fmt: skip
    return measure_command(command, target, args)


#: The Live pane's sampling without its UI: its own Feed (its default sampler,
#: thread naming, psutil reads), whose messages go nowhere.
HEADLESS_FEED = """
import sys
from screens.live_feed import Feed, FeedConfig
feed = Feed(FeedConfig(pid=int(sys.argv[1]), rate=int(sys.argv[2])))
feed.run(lambda message: None, lambda: False)
"""


def run_feed(target: Target, args: argparse.Namespace) -> Measure:
    command = [sys.executable, "-c", HEADLESS_FEED, str(target.process.pid), str(args.rate)]
    return measure_command(command, target, args)


#: The Live pane with the calibration taken out: no ``/proc`` CPU reading, so no
#: window is weighed (the samples view, which needs none, is on screen).
UNCALIBRATED_PANE = """
import sys, time
import workbench.sampling.sampler as sampler
from workbench.sampling.thread_cpu import CpuReading
sampler.read_cpu = lambda pids: CpuReading(time.monotonic())
from workbench.cli import main
sys.exit(main(["attach", *sys.argv[1:]]))
"""


def run_top(target: Target, args: argparse.Namespace) -> Measure:
    return in_tmux(f"{find_pyspy()} top --pid {target.process.pid} --rate {args.rate}", args)


def run_live(target: Target, args: argparse.Namespace) -> Measure:
    pid = target.process.pid
    return in_tmux(f"{sys.executable} -m workbench attach {pid} --rate {args.rate}", args)


def run_live_pyspy(target: Target, args: argparse.Namespace) -> Measure:
    pid = target.process.pid
    return in_tmux(
        f"{sys.executable} -m workbench attach {pid} --rate {args.rate} --sampler py-spy", args
    )


def run_live_2s(target: Target, args: argparse.Namespace) -> Measure:
    pid = target.process.pid
    return in_tmux(
        f"{sys.executable} -m workbench attach {pid} --rate {args.rate} --refresh 2", args
    )


def run_live_raw(target: Target, args: argparse.Namespace) -> Measure:
    script = Path(args.scratch) / "uncalibrated.py"
    script.write_text(UNCALIBRATED_PANE)
    pid = target.process.pid
    return in_tmux(f"{sys.executable} {script} {pid} --rate {args.rate} --view samples", args)


def in_tmux(command: str, args: argparse.Namespace) -> Measure:
    """Run ``command`` in a detached 160x48 tmux session and measure under it."""
    session = f"wb-bench-{os.getpid()}"
    subprocess.run(
        ["tmux", "new-session", "-d", "-s", session, "-x", "160", "-y", "48", command],
        check=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)},
    )
    try:
        pane_pid = subprocess.run(
            ["tmux", "display-message", "-p", "-t", session, "#{pane_pid}"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        root = psutil.Process(int(pane_pid))
        wait_for_sampler(root)
        time.sleep(SETTLE + 1.0)  # the first window, then the pane at its steady refresh
        return measure_window(args.target, args.seconds, root)
    finally:
        subprocess.run(["tmux", "send-keys", "-t", session, "q"], check=False)
        subprocess.run(["tmux", "send-keys", "-t", session, "C-c"], check=False)
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and _tmux_alive(session):
            time.sleep(0.1)
        subprocess.run(["tmux", "kill-session", "-t", session], check=False,
                       stderr=subprocess.DEVNULL)  # fmt: skip


def _tmux_alive(session: str) -> bool:
    return subprocess.run(["tmux", "has-session", "-t", session],
                          stderr=subprocess.DEVNULL).returncode == 0  # fmt: skip


RUNNERS: dict[str, Callable[[Target, argparse.Namespace], Measure]] = {
    "unsampled": run_unsampled,
    "py-spy": run_pyspy,
    "record": run_record,
    "top": run_top,
    "austin": run_austin,
    "feed": run_feed,
    "live": run_live,
    "live-pyspy": run_live_pyspy,
    "live-raw": run_live_raw,
    "live-2s": run_live_2s,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=4.0, help="measurement window")
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--threads", type=int, nargs="+", default=[0, 16],
                        help="idle threads beside the busy one (one scenario each)")  # fmt: skip
    parser.add_argument("--no-live", action="store_true", help="skip the conditions in tmux")
    parser.add_argument("--only", nargs="+", choices=CONDITIONS, help="run only these")
    args = parser.parse_args()
    conditions = [c for c in CONDITIONS if not args.only or c in args.only or c == "unsampled"]
    if args.no_live or shutil.which("tmux") is None:
        if not args.no_live:
            print("tmux not found: skipping the conditions that need a terminal")
        conditions = [c for c in conditions if c not in IN_TMUX]
    results: dict[tuple[int, str], list[Measure]] = {}
    with tempfile.TemporaryDirectory() as scratch:
        args.scratch = scratch
        script = Path(scratch) / "target.py"
        script.write_text(TARGET)
        for round_no in range(args.rounds):
            for threads in args.threads:
                order = conditions[:]
                random.Random(round_no * 100 + threads).shuffle(order)
                for condition in order:
                    with running_target(script, threads) as target:
                        args.target = target
                        measure = RUNNERS[condition](target, args)
                    results.setdefault((threads, condition), []).append(measure)
                    print(f"round {round_no + 1} threads {threads + 1:>2} {condition:>9}: "
                          f"{measure.rate:7.1f} it/s, {measure.per_cpu:7.1f} it/cpu-s, "
                          f"paused {100 * measure.paused:4.1f}%"
                          + (f", sampler {100 * measure.cpu:5.1f}% of a core"
                             if measure.cpu is not None else ""), flush=True)  # fmt: skip
    report(results, args, conditions)


def report(
    results: dict[tuple[int, str], list[Measure]],
    args: argparse.Namespace,
    conditions: list[str],
) -> None:
    print(f"\nmedians of {args.rounds} rounds, {args.seconds:.0f} s windows, {args.rate} Hz")
    print(f"{'threads':>7} {'condition':>10} {'it/s':>8} {'it/cpu-s':>9} {'paused':>7} "
          f"{'slowdown':>9} {'vs py-spy':>10} {'CPU of a core':>14} {'vs top':>7}")  # fmt: skip
    for threads in args.threads:
        runs = {c: results[(threads, c)] for c in conditions}
        effective = {c: statistics.median(m.effective for m in runs[c]) for c in conditions}
        reference = effective["unsampled"]
        pyspy = effective.get("py-spy", reference)
        top = _median_cpu(runs.get("top", []))
        for condition in conditions:
            measures = runs[condition]
            median = _median_cpu(measures)
            cpu = f"{100 * median:13.1f}%" if median is not None else f"{'-':>14}"
            over = (
                f"{100 * (median - top):+6.1f}p"
                if median is not None and top is not None and condition != "top"
                else f"{'-':>7}"
            )
            slowdown = 1 - effective[condition] / reference if reference else 0.0
            versus = pyspy / effective[condition] if effective[condition] else 0.0
            print(f"{threads + 1:>7} {condition:>10} "
                  f"{statistics.median(m.rate for m in measures):8.1f} "
                  f"{statistics.median(m.per_cpu for m in measures):9.1f} "
                  f"{100 * statistics.median(m.paused for m in measures):6.1f}% "
                  f"{100 * slowdown:8.1f}% {versus:9.2f}x {cpu} {over}")  # fmt: skip
    print("\nit/s: iterations per wall second (moves with machine load);")
    print("it/cpu-s: per second the busy thread was on a CPU; paused: share of wall time it")
    print("was stopped (neither running nor runnable, from schedstat);")
    print("slowdown: 1 - effective / unsampled effective, effective = it/cpu-s x (1 - paused),")
    print("so other processes' load cancels out; vs py-spy: plain py-spy's effective / this")
    print("(> 1.00x: slower than plain py-spy); CPU of a core: the sampling side's process")
    print("tree (the workbench or py-spy, every py-spy and austin it ran), the target excluded;")
    print("vs top: that CPU minus py-spy top's, in points of a core (target: <= +1.0p).")


def _median_cpu(measures: list[Measure]) -> float | None:
    cpus = [m.cpu for m in measures if m.cpu is not None]
    return statistics.median(cpus) if cpus else None


if __name__ == "__main__":
    main()

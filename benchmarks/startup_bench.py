"""Start-up: CLI commands against ``python -c pass`` and ``sqlite3``; the app's first
frame against a Textual hello-world. Ours and the references run in the same rounds.

Run: ``.venv/bin/python benchmarks/startup_bench.py [--rounds 15] [--items 200]``

- Every command is a fresh process (as a user or a CI job runs it), timed wall
  clock from spawn to exit, with the CPU it used (user + system, children
  included). References: ``python -c pass`` with the same interpreter (the
  floor for any Python CLI) and the ``sqlite3`` shell counting the same
  backlog's items (the floor for "open the database and answer").
- The first frame is timed in a pseudo-terminal of 160×45, from spawn until
  the frame's text reaches the terminal, with the CPU the process had used by
  then (``/proc/PID/task/*/schedstat``); the process is then ended.
  Reference: a Textual hello-world (one ``Static``) in this venv.
  The Compare pane draws its icicle, tables and footer once that first frame
  is painted (``PaneScreen.compose_rest``): its first frame is its bar and its
  verdict line, "complete" times the footer's ``Quit``, the last of it to arrive.
  ``workbench demo`` first writes its demo repository, backlog and cycle, then
  opens the Live pane (one frame; the CPU of its git children is not counted).

Targets (issue 13 item 4): every command that does not draw ≤ 120 ms wall; the
first frame ≤ 1.3× the hello-world. Rounds interleave ours and the references,
so load from other processes hits both alike; medians are printed, with ratios,
and the fastest round (what the machine does when nothing else competes).
Children run with bytecode caching on (``PYTHONDONTWRITEBYTECODE`` removed), as
an installed package does; the warm-up round writes the caches.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import resource
import select
import shutil
import signal
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import textwrap
import time
from collections.abc import Callable
from pathlib import Path

PYTHON = sys.executable
HELLO = textwrap.dedent(
    """
    from textual.app import App
    from textual.widgets import Static

    class Hello(App):
        TITLE = "Hello"

        def compose(self):
            yield Static("Hello, World!")

    Hello().run()
    """
)
Measure = Callable[[], tuple[float, float]]
#: The Compare pane's first frame: its bar and its verdict line (the bar alone can
#: reach the terminal before the rest of the frame, as a partial update).
COMPARE_FIRST = (b"Triage Workbench", b"Gates: load both profiles")
ENV = {name: value for name, value in os.environ.items() if name != "PYTHONDONTWRITEBYTECODE"}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def command(argv: list[str], cwd: Path) -> Measure:
    """Wall and CPU seconds of one run of ``argv`` (output discarded, exit 0 required)."""

    def run() -> tuple[float, float]:
        cpu = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(
            argv, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        wall = time.perf_counter() - start
        if done.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed: {done.stderr.decode()[:300]}")
        return wall, _children_cpu() - cpu

    return run


def _cpu_of(pid: int) -> float:
    """CPU seconds the threads of process ``pid`` have run so far (Linux schedstat)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def first_frame(argv: list[str], markers: tuple[bytes, ...], cwd: Path) -> Measure:
    """Seconds from spawning ``argv`` in a 160×45 pseudo-terminal until every one of
    ``markers`` (texts of its first frame) has been written to it, and the CPU seconds
    it used until then."""

    def run() -> tuple[float, float]:
        master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 45, 160, 0, 0))
        env = {**ENV, "TERM": "xterm-256color", "COLORTERM": "truecolor"}
        start = time.perf_counter()
        process = subprocess.Popen(
            argv, cwd=cwd, stdin=slave, stdout=slave, stderr=slave, env=env, start_new_session=True
        )
        os.close(slave)
        tail, waiting = b"", set(markers)
        keep = max(map(len, markers))
        try:
            while waiting:
                ready, _, _ = select.select([master], [], [], 30)
                if not ready:
                    raise SystemExit(f"no first frame from {' '.join(argv)} in 30 s")
                seen = tail + os.read(master, 1 << 16)
                waiting = {marker for marker in waiting if marker not in seen}
                tail = seen[-keep:]
            wall = time.perf_counter() - start
            cpu = _cpu_of(process.pid)
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            while select.select([master], [], [], 2)[0]:  # let it restore the terminal
                try:
                    if not os.read(master, 1 << 16):
                        break
                except OSError:
                    break
            process.wait(10)
            os.close(master)
        return wall, cpu

    return run


def backlog(folder: Path, items: int) -> Path:
    """A backlog of ``items`` items, written through the real store."""
    from workbench.triage.model import Item
    from workbench.triage.store import BacklogStore

    path = folder / "triage.db"
    with BacklogStore.open(path) as store:
        store.add_many([Item(title=f"item {n}", impact=1 + n % 5) for n in range(items)])
    return path


def measure(cases: dict[str, Measure], rounds: int) -> dict[str, tuple[float, float, float]]:
    """Median wall, median CPU and fastest wall of each case over ``rounds`` interleaved
    rounds (after one warm-up round)."""
    samples: dict[str, list[tuple[float, float]]] = {name: [] for name in cases}
    for run in cases.values():
        run()  # warm the page cache and the bytecode cache
    for _ in range(rounds):
        for name, run in cases.items():
            samples[name].append(run())
    return {
        name: (
            statistics.median(w for w, _ in values),
            statistics.median(c for _, c in values),
            min(w for w, _ in values),
        )
        for name, values in samples.items()
    }


def report(results: dict[str, tuple[float, float, float]], reference: str, label: str) -> None:
    """One line per case: milliseconds, and the ratio of its median to the reference's."""
    floor = results[reference][0]
    print(f"{label:<36} {'wall ms':>8} {'cpu ms':>7} {'min ms':>7} {'× ' + reference[:12]:>15}")
    for name, (wall, cpu, fastest) in results.items():
        ratio = wall / floor
        print(f"{name:<36} {wall * 1e3:8.1f} {cpu * 1e3:7.1f} {fastest * 1e3:7.1f} {ratio:15.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--items", type=int, default=200, help="items in the backlog")
    parser.add_argument("--no-frames", action="store_true", help="only the CLI commands")
    parser.add_argument("--frames-only", action="store_true", help="only the first frames")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="startup-bench-"))
    try:
        db = backlog(folder, args.items)
        workbench = [PYTHON, "-m", "workbench"]
        cli: dict[str, Measure] = {"python -c pass": command([PYTHON, "-c", "pass"], folder)}
        if shutil.which("sqlite3"):
            cli["sqlite3 (count items)"] = command(
                ["sqlite3", str(db), "SELECT count(*) FROM items"], folder
            )
        for words in (
            ["--help"],
            ["backlog", "list"],
            ["backlog", "show", "1"],
            ["backlog", "add", "bench item"],
            ["backlog", "move", "1", "--impact", "+1"],
            ["kpis"],
            ["export", "markdown"],
        ):
            db_option = [] if words == ["--help"] else ["--db", str(db)]
            cli["workbench " + " ".join(words)] = command([*workbench, *words, *db_option], folder)
        if not args.frames_only:
            print(f"CLI start-up, median of {args.rounds} rounds ({args.items}-item backlog)\n")
            report(measure(cli, args.rounds), "python -c pass", "command")
        if args.no_frames:
            return
        frames = {
            "Textual hello-world": first_frame([PYTHON, "-c", HELLO], (b"Hello, World!",), folder),
            "workbench (Compare pane)": first_frame(workbench, COMPARE_FIRST, folder),
            "workbench (Compare pane, complete)": first_frame(workbench, (b"Quit",), folder),
            "workbench demo (Live pane)": first_frame(
                [*workbench, "demo"], (b"Triage Workbench",), folder
            ),
        }
        print(f"\nFirst frame in a 160×45 pseudo-terminal, median of {args.rounds} rounds\n")
        report(measure(frames, args.rounds), "Textual hello-world", "app")
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()

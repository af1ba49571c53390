"""How fast ``workbench history`` answers, against the raw ``git log -L`` on the same span.

Usage: ``python benchmarks/history_bench.py [--repo PATH --function path:qualname]
[--commits N] [--rounds N] [--commit-graph]``

Without ``--repo`` it builds a repository of a few thousand commits with
``git fast-import`` (seconds): 40 modules of 30 functions each, every commit
edits one to three functions, and the benchmarked method ``Worker.run`` is
edited by about one commit in twenty. Each round, interleaved so that machine
load hits all of them alike, times:

* raw: ``git log -L START,END:PATH HEAD`` (the span located beforehand), the
  reference the issue names (``workbench history`` itself runs one
  ``git log -p -U0`` of the file instead: see ``workbench/history/finder.py``);
* cold: the answer computed with the cache cleared, in-process and via the CLI;
* warm: the same question again, answered from the cache, in-process and CLI.

It prints medians and the ratios the issue sets targets for (cold <= 1.1x raw
git; warm <= 50 ms). The CLI figures include Python's start-up and the import
of every subcommand module, which no cache can remove.
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
import time
from collections.abc import Callable
from pathlib import Path

from workbench.history.cache import cache_for
from workbench.history.locate import locate_function
from workbench.history.log import function_history
from workbench.history.repo import open_repo, quick_resolve, write_commit_graph

MODULES = 40
FUNCTIONS = 30
TARGET = "pkg/mod_00.py:Worker.run"


def _module_text(index: int, bodies: list[list[str]]) -> str:
    """A module: class Worker (run + helpers) in mod_00, plain functions elsewhere."""
    parts = ["import math\n"]
    if index == 0:
        parts.append("class Worker:")
        for number, body in enumerate(bodies):
            name = "run" if number == 0 else f"step_{number}"
            parts.append(f"    def {name}(self, x):")
            parts.extend(f"        {line}" for line in body)
            parts.append("")
    else:
        for number, body in enumerate(bodies):
            parts.append(f"def func_{number}(x):")
            parts.extend(f"    {line}" for line in body)
            parts.append("\n")
    return "\n".join(parts) + "\n"


def _edit(rng: random.Random, body: list[str], serial: int) -> None:
    """Change, add or drop one line of a function body (never its return)."""
    choice = rng.random()
    line = f"x = x + {serial} * math.sqrt({rng.randint(1, 99)})"
    if choice < 0.5 or len(body) < 3:
        body.insert(rng.randint(0, len(body) - 1), line)
    elif choice < 0.8:
        body[rng.randint(0, len(body) - 2)] = line
    else:
        del body[rng.randint(0, len(body) - 2)]


def build_repo(path: Path, commits: int, seed: int = 0) -> None:
    """A repository of ``commits`` commits, written with one ``git fast-import``."""
    rng = random.Random(seed)
    bodies = [[["x = x + 1", "return x"] for _ in range(FUNCTIONS)] for _ in range(MODULES)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    stream = bytearray()

    def data(text: str) -> None:
        raw = text.encode()
        stream.extend(b"data %d\n" % len(raw) + raw + b"\n")

    for serial in range(1, commits + 1):
        touched = {rng.randrange(MODULES) for _ in range(rng.randint(1, 3))}
        if serial == 1:
            touched = set(range(MODULES))
        elif rng.random() < 0.05:
            touched.add(0)
            _edit(rng, bodies[0][0], serial)  # Worker.run
        for module in touched:
            _edit(rng, bodies[module][rng.randrange(1, FUNCTIONS)], serial)
        who = serial % 17
        author = f"Dev {who} <dev{who}@example.com> {1_600_000_000 + serial * 3600} +0000"
        stream.extend(b"commit refs/heads/main\nmark :%d\n" % serial)
        stream.extend(f"author {author}\ncommitter {author}\n".encode())
        data(f"change {serial}")
        if serial > 1:
            stream.extend(b"from :%d\n" % (serial - 1))
        for module in sorted(touched):
            stream.extend(f"M 100644 inline pkg/mod_{module:02d}.py\n".encode())
            data(_module_text(module, bodies[module]))
        stream.extend(b"\n")
    subprocess.run(["git", "fast-import", "--quiet"], cwd=path, input=bytes(stream), check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=path, check=True)


def _timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def _run(command: list[str], cwd: Path | None = None) -> None:
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, help="an existing repository (default: build one)")
    parser.add_argument("--function", default=TARGET, help=f"path:qualname (default {TARGET})")
    parser.add_argument("--commits", type=int, default=3000, help="commits of the built repo")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--commit-graph", action="store_true", help="write the commit-graph first")
    args = parser.parse_args()

    workdir = None
    if args.repo is None:
        workdir = Path(tempfile.mkdtemp(prefix="history-bench-"))
        args.repo = workdir / "repo"
        started = time.perf_counter()
        build_repo(args.repo, args.commits)
        elapsed = time.perf_counter() - started
        print(f"built {args.commits} commits with git fast-import in {elapsed:.1f} s")
    try:
        return _bench(args)
    finally:
        if workdir is not None:
            shutil.rmtree(workdir, ignore_errors=True)


def _bench(args: argparse.Namespace) -> int:
    repo = open_repo(args.repo)
    if args.commit_graph:
        print(f"commit-graph written in {_timed(lambda: write_commit_graph(repo)):.2f} s")
    pinned = quick_resolve(args.repo, "HEAD")
    path, _, qualname = args.function.partition(":")
    span = locate_function(repo, path, qualname, pinned.sha)
    cache = cache_for(pinned.git_dir)
    raw_command = ["git", "log", f"-L{span.start},{span.end}:{path}", pinned.sha]
    cli = [sys.executable, "-m", "workbench", "history", args.function, "--repo", str(args.repo)]
    cli += ["--format", "json"]
    answer = function_history(args.repo, args.function, use_cache=False)
    print(
        f"{args.function}: lines {span.start}-{span.end}, {len(answer.commits)} commits "
        f"in {int(repo.git.rev_list('--count', 'HEAD'))} ({args.repo})"
    )
    figures: dict[str, list[float]] = {name: [] for name in _LABELS}
    for _ in range(args.rounds):
        figures["raw"].append(_timed(lambda: _run(raw_command, args.repo)))
        cache.clear()
        figures["cold"].append(_timed(lambda: function_history(args.repo, args.function)))
        figures["warm"].append(_timed(lambda: function_history(args.repo, args.function)))
        cache.clear()
        figures["cold_cli"].append(_timed(lambda: _run(cli)))
        figures["warm_cli"].append(_timed(lambda: _run(cli)))
        figures["python"].append(_timed(lambda: _run([sys.executable, "-c", "pass"])))
        figures["import"].append(
            _timed(lambda: _run([sys.executable, "-m", "workbench", "--help"]))
        )
    medians = {name: statistics.median(values) for name, values in figures.items()}
    print(f"medians of {args.rounds} interleaved rounds:")
    for name, label in _LABELS.items():
        print(f"  {label:<44} {medians[name] * 1000:8.1f} ms")
    raw, ms = medians["raw"], {name: value * 1000 for name, value in medians.items()}
    print(f"cold in-process / raw git log -L   {medians['cold'] / raw:5.2f}x  (target <= 1.1x)")
    best = {name: min(values) for name, values in figures.items()}
    print(f"  same, best round of each             {best['cold'] / best['raw']:5.2f}x")
    print(f"cold CLI / raw git log -L          {medians['cold_cli'] / raw:5.2f}x")
    print(f"warm in-process                    {ms['warm']:5.1f} ms  (target <= 50 ms)")
    print(f"warm CLI                           {ms['warm_cli']:5.1f} ms  (target <= 50 ms)")
    print(f"warm CLI minus `workbench --help`  {ms['warm_cli'] - ms['import']:5.1f} ms")
    return 0


_LABELS = {
    "raw": "raw git log -L",
    "cold": "workbench history, cold, in-process",
    "warm": "workbench history, warm, in-process",
    "cold_cli": "workbench history, cold, CLI",
    "warm_cli": "workbench history, warm, CLI",
    "python": "python -c pass",
    "import": "python -m workbench --help (start-up)",
}


if __name__ == "__main__":
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    # The CLI runs should start as an installed tool does, from cached bytecode:
    # with this set (as some sandboxes do) every start recompiles our modules.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.exit(main())

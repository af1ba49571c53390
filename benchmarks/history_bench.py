"""How fast ``workbench history`` answers, against the raw ``git log -L`` on the same span.

Usage: ``python benchmarks/history_bench.py [--repo PATH --function path:qualname]
[--commits N] [--rounds N]``

Without ``--repo`` it builds a repository of a few thousand commits with
``git fast-import`` and packs it as a clone would be (seconds): 40 modules of
30 functions each, every commit edits one to three functions, and the
benchmarked method ``Worker.run`` is edited by about one commit in twenty.
With ``--repo`` (e.g. a clone of sympy and
``sympy/simplify/simplify.py:simplify``) it measures that repository.

Either way it makes two local clones (hard links, seconds): one without a
commit-graph and one with ``git commit-graph write --reachable
--changed-paths``, since git's path-limited walks are several times faster
with it and the ratio must hold for both. Each round, interleaved so that
machine load hits all of them alike, times in each clone:

* raw: ``git log -L START,END:PATH REV`` (the span located beforehand), the
  reference the issue names (``workbench history`` itself runs one
  ``git log --raw`` of the file and reads its versions with ``git cat-file``:
  see ``workbench/history/finder.py``);
* cold: the answer computed with the cache cleared, in-process;

and, in the clone without commit-graph, the warm answer (from the cache) and
both through the CLI. It prints medians of wall time and of CPU time (ours
and git's children together) and the ratios the issue sets targets for (cold
<= 1.2x raw ``git log -L`` with and without commit-graph; warm <= 50 ms). The
CLI figures include Python's start-up and the import of every subcommand
module, which no cache can remove.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
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
    # fast-import's pack chains deltas in commit order; a clone or gc packs them
    # as git reads them back, and every real repository has been through one.
    subprocess.run(["git", "repack", "-adfq"], cwd=path, check=True)
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=path, check=True)


def _cpu() -> float:
    """CPU seconds used so far by this process and the children it waited for (git)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(action: Callable[[], object]) -> tuple[float, float]:
    """Wall and CPU seconds of ``action``."""
    wall, cpu = time.perf_counter(), _cpu()
    action()
    return time.perf_counter() - wall, _cpu() - cpu


def _run(command: list[str], cwd: Path | None = None) -> None:
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def _clone(source: Path, target: Path, *, graph: bool) -> None:
    """A local clone (hard links) with or without a commit-graph."""
    _run(["git", "clone", "-q", "--no-checkout", str(source), str(target)])
    info = target / ".git/objects/info"
    (info / "commit-graph").unlink(missing_ok=True)
    shutil.rmtree(info / "commit-graphs", ignore_errors=True)
    if graph:
        write_commit_graph(open_repo(target))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", type=Path, help="an existing repository (default: build one)")
    parser.add_argument("--function", default=TARGET, help=f"path:qualname (default {TARGET})")
    parser.add_argument("--commits", type=int, default=3000, help="commits of the built repo")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="history-bench-"))
    try:
        if args.repo is None:
            args.repo = workdir / "repo"
            started = time.perf_counter()
            build_repo(args.repo, args.commits)
            elapsed = time.perf_counter() - started
            print(f"built {args.commits} commits with git fast-import in {elapsed:.1f} s")
        rev = quick_resolve(args.repo, "HEAD").sha
        clones = {"plain": workdir / "plain", "graph": workdir / "graph"}
        for name, clone in clones.items():
            _clone(args.repo, clone, graph=name == "graph")
        return _bench(args, rev, clones)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _bench(args: argparse.Namespace, rev: str, clones: dict[str, Path]) -> int:
    path, _, qualname = args.function.partition(":")
    span = locate_function(open_repo(clones["plain"]), path, qualname, rev)
    raw_command = ["git", "log", f"-L{span.start},{span.end}:{path}", rev]
    plain = clones["plain"]
    cli = [sys.executable, "-m", "workbench", "history", args.function, "--repo", str(plain)]
    cli += ["--rev", rev, "--format", "json"]
    answer = function_history(plain, args.function, rev=rev, use_cache=False)
    total = subprocess.run(
        ["git", "rev-list", "--count", rev], cwd=plain, capture_output=True, text=True
    ).stdout.strip()
    print(
        f"{args.function}: lines {span.start}-{span.end}, {len(answer.commits)} commits "
        f"({answer.fallback_commits} by the tolerant scanner) in {total} "
        f"({args.repo} at {rev[:12]})"
    )
    figures: dict[str, list[tuple[float, float]]] = {name: [] for name in _LABELS}
    for _ in range(args.rounds):
        for name, clone in clones.items():
            cache_for(clone / ".git").clear()
            figures[f"raw_{name}"].append(_timed(partial(_run, raw_command, clone)))
            figures[f"cold_{name}"].append(
                _timed(partial(function_history, clone, args.function, rev=rev))
            )
        figures["warm"].append(_timed(lambda: function_history(plain, args.function, rev=rev)))
        cache_for(plain / ".git").clear()
        figures["cold_cli"].append(_timed(lambda: _run(cli)))
        figures["warm_cli"].append(_timed(lambda: _run(cli)))
        figures["import"].append(
            _timed(lambda: _run([sys.executable, "-m", "workbench", "--help"]))
        )
    wall = {name: statistics.median(w for w, _ in values) for name, values in figures.items()}
    cpu = {name: statistics.median(c for _, c in values) for name, values in figures.items()}
    print(f"medians of {args.rounds} interleaved rounds:            wall ms    CPU ms")
    for name, label in _LABELS.items():
        print(f"  {label:<48} {wall[name] * 1000:8.1f}  {cpu[name] * 1000:8.1f}")
    for name, label in (("plain", "without commit-graph"), ("graph", "with commit-graph")):
        ratio_wall = wall[f"cold_{name}"] / wall[f"raw_{name}"]
        ratio_cpu = cpu[f"cold_{name}"] / cpu[f"raw_{name}"]
        print(
            f"cold / raw git log -L, {label:<21} wall {ratio_wall:5.2f}x  CPU {ratio_cpu:5.2f}x"
            "  (target <= 1.2x)"
        )
    ratio_cli = wall["cold_cli"] / wall["raw_plain"]
    print(f"cold CLI / raw git log -L, no commit-graph  wall {ratio_cli:5.2f}x")
    print(f"warm in-process                    {wall['warm'] * 1000:6.1f} ms  (target <= 50 ms)")
    print(f"warm CLI                           {wall['warm_cli'] * 1000:6.1f} ms")
    print(
        f"warm CLI minus `workbench --help`  {(wall['warm_cli'] - wall['import']) * 1000:6.1f} ms"
    )
    return 0


_LABELS = {
    "raw_plain": "raw git log -L, no commit-graph",
    "cold_plain": "workbench history, cold, no commit-graph",
    "raw_graph": "raw git log -L, with commit-graph",
    "cold_graph": "workbench history, cold, with commit-graph",
    "warm": "workbench history, warm, in-process",
    "cold_cli": "workbench history, cold, CLI (no graph)",
    "warm_cli": "workbench history, warm, CLI",
    "import": "python -m workbench --help (start-up)",
}


if __name__ == "__main__":
    os.environ.setdefault("GIT_CONFIG_NOSYSTEM", "1")
    # The CLI runs should start as an installed tool does, from cached bytecode:
    # with this set (as some sandboxes do) every start recompiles our modules.
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.exit(main())

"""The command form of ``scaling``: run a program at each input size and record each run.

``CMD … {n} …`` is run once per size and round with ``{n}`` replaced by the
size, each run through :func:`~workbench.sampling.command.record_command`, so
every profile carries the run's wall and CPU seconds (the ``cpu`` clock of
:mod:`.scaling` needs them). Rounds are interleaved, and each round starts at
a different size: whatever drifts on a shared machine (another job, a busy
spell, the CPU's clock) lands on every size alike instead of on the sizes run
last. Profiles are written as ``n{size}-r{round}.speedscope.json`` into a
folder, so the fit can be redone later with ``scaling --size N PROFILE …``.

A run that fails stops the work (a size the program cannot handle gives no
point to fit); Ctrl-C or a cancel stops at once. Either way the profiles
already written stay in the folder.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from workbench.capture.runner import Progress, prepare_output
from workbench.errors import SamplingError, ScalingError
from workbench.output import plain
from workbench.sampling.command import CommandRun, Profiler, record_command

#: The placeholder replaced by the input size in the command's arguments.
SIZE_FIELD = "{n}"
MAX_REPEAT = 100


@dataclass(frozen=True)
class SizedRun:
    """One recorded run: its size, its round (from 1) and its profile."""

    size: int
    round: int
    profile: Path


def command_at(argv: Sequence[str], size: int) -> list[str]:
    """``argv`` with every ``{n}`` replaced by ``size``."""
    return [part.replace(SIZE_FIELD, str(size)) for part in argv]


def check_command(argv: Sequence[str], sizes: Sequence[int], repeat: int) -> None:
    """Refuse what cannot give a fit: no ``{n}``, fewer than three sizes, a bad repeat."""
    if not argv:
        raise ScalingError("no command given; usage: workbench scaling --sizes 1000,2000,4000 "
                           "-- python app.py {n}")  # fmt: skip
    if not any(SIZE_FIELD in part for part in argv):
        raise ScalingError(
            "the command has no {n}: write {n} where the input size goes, "
            "e.g. -- python app.py --items {n}"
        )
    if len(set(sizes)) < 3 or min(sizes) < 2:
        raise ScalingError(
            "--sizes needs three or more different sizes above 1, e.g. 1000,2000,4000"
        )
    if not 1 <= repeat <= MAX_REPEAT:
        raise ScalingError(f"--repeat must be between 1 and {MAX_REPEAT}, not {repeat}")


def schedule(sizes: Sequence[int], repeat: int) -> list[tuple[int, int]]:
    """``(round, size)`` in run order: round after round, each starting one size later."""
    order = sorted(set(sizes))
    return [
        (round_ + 1, order[(round_ + i) % len(order)])
        for round_ in range(repeat)
        for i in range(len(order))
    ]


def record_sizes(
    argv: Sequence[str],
    sizes: Sequence[int],
    out: Path,
    *,
    repeat: int = 1,
    rate: int = 100,
    profiler: Profiler = "py-spy",
    progress: Callable[[Progress], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[SizedRun]:
    """Record ``argv`` at every size, ``repeat`` rounds, into the new folder ``out``.

    Raises :class:`ScalingError` when a run fails (with its stderr's last
    line) and :class:`~workbench.sampling.command.Interrupted` on Ctrl-C or
    ``cancel``; the profiles written until then stay in ``out``.
    """
    check_command(argv, sizes, repeat)
    folder = prepare_output(out)
    plan = schedule(sizes, repeat)
    runs: list[SizedRun] = []
    started = time.monotonic()
    for done, (round_, size) in enumerate(plan):
        if progress is not None:
            message = f"run {done + 1} of {len(plan)}: n={size} (round {round_})"
            progress(Progress(done, len(plan), time.monotonic() - started, message))
        output = folder / f"n{size}-r{round_}.speedscope.json"
        command = command_at(argv, size)
        try:
            run = record_command(
                command,
                output,
                rate=rate,
                profiler=profiler,
                cancel=cancel,
                view="samples" if profiler == "py-spy" else None,  # the cpu clock's input
            )
        except SamplingError as error:
            raise ScalingError(f"n={size}: {error}") from None
        if not run.ok or run.profile_path is None:
            raise ScalingError(f"n={size}: {_why_failed(run)}; profiles so far are in {folder}")
        runs.append(SizedRun(size, round_, run.profile_path))
    return runs


def _why_failed(run: CommandRun) -> str:
    if run.error:
        return run.error
    if run.failure:
        tail = run.stderr_tail.splitlines()[-1:] if run.stderr_tail else []
        said = f"; its stderr ends: {plain(tail[0])}" if tail else ""
        return f"the command {run.failure}{said}"
    return f"no profile: {run.profile_error}"

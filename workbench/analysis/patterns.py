"""Root-cause patterns from measured evidence, never from function names.

A name says nothing: ``isblocklevel`` holds no lock and ``join`` may join a
string. Each signature here reads what the workbench measured — a scaling
fit, the frames the time is spent in, process counters — and answers with the
pattern, the evidence it used, and a confidence. With too little evidence the
honest answer is :data:`UNKNOWN`. Pure functions over :class:`Evidence`, so
the Live pane's diagnosis and the backlog's intake read the same rules.

Two levels of evidence, one rule book each:

* *per function* (here): a scaling fit, the leaf frames under the function,
  its share moves between two profiles, its time in collection;
* *per process* (:func:`workbench.sampling.diagnosis.diagnose`): CPU and the
  run queue, GIL, I/O and context-switch rates, FD/thread/RSS trends. The
  Live pane's one-line diagnosis comes from that function, and so does every
  guess here that reads process figures (:attr:`Evidence.process`): the
  thresholds live in one place, and the line the pane shows is the evidence
  the guess carries. :func:`guess_from_diagnosis` maps its answer to a
  backlog pattern (for an item filed from the Live pane too).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from workbench.sampling.diagnosis import Diagnosis, diagnose
from workbench.sampling.diagnosis import Evidence as ProcessEvidence

ALGORITHMIC = "algorithmic"
IO_BOUND = "io_bound"
LOCK_CONTENTION = "lock_contention"
GC_PRESSURE = "gc_pressure"
EXCESS_ALLOCATIONS = "excess_allocations"
CALL_PATH = "call_path"
UNKNOWN = "unknown"

#: Leaf frames of the standard library that wait on a lock or a condition.
LOCK_FRAMES = frozenset(
    {
        ("threading.py", "Lock.acquire"),
        ("threading.py", "Condition.wait"),
        ("threading.py", "Event.wait"),
        ("threading.py", "Semaphore.acquire"),
        ("threading.py", "Thread.join"),
        ("threading.py", "Thread._wait_for_tstate_lock"),
        ("queue.py", "Queue.get"),
        ("queue.py", "Queue.put"),
    }
)
#: Files whose leaf frames mean the thread waits for the outside world.
IO_FILES = frozenset(
    {"socket.py", "selectors.py", "ssl.py", "asyncio/base_events.py", "http/client.py"}
)
#: Share of a function's samples in such frames from which the pattern is likely.
FRAME_SHARE = 0.5
#: A process diagnosis (``sampling.diagnosis``) → the root-cause pattern it supports.
#: CPU bound and waiting name no cause by themselves (what runs, or what is waited
#: on, is in the frames); FD and thread leaks are signals of their own, not patterns.
DIAGNOSED = {
    "io-bound": IO_BOUND,
    "gil-contention": LOCK_CONTENTION,
    "memory-growth": EXCESS_ALLOCATIONS,
}


@dataclass(frozen=True)
class Evidence:
    """What was measured about one hotspot (any field may be unknown: None)."""

    function: str
    scaling_exponent: float | None = None
    scaling_r2: float | None = None
    self_delta_pct: float | None = None
    total_delta_pct: float | None = None
    leaf_frames: dict[tuple[str, str], float] = field(default_factory=dict)
    """Samples under the function by leaf ``(file, qualname)``, e.g. ``("socket.py", "recv")``."""
    gc_share: float | None = None
    """Share of wall time in garbage collection (gc.callbacks timing, when we launched it)."""
    process: ProcessEvidence | None = None
    """What the whole process did over the span (CPU, run queue, GIL, I/O, trends), read
    by :func:`~workbench.sampling.diagnosis.diagnose` as the Live pane reads it."""


@dataclass(frozen=True)
class PatternGuess:
    """A pattern with the evidence that points at it and how sure we are (0..1)."""

    pattern: str
    confidence: float
    evidence: str


def guess_patterns(evidence: Evidence) -> list[PatternGuess]:
    """Every pattern the evidence supports, most confident first; ``[unknown]`` when none."""
    found: dict[str, PatternGuess] = {}
    for rule in (_algorithmic, _lock, _io, _gc, _process, _call_path):
        guess = rule(evidence)
        if guess is None:
            continue
        same = found.get(guess.pattern)
        if same is not None:  # frames and process figures agree: one guess, both figures
            best = max(same.confidence, guess.confidence)
            guess = PatternGuess(guess.pattern, best, f"{same.evidence}; {guess.evidence}")
        found[guess.pattern] = guess
    guesses = sorted(found.values(), key=lambda guess: -guess.confidence)
    return guesses or [PatternGuess(UNKNOWN, 0.0, "no measured signature")]


def guess_from_diagnosis(diagnosis: Diagnosis) -> PatternGuess | None:
    """The backlog pattern a process diagnosis supports, its line as the evidence."""
    pattern = DIAGNOSED.get(diagnosis.pattern)
    if pattern is None:
        return None
    return PatternGuess(pattern, diagnosis.confidence, diagnosis.line)


def _algorithmic(e: Evidence) -> PatternGuess | None:
    if e.scaling_exponent is None or e.scaling_r2 is None:
        return None
    if e.scaling_exponent >= 1.3 and e.scaling_r2 >= 0.9:
        confidence = min(0.95, 0.5 + 0.25 * (e.scaling_exponent - 1.0))
        return PatternGuess(
            ALGORITHMIC,
            confidence,
            f"time grows as n^{e.scaling_exponent:.2f} (r2 {e.scaling_r2:.2f})",
        )
    return None


def _frame_share(e: Evidence, leaf_test: Callable[[str, str], bool]) -> float:
    """Share of the function's samples whose leaf frame passes ``leaf_test``."""
    total = sum(e.leaf_frames.values())
    hits = sum(weight for (path, name), weight in e.leaf_frames.items() if leaf_test(path, name))
    return hits / total if total > 0 else 0.0


def _is_lock_wait(path: str, name: str) -> bool:
    return (path.rsplit("/", 1)[-1], name) in LOCK_FRAMES


def _is_io_wait(path: str, _name: str) -> bool:
    return any(path == known or path.endswith("/" + known) for known in IO_FILES)


def _lock(e: Evidence) -> PatternGuess | None:
    share = _frame_share(e, _is_lock_wait)
    if share < FRAME_SHARE:
        return None
    return PatternGuess(
        LOCK_CONTENTION, min(0.9, share), f"{share:.0%} of samples wait in lock/condition frames"
    )


def _io(e: Evidence) -> PatternGuess | None:
    share = _frame_share(e, _is_io_wait)
    if share < FRAME_SHARE:
        return None
    return PatternGuess(
        IO_BOUND, min(0.9, share), f"{share:.0%} of samples in socket/select frames"
    )


def _gc(e: Evidence) -> PatternGuess | None:
    if e.gc_share is None or e.gc_share < 0.1:
        return None
    return PatternGuess(GC_PRESSURE, min(0.9, 0.4 + e.gc_share), f"{e.gc_share:.0%} of wall in GC")


def _process(e: Evidence) -> PatternGuess | None:
    return None if e.process is None else guess_from_diagnosis(diagnose(e.process))


def _call_path(e: Evidence) -> PatternGuess | None:
    """Total grew far more than self: the cost is in what it calls."""
    if e.self_delta_pct is None or e.total_delta_pct is None:
        return None
    if e.total_delta_pct >= 3 * max(e.self_delta_pct, 0.1) and e.total_delta_pct >= 1.0:
        return PatternGuess(
            CALL_PATH,
            0.4,
            f"total {e.total_delta_pct:+.1f} pts against self {e.self_delta_pct:+.1f} pts",
        )
    return None

"""Performance bisect: the first first-parent commit between GOOD and BAD that is slower.

Like ``git bisect run`` with a measurement instead of a test script. The
commits are ``git rev-list --first-parent GOOD..BAD`` (merges are steps, the
commits a merge brought in are not: a release branch's history stays
readable). Each step checks the commit out in a worktree (as ``capture``
does, never in the user's checkout), runs the command there and at GOOD,
interleaved, ``repeat`` times each, and judges the metric against GOOD's:

* **bad** — slower by more than the threshold (on the interval of the change
  with 4+ runs a side, on the medians with fewer; see
  :func:`~workbench.capture.time_gates.judge_slowdown`);
* **good** — not (significantly) slower by more than the threshold;
* **skip** — the setup or the command failed at that commit (it cannot be
  measured: a broken build, an import error), like ``git bisect skip``;
* **undecidable** — the runs cannot tell, even after
  :data:`EXTRA_ROUNDS` more rounds of ``repeat`` runs a side (the interval
  narrows with more runs: on a noisy machine a commit that changed nothing
  often needs them); treated as a skip.

BAD is measured first: if it is not bad, there is nothing to search (exit 1).
Skips can make a single answer impossible: the result is then the range of
commits the first bad one must be in, with the skipped ones named. GOOD is
re-measured at every step, interleaved with the step's commit, so a machine
that drifts during a long bisect does not shift the verdicts.
"""

from __future__ import annotations

import shlex
import shutil
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any, Literal

from workbench.capture.bisect_request import BisectRequest, check_metric, profiler_for
from workbench.capture.environment import Prepared, prepare, relocate
from workbench.capture.runner import Progress, ProgressCallback
from workbench.capture.time_diff import run_seconds
from workbench.capture.time_gates import judge_slowdown
from workbench.capture.worktrees import Worktrees, git
from workbench.errors import CaptureError, WorkbenchError
from workbench.files import write_output
from workbench.history.repo import quick_resolve
from workbench.output import counted, json_text
from workbench.profiles.gates import waiver_for
from workbench.profiles.io import read_profile
from workbench.sampling.command import CommandRun, Interrupted, record_command
from workbench.stats import compare, format_p, format_pct

SCHEMA = "workbench.bisect/1"
#: Rounds of ``repeat`` runs a side added to a step whose verdict is undecidable.
EXTRA_ROUNDS = 2
StepVerdict = Literal["good", "bad", "skip", "undecidable"]


@dataclass
class Commit:
    sha: str
    author: str
    date: str
    subject: str

    def to_json(self) -> dict[str, Any]:
        return {"sha": self.sha, "author": self.author, "date": self.date, "subject": self.subject}


@dataclass
class Step:
    """One commit measured against GOOD."""

    commit: Commit
    verdict: StepVerdict
    reason: str
    metric_base: float | None = None
    """GOOD's median at this step (seconds)."""
    metric: float | None = None
    """This commit's median (seconds)."""
    runs: int = 0
    """Successful runs of this commit."""
    delta_pct: float | None = None
    interval_pct: tuple[float, float] | None = None
    p_value: float | None = None
    values_base: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "sha": self.commit.sha,
            "subject": self.commit.subject,
            "verdict": self.verdict,
            "reason": self.reason,
            "metric_base": _rounded(self.metric_base),
            "metric": _rounded(self.metric),
            "runs": self.runs,
            "delta_pct": _rounded(self.delta_pct),
            "interval_pct": None if self.interval_pct is None else list(self.interval_pct),
            "p_value": self.p_value,
            "values_base": [round(value, 6) for value in self.values_base],
            "values": [round(value, 6) for value in self.values],
        }


@dataclass
class BisectResult:
    request: BisectRequest
    good: Commit
    bad: Commit
    commits: list[Commit]
    """First-parent commits after GOOD up to BAD, oldest first."""
    steps: list[Step] = field(default_factory=list)
    first_bad: Commit | None = None
    range: list[Commit] = field(default_factory=list)
    """When skips leave more than one candidate: every commit the first bad one may be."""
    message: str = ""
    interrupted: bool = False
    seconds: float = 0.0
    repo: str = ""
    """The repository's root (the request may say ``.``)."""

    @property
    def exit_code(self) -> int:
        """0 when a commit or a range was named, 1 when BAD was not slower (nothing to find)."""
        return 0 if self.first_bad is not None or self.range else 1

    def to_json(self) -> dict[str, Any]:
        request = self.request
        return {
            "schema": SCHEMA,
            "first_bad": None if self.first_bad is None else self.first_bad.sha,
            "first_bad_commit": None if self.first_bad is None else self.first_bad.to_json(),
            "range": [commit.sha for commit in self.range] if self.range else None,
            "message": self.message,
            "repo": self.repo,
            "good": self.good.to_json(),
            "bad": self.bad.to_json(),
            "metric": request.metric,
            "threshold_pct": request.threshold_pct,
            "repeat": request.repeat,
            "argv": request.argv,
            "setup": request.setup,
            "profiler": profiler_for(request),
            "commits": len(self.commits),
            "steps": [step.to_json() for step in self.steps],
            "interrupted": self.interrupted,
            "seconds": round(self.seconds, 3),
            "exit_code": self.exit_code,
        }


def bisect(
    request: BisectRequest,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
) -> BisectResult:
    """Search (see the module doc); CaptureError for bad input, never a guess."""
    check_metric(request)
    pinned = quick_resolve(request.repo, request.good, request.bad)
    repo = Path(pinned.root)
    good_sha, bad_sha = pinned.shas
    if git(repo, "merge-base", "--is-ancestor", good_sha, bad_sha, check=False).returncode != 0:
        raise CaptureError(
            f"{request.good} is not an ancestor of {request.bad}: bisect needs GOOD older than BAD"
        )
    commits = first_parent_commits(repo, good_sha, bad_sha)
    if not commits:
        raise CaptureError(
            f"no commits between {request.good} and {request.bad}: they are the same commit"
        )
    result = BisectResult(request, describe(repo, good_sha), commits[-1], commits, repo=str(repo))
    started = time.monotonic()
    scratch = Path(tempfile.mkdtemp(prefix="workbench-bisect-"))
    folder = request.out or scratch
    if request.out is not None:
        from workbench.capture.runner import prepare_output

        folder = prepare_output(request.out)
    search = _Search(request, repo, result, folder, progress, cancel, started)
    try:
        with Worktrees(repo, pinned.git_dir) as trees:
            search.run(trees, good_sha)
    except KeyboardInterrupt:
        result.interrupted = True
        result.message = search.conclude(stopped="interrupted")
    finally:
        result.seconds = time.monotonic() - started
        shutil.rmtree(scratch, ignore_errors=True)
        if request.out is not None:
            _save(result, folder)
    return result


def first_parent_commits(repo: Path, good: str, bad: str) -> list[Commit]:
    """``good..bad`` along first parents, oldest first, with author, date and subject."""
    listed = git(
        repo,
        "log",
        "--first-parent",
        "--reverse",
        "--format=%H%x00%an%x00%aI%x00%s",
        f"{good}..{bad}",
        "--",
    ).stdout
    return [Commit(*line.split("\x00", 3)) for line in listed.splitlines() if line]


def describe(repo: Path, sha: str) -> Commit:
    line = git(repo, "log", "-1", "--format=%H%x00%an%x00%aI%x00%s", sha, "--").stdout.strip()
    return Commit(*line.split("\x00", 3))


class _Search:
    """The state of one bisect: bounds, verdicts, and how to measure a commit."""

    def __init__(
        self,
        request: BisectRequest,
        repo: Path,
        result: BisectResult,
        folder: Path,
        progress: ProgressCallback | None,
        cancel: threading.Event | None,
        started: float,
    ) -> None:
        self.request = request
        self.repo = repo
        self.result = result
        self.folder = folder
        self.progress = progress
        self.cancel = cancel
        self.started = started
        self.low = -1  # index of the newest commit known good (-1: GOOD itself)
        self.high = len(result.commits) - 1  # index of the oldest known bad (BAD at first)
        self.verdicts: dict[int, StepVerdict] = {}
        self.current = ""
        """The revision being measured, for the progress callback."""

    def run(self, trees: Worktrees, good_sha: str) -> None:
        self.current = "good"
        self._say(f"checking out good {self.request.good}")
        good_tree = trees.add(self.request.good, good_sha)
        good = prepare(good_tree, setup=self.request.setup, cancel=self.cancel)
        if good.setup_error:
            raise CaptureError(f"the setup fails at GOOD {self.request.good}: {good.setup_error}")
        first = self._measure(trees, good, self.high)
        _check_function_seen(self.request, first)
        if first.verdict != "bad":
            self.result.message = self._not_bad(first)
            return
        while (index := self._next()) is not None:
            if self._out_of_time():
                self.result.message = self.conclude(stopped="out of time (--max-seconds)")
                return
            step = self._measure(trees, good, index)
            if step.verdict == "bad":
                self.high = index
            elif step.verdict == "good":
                self.low = index
        self.result.message = self.conclude()

    def _not_bad(self, first: Step) -> str:
        """Why there is nothing to search: BAD is not slower, or cannot be told slower."""
        request = self.request
        limit = f"by more than {request.threshold_pct:g}%"
        if first.verdict == "good":
            return (
                f"{request.bad} is not slower than {request.good} {limit} ({first.reason}); "
                "nothing to bisect"
            )
        if first.verdict == "skip":
            return f"{request.bad} cannot be measured ({first.reason}); nothing to bisect"
        return (
            f"cannot tell whether {request.bad} is slower than {request.good} {limit} after "
            f"{first.runs} runs a side ({first.reason}); nothing bisected: run more (--repeat), "
            "quiet the machine, or choose another --metric"
        )

    def conclude(self, stopped: str | None = None) -> str:
        """Name the first bad commit, or the range it is in."""
        commits = self.result.commits
        if self.verdicts.get(len(commits) - 1) != "bad":
            return f"{stopped}: BAD was not measured" if stopped else ""
        if self.high == self.low + 1:
            self.result.first_bad = commits[self.high]
            found = commits[self.high]
            return f"first bad commit: {found.sha[:12]} {found.subject}"
        self.result.range = commits[self.low + 1 : self.high + 1]
        skipped = [
            commits[i].sha[:12]
            for i in range(self.low + 1, self.high)
            if self.verdicts.get(i) in ("skip", "undecidable")
        ]
        why = stopped or f"skipped commits leave {len(self.result.range)} candidates"
        named = f" (skipped: {', '.join(skipped)})" if skipped else ""
        return (
            f"{why}: the first bad commit is one of {len(self.result.range)} between "
            f"{commits[self.low + 1].sha[:12]} and {commits[self.high].sha[:12]}{named}"
        )

    def _next(self) -> int | None:
        """The untested commit nearest the middle of the open interval, or None."""
        middle = (self.low + self.high) / 2
        untested = [i for i in range(self.low + 1, self.high) if i not in self.verdicts]
        return min(untested, key=lambda i: (abs(i - middle), i)) if untested else None

    def _out_of_time(self) -> bool:
        limit = self.request.max_seconds
        return limit is not None and time.monotonic() - self.started > limit

    def _measure(self, trees: Worktrees, good: Prepared, index: int) -> Step:
        commit = self.result.commits[index]
        number = len(self.result.steps) + 1
        self.current = commit.sha[:12]
        self._say(f"step {number}: checking out {commit.sha[:12]} {commit.subject}")
        tree = trees.add(commit.sha, commit.sha)
        folder = self.folder / f"step-{number:02d}-{commit.sha[:12]}"
        if profiler_for(self.request) != "none":
            folder.mkdir(parents=True, exist_ok=True)
        try:
            ready = prepare(tree, setup=self.request.setup, cancel=self.cancel)
            if ready.setup_error:
                step = Step(commit, "skip", f"setup failed: {ready.setup_error}")
            else:
                step = self._measured(commit, good, ready, folder, number)
        finally:
            trees.remove(tree)
        self.verdicts[index] = step.verdict
        self.result.steps.append(step)
        self._say(f"step {number}: {commit.sha[:12]} is {step.verdict}: {step.reason}")
        return step

    def _measured(
        self, commit: Commit, good: Prepared, ready: Prepared, folder: Path, number: int
    ) -> Step:
        """The commit's step: ``repeat`` runs a side, and more rounds while undecidable."""
        base: list[float] = []
        values: list[float] = []
        for round_number in range(EXTRA_ROUNDS + 1):
            if round_number:
                self._say(f"step {number}: undecidable with {len(values)} runs; running more")
            failure = self._runs(good, ready, folder, number, base, values)
            step = self._judge(commit, base, values, failure)
            if step.verdict != "undecidable":
                break
        return step

    def _runs(
        self,
        good: Prepared,
        ready: Prepared,
        folder: Path,
        number: int,
        base: list[float],
        values: list[float],
    ) -> str | None:
        """``repeat`` more runs of GOOD and the commit, interleaved, added to ``base`` and
        ``values``; why the commit cannot be measured (it stops at its first failure)."""
        first = len(values) + 1
        last = first + self.request.repeat - 1
        for repeat in range(first, last + 1):
            for role, prepared, into in (("good", good, base), ("step", ready, values)):
                self._say(f"step {number}: run {repeat} of {last} ({role})")
                run = self._one(prepared, folder / f"{role}-{repeat:02d}.speedscope.json")
                if not run.ok:
                    if role == "good":
                        raise CaptureError(f"the command fails at GOOD: {_failure(run)}")
                    return _failure(run)
                value = self._value(run, prepared)
                if value is None:
                    return f"no profile to read its time from ({run.profile_error})"
                into.append(value)
        return None

    def _one(self, prepared: Prepared, output: Path) -> CommandRun:
        profiler = profiler_for(self.request)
        try:
            return record_command(
                relocate(self.request.argv, self.repo, prepared.tree.path),
                None if profiler == "none" else output,
                rate=self.request.rate,
                profiler=profiler,
                cwd=prepared.tree.path,
                env=prepared.env,
                git_revision=prepared.tree.sha,
                cancel=self.cancel,
            )
        except Interrupted:
            raise
        except WorkbenchError as error:
            raise CaptureError(str(error)) from None

    def _value(self, run: CommandRun, prepared: Prepared) -> float | None:
        metric = self.request.metric
        if metric == "wall":
            return run.wall_seconds
        if metric == "cpu":
            return run.cpu_seconds
        if run.profile_path is None:
            return None
        kind, _, function = metric.partition(":")
        seconds = run_seconds([read_profile(run.profile_path)], roots=[str(prepared.tree.path)])
        table = (seconds.self_seconds if kind == "self" else seconds.total_seconds)[0]
        spec = {function: function}
        return sum(value for key, value in table.items() if waiver_for(key, spec) is not None)

    def _judge(
        self, commit: Commit, base: list[float], values: list[float], failure: str | None
    ) -> Step:
        if failure is not None:
            return Step(commit, "skip", f"cannot run: {failure}", runs=len(values))
        comparison = compare(base, values)
        threshold = self.request.threshold_pct
        verdict, reason = judge_slowdown(comparison, threshold, threshold)
        step_verdict: StepVerdict = {"fail": "bad", "undecidable": "undecidable"}.get(
            verdict, "good"
        )  # type: ignore[assignment]
        return Step(
            commit,
            step_verdict,
            reason,
            metric_base=median(base),
            metric=median(values),
            runs=len(values),
            delta_pct=comparison.delta_pct,
            interval_pct=comparison.interval_pct,
            p_value=comparison.p_value,
            values_base=base,
            values=values,
        )

    def _say(self, message: str) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise KeyboardInterrupt
        if self.progress is not None:
            steps = len(self.result.steps)
            left = len([i for i in range(self.low + 1, self.high) if i not in self.verdicts])
            total = steps + max(1, left.bit_length())
            elapsed = time.monotonic() - self.started
            self.progress(
                Progress(steps, total, elapsed, message, "steps", self.current, self.standing())
            )

    def standing(self) -> str:
        """``2 bad, 1 good, 1 skipped; 3 candidates left``: the verdicts so far."""
        counts = Counter(
            "skipped" if verdict in ("skip", "undecidable") else verdict
            for verdict in self.verdicts.values()
        )
        said = ", ".join(f"{counts[v]} {v}" for v in ("bad", "good", "skipped") if counts[v])
        left = counted(self.high - self.low, "candidate")
        return f"{said or 'no verdict yet'}; {left} left"


def _failure(run: CommandRun) -> str:
    tail = run.stderr_tail.splitlines()[-1] if run.stderr_tail else ""
    return f"{run.failure}" + (f" ({tail})" if tail else "")


def _check_function_seen(request: BisectRequest, first: Step) -> None:
    """A ``self:``/``total:`` function in no profile of GOOD or BAD is a wrong name, not a
    verdict (0 s against 0 s would read as "cannot tell")."""
    kind, _, function = request.metric.partition(":")
    if kind not in ("self", "total") or first.verdict == "skip":
        return
    if not any(first.values_base) and not any(first.values):
        raise CaptureError(
            f"--metric {request.metric}: {function!r} is in no profile of {request.good} or "
            f"{request.bad}; check the name (workbench show PROFILE lists the functions)"
        )


def _save(result: BisectResult, folder: Path) -> None:
    write_output(folder / "bisect.json", json_text(result.to_json(), indent=True) + "\n")


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def reproduce(result: BisectResult) -> str:
    """The ``workbench bisect`` command line that runs this search again."""
    request = result.request
    argv = ["workbench", "bisect", "--repo", result.repo, "--good", request.good,
            "--bad", request.bad, "--metric", request.metric,
            "--threshold", f"{request.threshold_pct:g}", "--repeat", str(request.repeat),
            "--profiler", profiler_for(request)]  # fmt: skip
    if request.setup:
        argv += ["--setup", request.setup]
    return shlex.join([*argv, "--", *request.argv])


def step_line(step: Step) -> str:
    """``abc123def456 bad  +210.3% (1.2 s → 3.7 s, p=0.008, 5 runs)``."""
    figures = ""
    if step.metric is not None and step.metric_base is not None:
        figures = (
            f" {format_pct(step.delta_pct)} ({step.metric_base:.4g} s → {step.metric:.4g} s"
            f", {format_p(step.p_value or 1.0)}, {step.runs} runs)"
        )
    return f"{step.commit.sha[:12]} {step.verdict:<11}{figures}"

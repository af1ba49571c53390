"""Base results against branch results, benchmark by benchmark, benchstat-style.

Benchmarks are matched by name. Those on both sides are compared with
:func:`workbench.stats.compare_many` (Holm-corrected over all of them, so a
suite of fifty unchanged benchmarks does not fail one in twenty times by
chance); those on one side only are listed, never dropped silently. With a
gate threshold each compared benchmark gets a :data:`~workbench.stats.Verdict`
and the whole comparison an outcome and an exit code:

* ``fail`` (exit 1) — some benchmark is significantly slower by more than the threshold;
* ``undecidable`` (exit 1) — none fails, but some cannot be decided with the
  runs at hand; a gate that cannot show "no slowdown" does not pass;
* ``pass`` (exit 0) — every compared benchmark passed or showed no change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from workbench.bench.results import BenchFile
from workbench.errors import BenchFormatError
from workbench.output import plain
from workbench.stats import Comparison, Verdict, compare_many, explain, judge

Outcome = Literal["pass", "fail", "undecidable"]
SCHEMA = "workbench.bench-compare/1"


@dataclass(frozen=True)
class BenchRow:
    """One benchmark present on both sides, compared, and judged when there is a gate."""

    name: str
    unit: str
    comparison: Comparison
    verdict: Verdict | None
    reason: str | None
    """Why the verdict is what it is (one line), when there is a gate."""

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "unit": self.unit,
            **self.comparison.to_json(),
            "verdict": self.verdict,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class BenchComparison:
    """Every benchmark of two result files, compared."""

    base: BenchFile
    branch: BenchFile
    rows: list[BenchRow]
    only_in_base: list[str]
    only_in_branch: list[str]
    alpha: float
    gate_pct: float | None

    @property
    def outcome(self) -> Outcome | None:
        """The gate's outcome (see module), or None without a gate."""
        if self.gate_pct is None:
            return None
        verdicts = {row.verdict for row in self.rows}
        if "fail" in verdicts:
            return "fail"
        return "undecidable" if "undecidable" in verdicts else "pass"

    @property
    def exit_code(self) -> int:
        """0 when the gate passed or there is none; 1 when it failed or could not decide."""
        return 0 if self.outcome in (None, "pass") else 1

    def with_verdict(self, verdict: Verdict) -> list[BenchRow]:
        return [row for row in self.rows if row.verdict == verdict]

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "base": _file_json(self.base),
            "branch": _file_json(self.branch),
            "alpha": self.alpha,
            "correction": "holm",
            "gate_pct": self.gate_pct,
            "outcome": self.outcome,
            "exit_code": self.exit_code,
            "benchmarks": [row.to_json() for row in self.rows],
            "only_in_base": self.only_in_base,
            "only_in_branch": self.only_in_branch,
        }


def compare_bench_files(
    base: BenchFile, branch: BenchFile, *, alpha: float = 0.05, gate_pct: float | None = None
) -> BenchComparison:
    """Compare the benchmarks the two files share (see module)."""
    common = [name for name in base.results if name in branch.results]
    if not common:
        raise BenchFormatError(
            f"{base.path} and {branch.path} have no benchmark in common "
            f"({len(base.results)} and {len(branch.results)} names); compare results of the "
            "same suite"
        )
    for name in common:
        if base.results[name].unit != branch.results[name].unit:
            raise BenchFormatError(
                f"benchmark {plain(name)!r} is in {base.results[name].unit}s in {base.path} "
                f"but in {branch.results[name].unit}s in {branch.path}; they cannot be compared"
            )
    comparisons = compare_many(
        {name: (base.results[name].values, branch.results[name].values) for name in common},
        alpha=alpha,
    )
    rows = [
        BenchRow(
            name=name,
            unit=base.results[name].unit,
            comparison=comparison,
            verdict=None if gate_pct is None else judge(comparison, gate_pct),
            reason=None if gate_pct is None else explain(comparison, gate_pct),
        )
        for name, comparison in comparisons.items()
    ]
    return BenchComparison(
        base=base,
        branch=branch,
        rows=rows,
        only_in_base=[name for name in base.results if name not in branch.results],
        only_in_branch=[name for name in branch.results if name not in base.results],
        alpha=alpha,
        gate_pct=gate_pct,
    )


def _file_json(bench: BenchFile) -> dict[str, Any]:
    return {
        "path": bench.path,
        "format": bench.format,
        "benchmarks": len(bench.results),
        "context": bench.context,
    }

"""Benchmark results as read from a file: named measurements, each with its runs.

Every value is stored in the base unit of its kind (seconds, bytes, a count),
so a CSV in milliseconds compares with a pyperf file in seconds. Only
lower-is-better kinds exist here: the gate reads "higher" as "slower", so a
throughput (ops/s) would be judged upside down and is refused by the readers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field

from workbench.errors import BenchFormatError
from workbench.output import plain

#: The kinds of measurement and the largest single run we believe: more than a
#: day for one benchmark run, a pebibyte, or 2⁶³ of anything is a unit mistake.
ABSURD_ABOVE = {"second": 86_400.0, "byte": float(2**50), "count": float(2**63)}


@dataclass(frozen=True)
class BenchResult:
    """One benchmark's runs (warmups excluded), in the base unit of ``unit``."""

    name: str
    unit: str
    """``second``, ``byte`` or ``count``."""
    values: tuple[float, ...]


@dataclass
class BenchFile:
    """Every benchmark of one results file, in file order."""

    path: str
    format: str
    """``pytest-benchmark``, ``pyperf`` or ``csv``."""
    results: dict[str, BenchResult] = field(default_factory=dict)
    context: list[str] = field(default_factory=list)
    """What the file says about where it was measured (tool version, Python,
    commit), for reports; short phrases, untrusted text."""

    def add(self, name: str, unit: str, values: Iterable[float]) -> None:
        """Append runs to benchmark ``name`` (created on first use), checking each value."""
        checked = tuple(self._checked(name, unit, value) for value in values)
        known = self.results.get(name)
        if known is not None and known.unit != unit:
            raise BenchFormatError(
                f"{self.path}: benchmark {plain(name)!r} is in {known.unit}s and in {unit}s; "
                "one unit per benchmark"
            )
        before = known.values if known is not None else ()
        self.results[name] = BenchResult(name, unit, before + checked)

    def _checked(self, name: str, unit: str, value: object) -> float:
        where = f"{self.path}: benchmark {plain(name)!r}"
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise BenchFormatError(f"{where}: {plain(repr(value))} is not a number")
        try:
            value = float(value)
        except OverflowError:  # an integer past a float's range (str() of it may fail too)
            value = math.inf
        if not math.isfinite(value) or value < 0:
            raise BenchFormatError(
                f"{where}: {value!r} is not a measurement (finite and ≥ 0 only); "
                "fix the producer or drop that run"
            )
        if value > ABSURD_ABOVE[unit]:
            raise BenchFormatError(
                f"{where}: a run of {value:g} {unit}s is not believable; check the unit"
            )
        return float(value)

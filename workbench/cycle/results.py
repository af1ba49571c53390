"""Load-test results, whatever tool produced them: per endpoint, over time, failures.

One model for locust, k6 and wrk (see :mod:`.importers`), so compliance and
the reports never ask where a number came from. Latencies are milliseconds,
rates per second, shares in percent. A figure a tool does not report (wrk
has no p95, k6 no p99 unless asked) is None — "not measured" — never 0.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any

from workbench.cycle.slo import AGGREGATE
from workbench.documents import FieldProblem, fields_of, number, typed
from workbench.errors import ResultsFormatError
from workbench.output import plain

SCHEMA = "workbench.loadtest/1"


@dataclass(frozen=True)
class EndpointStats:
    """Totals of one endpoint (or of all of them: ``name == "*"``)."""

    name: str
    method: str = ""
    requests: int = 0
    failures: int = 0
    p50_ms: float | None = None
    p95_ms: float | None = None
    p99_ms: float | None = None
    avg_ms: float | None = None
    min_ms: float | None = None
    max_ms: float | None = None
    rps: float | None = None

    @property
    def label(self) -> str:
        """``GET /search``, ``/search`` or ``all endpoints``."""
        if self.name == AGGREGATE:
            return "all endpoints"
        return f"{self.method} {self.name}" if self.method else self.name

    @property
    def error_rate_pct(self) -> float | None:
        return None if not self.requests else 100.0 * self.failures / self.requests

    @property
    def availability_pct(self) -> float | None:
        rate = self.error_rate_pct
        return None if rate is None else 100.0 - rate

    def sli(self, name: str) -> float | None:
        """The value of SLI ``name`` (see ``slo.SLI_KINDS``), None when not measured."""
        return {
            "p50": self.p50_ms,
            "p95": self.p95_ms,
            "p99": self.p99_ms,
            "throughput": self.rps,
            "error_rate": self.error_rate_pct,
            "availability": self.availability_pct,
        }[name]

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "method": self.method,
            "requests": self.requests,
            "failures": self.failures,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
            "avg_ms": self.avg_ms,
            "min_ms": self.min_ms,
            "max_ms": self.max_ms,
            "rps": self.rps,
        }


@dataclass(frozen=True)
class HistoryPoint:
    """One row of the timeline (locust ``_stats_history.csv``): totals so far at ``t``."""

    t: float
    """Seconds since the first row."""
    users: int
    rps: float | None
    failures_per_s: float | None
    p50_ms: float | None
    p95_ms: float | None
    p99_ms: float | None
    total_requests: int
    total_failures: int

    def to_json(self) -> dict[str, Any]:
        return {
            "t": self.t,
            "users": self.users,
            "rps": self.rps,
            "failures_per_s": self.failures_per_s,
            "p50_ms": self.p50_ms,
            "p95_ms": self.p95_ms,
            "p99_ms": self.p99_ms,
            "total_requests": self.total_requests,
            "total_failures": self.total_failures,
        }


@dataclass(frozen=True)
class FailureRow:
    """One kind of failure and how often it happened."""

    method: str
    name: str
    error: str
    occurrences: int

    def to_json(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "name": self.name,
            "error": self.error,
            "occurrences": self.occurrences,
        }


@dataclass
class LoadResult:
    """One load test: what ran, per-endpoint totals, the timeline and the failures."""

    tool: str
    """locust, k6 or wrk."""
    source: str
    """The file or CSV prefix it was read from."""
    aggregate: EndpointStats
    endpoints: list[EndpointStats] = field(default_factory=list)
    history: list[HistoryPoint] = field(default_factory=list)
    failures: list[FailureRow] = field(default_factory=list)
    profile: str | None = None
    """baseline, stress, spike or soak when we ran it; else what the user said, or None."""
    target: str | None = None
    """The URL under load, when the tool says."""
    duration_s: float | None = None
    started_at: str | None = None
    interrupted: bool = False
    """Stopped early (Ctrl-C): the figures cover the time it ran."""

    @property
    def name(self) -> str:
        """How reports name the run: its profile, else its source."""
        return self.profile or self.source

    def endpoint(self, name: str) -> EndpointStats | None:
        """The stats of ``name``: ``*`` (aggregate), a name, or ``METHOD name``."""
        if name == AGGREGATE:
            return self.aggregate
        for stats in self.endpoints:
            if name in (stats.name, f"{stats.method} {stats.name}"):
                return stats
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "tool": self.tool,
            "source": self.source,
            "profile": self.profile,
            "target": self.target,
            "duration_s": self.duration_s,
            "started_at": self.started_at,
            "interrupted": self.interrupted,
            "aggregate": self.aggregate.to_json(),
            "endpoints": [stats.to_json() for stats in self.endpoints],
            "history": [point.to_json() for point in self.history],
            "failures": [row.to_json() for row in self.failures],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "") -> LoadResult:
        """A result written by :meth:`to_json` (a cycle's stored runs), checked like the
        files of the tools: every figure finite and not negative, failures within requests."""
        if not isinstance(data, dict) or data.get("schema") != SCHEMA:
            raise ResultsFormatError(
                f"{plain(source)}: not a workbench load-test result ({SCHEMA})"
            )
        with fields_of(source, ResultsFormatError, "load-test result"):
            result = typed(
                cls, {key: value for key, value in data.items() if key != "schema"}, "result"
            )
            rows = [
                (f"{name}[{index}]", row)
                for name in ("endpoints", "history", "failures")
                for index, row in enumerate(getattr(result, name))
            ]
            for where, record in [("result", result), ("aggregate", result.aggregate), *rows]:
                _no_negative_figure(record, where)
                if isinstance(record, EndpointStats) and record.failures > record.requests:
                    raise FieldProblem(
                        f"{where} has more failures ({record.failures}) than requests "
                        f"({record.requests})"
                    )
        return result


def _no_negative_figure(record: Any, where: str) -> None:
    """Every number of ``record`` at least 0: a load test counts, times and rates, and
    none of these is negative (:func:`typed` has checked that they are finite)."""
    for spec in dataclasses.fields(record):
        value = getattr(record, spec.name)
        if isinstance(value, int | float) and not isinstance(value, bool):
            number(value, f"{where}.{spec.name}")


def checked(value: float | None, what: str, source: str) -> float | None:
    """``value`` if it is a finite, non-negative number (or None); else a one-line error."""
    if value is None:
        return None
    if not math.isfinite(value) or value < 0:
        raise ResultsFormatError(f"{source}: {what} is {value!r}; expected a number ≥ 0")
    return value

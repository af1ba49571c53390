"""Service-level objectives: what "fast enough" means, read from the project.

SLOs live in ``[tool.workbench.slo]`` of the project's ``pyproject.toml`` or
in a ``slo.toml`` (the same keys at top level)::

    [tool.workbench.slo]
    window-days = 28          # the error budget's window
    availability-pct = 99.9   # the budget: 0.1% of requests may fail over the window
    margin-pct = 10           # PARTIAL within 10% of a target (see compliance)

    [tool.workbench.slo.endpoints."*"]        # "*" is every endpoint together
    p95-ms = 200
    throughput-rps = 50

    [tool.workbench.slo.endpoints."/search"]  # a locust name, "GET /search", or a benchmark
    p99-ms = 500
    error-rate-pct = 1

This table belongs to the workbench alone, so an unknown key is an error (a
typo such as ``p59-ms`` would otherwise silently drop an objective); every
error names the file, the key and what is wrong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from workbench.documents import MALFORMED, FieldProblem, number, read_toml, text
from workbench.errors import SloError
from workbench.output import plain

AGGREGATE = "*"
"""The endpoint name of every endpoint together (locust's ``Aggregated`` row)."""

Direction = Literal["max", "min"]


@dataclass(frozen=True)
class SliKind:
    """One kind of indicator: how it is spelled in the file, its unit and its sense."""

    name: str
    key: str
    unit: str
    direction: Direction
    """``max``: the value must stay at or below the target; ``min``: at or above."""
    label: str
    ceiling: float
    """Largest sensible target; a larger one is a typo (``p95-ms = 2000000``)."""


SLI_KINDS: dict[str, SliKind] = {
    kind.name: kind
    for kind in (
        SliKind("p50", "p50-ms", "ms", "max", "p50 latency", 86_400_000.0),
        SliKind("p95", "p95-ms", "ms", "max", "p95 latency", 86_400_000.0),
        SliKind("p99", "p99-ms", "ms", "max", "p99 latency", 86_400_000.0),
        SliKind("throughput", "throughput-rps", "req/s", "min", "throughput", 10_000_000.0),
        SliKind("error_rate", "error-rate-pct", "%", "max", "error rate", 100.0),
        SliKind("availability", "availability-pct", "%", "min", "availability", 100.0),
    )
}
_BY_KEY = {kind.key: kind for kind in SLI_KINDS.values()}
_SETTINGS = ("window-days", "availability-pct", "margin-pct", "cost-per-cpu-hour")

DEFAULT_WINDOW_DAYS = 28.0
DEFAULT_AVAILABILITY_PCT = 99.9
DEFAULT_MARGIN_PCT = 10.0


@dataclass(frozen=True)
class Objective:
    """One SLI of one endpoint with its target."""

    endpoint: str
    sli: str
    target: float

    @property
    def kind(self) -> SliKind:
        return SLI_KINDS[self.sli]

    def describe(self) -> str:
        """``p95 latency ≤ 200 ms``: the objective as a reader says it."""
        sign = "≤" if self.kind.direction == "max" else "≥"
        return f"{self.kind.label} {sign} {self.target:g} {self.kind.unit}"

    def to_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "sli": self.sli,
            "target": self.target,
            "unit": self.kind.unit,
            "direction": self.kind.direction,
        }


@dataclass(frozen=True)
class SloSet:
    """Every objective of a project and its error budget."""

    objectives: list[Objective]
    window_days: float = DEFAULT_WINDOW_DAYS
    availability_pct: float = DEFAULT_AVAILABILITY_PCT
    """The budget objective: ``100 - availability_pct`` percent of requests may fail."""
    margin_pct: float = DEFAULT_MARGIN_PCT
    """How far past a target (in % of it) a value is PARTIAL rather than FAIL."""
    cost_per_cpu_hour: float | None = None
    """Money per CPU-hour, so the summary's ROI can be shown as cost as well as time."""
    source: str = ""
    endpoints: list[str] = field(default_factory=list)
    """Endpoints in the order the file names them."""

    @property
    def allowed_error_pct(self) -> float:
        """The error budget as a share of requests, in percent (0.1 for 99.9%)."""
        return 100.0 - self.availability_pct

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "window_days": self.window_days,
            "availability_pct": self.availability_pct,
            "allowed_error_pct": round(self.allowed_error_pct, 6),
            "margin_pct": self.margin_pct,
            "cost_per_cpu_hour": self.cost_per_cpu_hour,
            "objectives": [objective.to_json() for objective in self.objectives],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SloSet:
        """The set :meth:`to_json` wrote (a cycle keeps the SLOs it started with)."""
        try:
            objectives = [_stored_objective(row) for row in data["objectives"]]
            cost = data.get("cost_per_cpu_hour")
            return cls(
                objectives=objectives,
                window_days=number(data["window_days"], "window_days", high=366),
                availability_pct=number(data["availability_pct"], "availability_pct", high=100),
                margin_pct=number(data["margin_pct"], "margin_pct", high=100),
                cost_per_cpu_hour=None if cost is None else number(cost, "cost_per_cpu_hour"),
                source=text(data.get("source", ""), "source"),
                endpoints=list(dict.fromkeys(o.endpoint for o in objectives)),
            )
        except MALFORMED as error:
            raise SloError(
                f"stored SLOs are incomplete ({plain(error)}); start the cycle again"
            ) from None


def _stored_objective(row: dict[str, Any]) -> Objective:
    sli = text(row["sli"], "sli")
    if sli not in SLI_KINDS:
        raise FieldProblem(f"sli {sli!r} is none of {', '.join(SLI_KINDS)}")
    target = number(row["target"], "target", high=SLI_KINDS[sli].ceiling)
    return Objective(text(row["endpoint"], "endpoint"), sli, target)


def find_slo_file(start: Path) -> Path | None:
    """``slo.toml`` in ``start``, else the nearest ``pyproject.toml`` with a slo table."""
    start = start.resolve()
    if (start / "slo.toml").is_file():
        return start / "slo.toml"
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate if _has_slo_table(candidate) else None
    return None


def load_slos(path: Path | None = None, *, cwd: Path | None = None) -> SloSet:
    """The SLOs of ``path`` (a ``slo.toml`` or a ``pyproject.toml``), else found from ``cwd``."""
    if path is None:
        path = find_slo_file(cwd or Path.cwd())
        if path is None:
            raise SloError(
                "no SLOs found: add [tool.workbench.slo] to pyproject.toml or write a "
                "slo.toml (see docs/cycle.md), or pass --slo FILE"
            )
    data = _read_toml(path)
    if path.name == "pyproject.toml" or "tool" in data:
        table = _slo_table(data)
        where = "[tool.workbench.slo]"
        if table is None:
            raise SloError(f"{path}: no [tool.workbench.slo] table; add one (see docs/cycle.md)")
    else:
        table, where = data, "slo.toml"
    if not isinstance(table, dict):
        raise SloError(f"{path}: {where} must be a table")
    return parse_slo_table(table, f"{path}", where)


def parse_slo_table(table: dict[str, Any], source: str, where: str = "slo") -> SloSet:
    """Validate a slo table (see the module doc) into an :class:`SloSet`."""
    settings: dict[str, float] = {}
    endpoints_table: dict[str, Any] = {}
    for key, value in table.items():
        if key == "endpoints":
            if not isinstance(value, dict):
                raise SloError(f'{source}: {where} endpoints must be a table of "name" = {{...}}')
            endpoints_table = value
        elif key in _SETTINGS:
            settings[key] = _setting(value, key, source, where)
        else:
            raise SloError(
                f"{source}: {where} has an unknown key {key!r}; known: "
                f"{', '.join((*_SETTINGS, 'endpoints'))}"
            )
    objectives = []
    for endpoint, targets in endpoints_table.items():
        objectives.extend(_endpoint_objectives(endpoint, targets, source, where))
    availability = settings.get("availability-pct", DEFAULT_AVAILABILITY_PCT)
    if not objectives and "availability-pct" not in settings:
        raise SloError(
            f"{source}: {where} sets no objective; add e.g. "
            f'[{where}.endpoints."*"] with p95-ms = 200'
        )
    if not any(o.endpoint == AGGREGATE and o.sli == "availability" for o in objectives):
        # The budget objective is itself an SLI of the whole service.
        objectives.append(Objective(AGGREGATE, "availability", availability))
    return SloSet(
        objectives=objectives,
        window_days=settings.get("window-days", DEFAULT_WINDOW_DAYS),
        availability_pct=availability,
        margin_pct=settings.get("margin-pct", DEFAULT_MARGIN_PCT),
        cost_per_cpu_hour=settings.get("cost-per-cpu-hour"),
        source=source,
        endpoints=list(dict.fromkeys(o.endpoint for o in objectives)),
    )


def _endpoint_objectives(endpoint: str, targets: Any, source: str, where: str) -> list[Objective]:
    label = f'{where} endpoints."{endpoint}"'
    if not str(endpoint).strip():
        raise SloError(f'{source}: {where} endpoints has an empty name; use "*" for all')
    if not isinstance(targets, dict) or not targets:
        raise SloError(f"{source}: {label} must be a table with at least one target, e.g. p95-ms")
    objectives = []
    for key, value in targets.items():
        kind = _BY_KEY.get(key)
        if kind is None:
            raise SloError(
                f"{source}: {label} has an unknown SLI {key!r}; known: {', '.join(_BY_KEY)}"
            )
        target = _finite(value, f"{label} {key}", source)
        if not 0 < target <= kind.ceiling or (kind.name == "availability" and target >= 100):
            raise SloError(
                f"{source}: {label} {key} = {value!r} is out of range; "
                f"use a number above 0 and {_range_end(kind)}"
            )
        objectives.append(Objective(str(endpoint), kind.name, target))
    return objectives


def _range_end(kind: SliKind) -> str:
    if kind.name == "availability":
        return "below 100 (100% leaves no error budget)"
    return f"at most {kind.ceiling:g}"


def _setting(value: Any, key: str, source: str, where: str) -> float:
    number = _finite(value, f"{where} {key}", source)
    valid = {
        "window-days": 0 < number <= 366,
        "availability-pct": 0 < number < 100,
        "margin-pct": 0 <= number < 100,
        "cost-per-cpu-hour": 0 <= number <= 1_000_000,
    }[key]
    if not valid:
        hint = {
            "window-days": "between 0 and 366 days",
            "availability-pct": "above 0 and below 100 (100% leaves no error budget)",
            "margin-pct": "from 0 to below 100",
            "cost-per-cpu-hour": "from 0 to 1000000",
        }[key]
        raise SloError(f"{source}: {where} {key} = {value!r} is out of range; use {hint}")
    return number


def _finite(value: Any, name: str, source: str) -> float:
    try:
        return number(value, name, low=-math.inf)
    except FieldProblem as problem:
        raise SloError(f"{source}: {problem}") from None


def _read_toml(path: Path) -> dict[str, Any]:
    return read_toml(path, SloError, what="SLO file")


def _slo_table(data: dict[str, Any]) -> Any:
    """``[tool.workbench.slo]`` of a pyproject, None when absent (or not a table on the way)."""
    tool = data.get("tool")
    workbench = tool.get("workbench") if isinstance(tool, dict) else None
    return workbench.get("slo") if isinstance(workbench, dict) else None


def _has_slo_table(pyproject: Path) -> bool:
    try:
        data = _read_toml(pyproject)
    except SloError:
        return True  # let load_slos report the problem with the file
    return isinstance(_slo_table(data), dict)

"""locust's ``--csv PREFIX`` files: ``PREFIX_stats.csv``, ``_stats_history.csv``, ``_failures.csv``.

``_stats.csv`` holds one row per endpoint plus the ``Aggregated`` row: counts,
response times in milliseconds (the percentile columns ``50%`` … ``100%`` are
locust's rounded buckets) and ``Requests/s``. ``_stats_history.csv`` has a row
per second with the user count and the *current* rates and percentiles
(locust's rolling window), plus the running totals. ``_failures.csv`` counts
each distinct error. Only ``_stats.csv`` is required; the other two add the
timeline and the failure list when present. Numbers are taken as written, so
a report shows exactly what the CSV says.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path

from workbench.cycle.results import (
    EndpointStats,
    FailureRow,
    HistoryPoint,
    LoadResult,
    checked,
)
from workbench.cycle.slo import AGGREGATE
from workbench.errors import ResultsFormatError

SUFFIXES = ("_stats.csv", "_stats_history.csv", "_failures.csv", "_exceptions.csv")
_STATS_COLUMNS = ("Type", "Name", "Request Count", "Failure Count", "Requests/s", "50%")
_HISTORY_COLUMNS = ("Timestamp", "User Count", "Name", "Total Request Count")
_FAILURE_COLUMNS = ("Method", "Name", "Error", "Occurrences")
LOCUST_AGGREGATE = "Aggregated"


def csv_prefix(path: Path) -> Path | None:
    """The ``--csv`` prefix ``path`` names: the prefix itself, one of its files, or a
    folder holding exactly one ``*_stats.csv``; None when it names none of those."""
    if path.is_dir():
        found = sorted(path.glob("*_stats.csv"))
        return Path(str(found[0])[: -len("_stats.csv")]) if len(found) == 1 else None
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.with_name(path.name[: -len(suffix)])
    if Path(f"{path}_stats.csv").is_file():
        return path
    return None


def read_locust_csv(prefix: Path, *, profile: str | None = None) -> LoadResult:
    """The result in ``PREFIX_stats.csv`` (+ history and failures when present)."""
    stats_path = Path(f"{prefix}_stats.csv")
    rows = list(_rows(stats_path, _STATS_COLUMNS))
    endpoints, aggregate = [], None
    for number, row in rows:
        stats = _endpoint(row, stats_path, number)
        if stats.name == AGGREGATE:
            aggregate = stats
        else:
            endpoints.append(stats)
    if aggregate is None:
        raise ResultsFormatError(
            f"{stats_path}: no 'Aggregated' row; is the file cut short? (locust writes it last)"
        )
    history_path = Path(f"{prefix}_stats_history.csv")
    history = _history(history_path) if history_path.is_file() else []
    failures_path = Path(f"{prefix}_failures.csv")
    failures = _failures(failures_path) if failures_path.is_file() else []
    # locust's Requests/s is requests over the time from the first to the last request,
    # so this is the time under load (the timeline also spans start-up and the drain).
    duration = aggregate.requests / aggregate.rps if aggregate.rps else None
    if duration is None and len(history) > 1:
        duration = history[-1].t
    return LoadResult(
        tool="locust",
        source=str(prefix),
        aggregate=aggregate,
        endpoints=endpoints,
        history=history,
        failures=failures,
        profile=profile,
        duration_s=duration,
    )


def _rows(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str]]]:
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [name for name in required if name not in header]
            if missing:
                raise ResultsFormatError(
                    f"{path}: not a locust CSV (no column {', '.join(map(repr, missing))}); "
                    "pass the files locust --csv wrote"
                )
            for number, row in enumerate(reader, start=2):
                if None in row or any(row[name] is None for name in required):
                    raise ResultsFormatError(
                        f"{path}:{number}: the row has the wrong number of cells"
                    )
                yield number, row
    except FileNotFoundError:
        raise ResultsFormatError(
            f"{path} does not exist; pass the --csv prefix locust wrote"
        ) from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ResultsFormatError(f"cannot read {path}: {error}") from None


def _number(row: dict[str, str], column: str, path: Path, line: int) -> float | None:
    """A cell as a finite number ≥ 0; ``N/A`` and empty cells are None (not measured)."""
    text = (row.get(column) or "").strip()
    if text in ("", "N/A"):
        return None
    try:
        value = float(text)
    except ValueError:
        raise ResultsFormatError(f"{path}:{line}: {column} is {text!r}, not a number") from None
    return checked(value, column, f"{path}:{line}")


def _count(row: dict[str, str], column: str, path: Path, line: int) -> int:
    value = _number(row, column, path, line)
    if value is None or value != int(value):
        raise ResultsFormatError(f"{path}:{line}: {column} must be a whole count")
    return int(value)


def _percentiles(row: dict[str, str], path: Path, line: int) -> dict[str, float | None]:
    """The p50, p95 and p99 cells (milliseconds) as the model's fields."""
    return {f"p{p}_ms": _number(row, f"{p}%", path, line) for p in (50, 95, 99)}


def _endpoint(row: dict[str, str], path: Path, line: int) -> EndpointStats:
    name = row["Name"]
    aggregate = name == LOCUST_AGGREGATE and not row["Type"]
    requests = _count(row, "Request Count", path, line)
    failures = _count(row, "Failure Count", path, line)
    if failures > requests:
        raise ResultsFormatError(f"{path}:{line}: more failures ({failures}) than requests")
    return EndpointStats(
        name=AGGREGATE if aggregate else name,
        method="" if aggregate else row["Type"],
        requests=requests,
        failures=failures,
        **_percentiles(row, path, line),
        avg_ms=_number(row, "Average Response Time", path, line),
        min_ms=_number(row, "Min Response Time", path, line),
        max_ms=_number(row, "Max Response Time", path, line),
        rps=_number(row, "Requests/s", path, line),
    )


def _history(path: Path) -> list[HistoryPoint]:
    points: list[HistoryPoint] = []
    first: float | None = None
    for line, row in _rows(path, _HISTORY_COLUMNS):
        if row["Name"] != LOCUST_AGGREGATE:
            continue  # --csv-full-history adds a row per endpoint; the timeline is the total
        stamp = _number(row, "Timestamp", path, line) or 0.0
        first = stamp if first is None else first
        points.append(
            HistoryPoint(
                t=stamp - first,
                users=_count(row, "User Count", path, line),
                rps=_number(row, "Requests/s", path, line),
                failures_per_s=_number(row, "Failures/s", path, line),
                **_percentiles(row, path, line),
                total_requests=_count(row, "Total Request Count", path, line),
                total_failures=_count(row, "Total Failure Count", path, line),
            )
        )
    return points


def _failures(path: Path) -> list[FailureRow]:
    return [
        FailureRow(
            method=row["Method"],
            name=row["Name"],
            error=row["Error"],
            occurrences=_count(row, "Occurrences", path, line),
        )
        for line, row in _rows(path, _FAILURE_COLUMNS)
    ]

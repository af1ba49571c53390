"""k6's ``--summary-export FILE`` JSON (and the ``handleSummary`` data object).

The export is k6's end-of-test summary as one object: ``metrics`` maps each
metric to its statistics. The legacy export (the default) writes them flat —
``"http_req_duration": {"avg": …, "med": …, "p(95)": …}`` — and a rate
metric's share as ``value`` beside ``passes``/``fails``; ``handleSummary``'s
object nests them under ``values`` and says ``rate``. Both are read (k6 source:
``internal/js/summary-wrapper.js``, ``oldJSONSummary``; format described at
https://grafana.com/docs/k6/latest/results-output/end-of-test/).

Times are milliseconds. ``http_req_failed`` is a rate whose *passes* are the
failed requests. k6 reports p90 and p95 by default; p99 only with
``--summary-trend-stats`` naming it — otherwise it is "not measured".
"""

from __future__ import annotations

import math
from typing import Any

from workbench.cycle.results import EndpointStats, LoadResult, checked
from workbench.cycle.slo import AGGREGATE
from workbench.errors import ResultsFormatError


def looks_like_k6(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("metrics"), dict)


def read_k6_summary(
    document: dict[str, Any], source: str, *, profile: str | None = None
) -> LoadResult:
    """The aggregate of a k6 summary (k6 keeps no per-endpoint totals unless tagged)."""
    metrics = document["metrics"]
    duration = _values(metrics, "http_req_duration", source)
    requests = _values(metrics, "http_reqs", source)
    count = _stat(requests, "count", "http_reqs", source)
    if count is None or count != int(count):
        raise ResultsFormatError(f"{source}: http_reqs has no whole count")
    failed = metrics.get("http_req_failed")
    failures = 0
    if failed is not None:
        values = failed.get("values", failed) if isinstance(failed, dict) else None
        passes = _stat(values, "passes", "http_req_failed", source) if values else None
        if passes is None or passes != int(passes) or passes > count:
            raise ResultsFormatError(
                f"{source}: http_req_failed.passes (the failed requests) must be a count "
                f"no larger than http_reqs.count ({int(count)})"
            )
        failures = int(passes)
    rate = _stat(requests, "rate", "http_reqs", source)
    aggregate = EndpointStats(
        name=AGGREGATE,
        requests=int(count),
        failures=failures,
        p50_ms=_stat(duration, "med", "http_req_duration", source),
        p95_ms=_stat(duration, "p(95)", "http_req_duration", source),
        p99_ms=_stat(duration, "p(99)", "http_req_duration", source),
        avg_ms=_stat(duration, "avg", "http_req_duration", source),
        min_ms=_stat(duration, "min", "http_req_duration", source),
        max_ms=_stat(duration, "max", "http_req_duration", source),
        rps=rate,
    )
    return LoadResult(
        tool="k6",
        source=source,
        aggregate=aggregate,
        profile=profile,
        duration_s=count / rate if rate else None,
    )


def _values(metrics: dict[str, Any], name: str, source: str) -> dict[str, Any]:
    metric = metrics.get(name)
    if not isinstance(metric, dict):
        raise ResultsFormatError(
            f"{source}: no {name} metric; is this the --summary-export of an HTTP test?"
        )
    values = metric.get("values", metric)
    if not isinstance(values, dict):
        raise ResultsFormatError(f"{source}: {name} has no statistics")
    return values


def _stat(values: dict[str, Any], key: str, metric: str, source: str) -> float | None:
    value = values.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ResultsFormatError(f"{source}: {metric}.{key} is {value!r}, not a number")
    return checked(float(value), f"{metric}.{key}", source)

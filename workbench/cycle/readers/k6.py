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

**Per endpoint.** k6 keeps totals per tag only for *submetrics*, which a
threshold on a tagged metric creates (``thresholds: {"http_req_duration{name:
/search}": [...]}``) and the summary lists as ``http_req_duration{name:/search}``.
Every ``http_req_duration{…}`` whose tags name a request (``name``, else
``url``; ``method`` when given) is an endpoint: its latencies from that
submetric, its count and failures from ``http_req_failed{same tags}`` (passes
+ fails) or ``http_reqs{same tags}``, its rate from ``http_reqs{same tags}``
or, without it, its count over the test's duration. Submetrics of other tags
(``expected_response``, ``status``, ``scenario`` alone) are not endpoints.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from workbench.cycle.results import EndpointStats, LoadResult, checked
from workbench.cycle.slo import AGGREGATE
from workbench.errors import ResultsFormatError


def looks_like_k6(document: Any) -> bool:
    return isinstance(document, dict) and isinstance(document.get("metrics"), dict)


def read_k6_summary(
    document: dict[str, Any], source: str, *, profile: str | None = None
) -> LoadResult:
    """The aggregate of a k6 summary, and an endpoint per request-naming submetric."""
    metrics = document["metrics"]
    aggregate = _endpoint(metrics, "", AGGREGATE, "", source)
    if aggregate.requests is None:
        raise ResultsFormatError(f"{source}: no http_reqs metric; is this the --summary-export "
                                 "of an HTTP test?")  # fmt: skip
    duration = aggregate.requests / aggregate.rps if aggregate.rps else None
    endpoints = []
    for key in sorted(metrics):
        tags = _submetric_tags(key)
        name = tags.get("name") or tags.get("url")
        if name and set(tags) <= REQUEST_TAGS:
            suffix = key[len(DURATION) :]
            endpoint = _endpoint(metrics, suffix, name, tags.get("method", ""), source)
            endpoints.append(_with_rate(endpoint, duration, key, source))
    return LoadResult(
        tool="k6",
        source=source,
        aggregate=_with_rate(aggregate, duration, "http_reqs", source),
        endpoints=sorted(endpoints, key=lambda stats: (stats.name, stats.method)),
        profile=profile,
        duration_s=duration,
    )


DURATION = "http_req_duration"
#: Tags that say which request a submetric is about (others split it further: not endpoints).
REQUEST_TAGS = {"name", "url", "method"}


@dataclass
class _Counted:
    """One endpoint's figures before they become :class:`EndpointStats`."""

    name: str
    method: str
    requests: int | None
    failures: int
    duration: dict[str, Any]
    rps: float | None


def _endpoint(
    metrics: dict[str, Any], suffix: str, name: str, method: str, source: str
) -> _Counted:
    """The figures of ``http_req_duration{suffix}`` and its siblings with the same tags."""
    duration = _values(metrics, DURATION + suffix, source)
    requests = metrics.get("http_reqs" + suffix)
    count = rate = None
    if requests is not None:
        values = _values(metrics, "http_reqs" + suffix, source)
        count = _stat(values, "count", "http_reqs" + suffix, source)
        if count is None or count != int(count):
            raise ResultsFormatError(f"{source}: http_reqs{suffix} has no whole count")
        rate = _stat(values, "rate", "http_reqs" + suffix, source)
    failures = 0
    failed = metrics.get("http_req_failed" + suffix)
    if failed is not None:
        what = "http_req_failed" + suffix
        values = failed.get("values", failed) if isinstance(failed, dict) else None
        passes = _stat(values, "passes", what, source) if values else None
        fails = _stat(values, "fails", what, source) if values else None
        if count is None and passes is not None and fails is not None:
            count = passes + fails
        if passes is None or passes != int(passes) or count is None or passes > count:
            raise ResultsFormatError(
                f"{source}: {what}.passes (the failed requests) must be a count "
                f"no larger than the requests ({'unknown' if count is None else int(count)})"
            )
        failures = int(passes)
    requests_count = None if count is None else int(count)
    return _Counted(name, method, requests_count, failures, duration, rate)


def _with_rate(counted: _Counted, duration_s: float | None, key: str, source: str) -> EndpointStats:
    """``counted`` as stats; its rate, when k6 gives none, is its count over the test."""
    if counted.requests is None:
        raise ResultsFormatError(
            f"{source}: {key} has no request count (no http_reqs or http_req_failed with the "
            "same tags); add thresholds on them too, or keep the aggregate only"
        )
    rps = counted.rps
    if rps is None and duration_s:
        rps = counted.requests / duration_s
    duration = counted.duration

    def stat(key: str) -> float | None:
        return _stat(duration, key, DURATION, source)

    return EndpointStats(
        name=counted.name,
        method=counted.method,
        requests=counted.requests,
        failures=counted.failures,
        p50_ms=stat("med"),
        p95_ms=stat("p(95)"),
        p99_ms=stat("p(99)"),
        avg_ms=stat("avg"),
        min_ms=stat("min"),
        max_ms=stat("max"),
        rps=rps,
    )


def _submetric_tags(key: str) -> dict[str, str]:
    """``http_req_duration{method:GET,name:/search}`` → its tags; {} for anything else."""
    if not (key.startswith(DURATION + "{") and key.endswith("}")):
        return {}
    tags = {}
    for pair in key[len(DURATION) + 1 : -1].split(","):
        tag, _, value = pair.partition(":")
        tags[tag.strip()] = value.strip()
    return tags


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

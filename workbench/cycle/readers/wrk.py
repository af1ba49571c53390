"""wrk's text output (what ``wrk -t2 -c10 -d30s --latency URL`` prints).

The lines read (format from wrk's ``src/wrk.c``, ``main`` and
``print_stats_latency``; example in its README)::

    Running 30s test @ http://127.0.0.1:8080/index.html
      Thread Stats   Avg      Stdev     Max   +/- Stdev
        Latency   635.91us    0.89ms  12.92ms   93.69%
      Latency Distribution            (only with --latency)
         50%  250.00us
         99%    5.80ms
      22464657 requests in 30.00s, 17.76GB read
      Socket errors: connect 0, read 0, write 0, timeout 0   (only when non-zero)
      Non-2xx or 3xx responses: 12                           (status >= 400)
    Requests/sec: 748868.53

wrk prints p50, p75, p90 and p99 — no p95, which is therefore "not measured".
Failures are the non-2xx/3xx responses plus every socket error; the requests
are the completed ones plus the connect, read and write errors (those never
completed), so the error rate is failures over attempts.
"""

from __future__ import annotations

import re

from workbench.cycle.results import EndpointStats, LoadResult, checked
from workbench.cycle.slo import AGGREGATE
from workbench.errors import ResultsFormatError

_TIME_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}
_TIME = r"([0-9.]+)(us|ms|s|m|h)"
_REQUESTS = re.compile(r"^\s*(\d+) requests in " + _TIME + r",", re.M)
_RATE = re.compile(r"^Requests/sec:\s*([0-9.]+)\s*$", re.M)
_LATENCY = re.compile(r"^\s*Latency\s+" + _TIME + r"\s+\S+\s+" + _TIME, re.M)
_PERCENTILE = re.compile(r"^\s*(50|75|90|99)%\s+" + _TIME + r"\s*$", re.M)
_SOCKET = re.compile(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", re.M)
_STATUS = re.compile(r"Non-2xx or 3xx responses: (\d+)")
_TARGET = re.compile(r"^Running .* test @ (\S+)", re.M)


def looks_like_wrk(text: str) -> bool:
    return bool(_REQUESTS.search(text) and _RATE.search(text))


def read_wrk_text(text: str, source: str, *, profile: str | None = None) -> LoadResult:
    """The aggregate of one wrk run (wrk reports no per-endpoint figures)."""
    requests_line = _REQUESTS.search(text)
    rate_line = _RATE.search(text)
    if not requests_line or not rate_line:
        raise ResultsFormatError(
            f"{source}: not wrk output (no 'N requests in T' or 'Requests/sec:' line)"
        )
    completed = int(requests_line[1])
    duration_ms = _milliseconds(requests_line[2], requests_line[3], source)
    connect = read = write = timeout = 0
    if socket := _SOCKET.search(text):
        connect, read, write, timeout = (int(socket[i]) for i in range(1, 5))
    status = int(_STATUS.search(text)[1]) if _STATUS.search(text) else 0
    attempts = completed + connect + read + write
    failures = status + timeout + connect + read + write
    if failures > attempts:
        raise ResultsFormatError(
            f"{source}: more failures ({failures}) than requests ({attempts}); is the file edited?"
        )
    percentiles = {
        int(match[1]): _milliseconds(match[2], match[3], source)
        for match in _PERCENTILE.finditer(text)
    }
    latency = _LATENCY.search(text)
    aggregate = EndpointStats(
        name=AGGREGATE,
        requests=attempts,
        failures=failures,
        p50_ms=percentiles.get(50),
        p99_ms=percentiles.get(99),
        avg_ms=_milliseconds(latency[1], latency[2], source) if latency else None,
        max_ms=_milliseconds(latency[3], latency[4], source) if latency else None,
        rps=checked(float(rate_line[1]), "Requests/sec", source),
    )
    target = _TARGET.search(text)
    return LoadResult(
        tool="wrk",
        source=source,
        target=target[1] if target else None,
        aggregate=aggregate,
        profile=profile,
        duration_s=duration_ms / 1000.0,
    )


def _milliseconds(number: str, unit: str, source: str) -> float:
    try:
        value = float(number) * _TIME_UNITS[unit]
    except ValueError:
        raise ResultsFormatError(f"{source}: {number}{unit} is not a time") from None
    return checked(value, "a time", source) or 0.0

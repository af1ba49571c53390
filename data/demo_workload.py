"""Demo workload for ``workbench demo``: a small "service" whose hot path moves.

Dependency-free on purpose (the standard library only), so it runs under any
Python the workbench can sample. It starts named threads that look like a
real service, so the Live pane has something to show per thread:

* ``request-worker-1`` .. ``-3`` do CPU work for "requests"; what dominates
  rotates every ``--phase-seconds`` (10 by default) through three phases, so
  the top table and the icicle visibly change while you watch:
  JSON encoding -> regex log parsing -> a quadratic join.
* ``cache-refresher`` wakes twice a second and rebuilds a small dict (light
  CPU, mostly sleeping).
* ``io-waiter`` blocks on a socket ``select`` most of the time (idle, no GIL),
  the signature of an I/O-bound thread.

It runs until killed and exits cleanly (status 0) on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import select
import signal
import socket
import sys
import threading
import time

PHASES = ("json-encoding", "regex-parsing", "quadratic-join")
_LOG_LINE = re.compile(
    r"(?P<ip>\d+\.\d+\.\d+\.\d+) - - \[(?P<ts>[^\]]+)\] \"(?P<req>[^\"]*)\" (?P<status>\d+)"
)


def current_phase(started: float, phase_seconds: float) -> str:
    """The phase that dominates now: they rotate so the hot path moves over time."""
    return PHASES[int((time.monotonic() - started) / phase_seconds) % len(PHASES)]


def encode_payload(rng: random.Random) -> int:
    """Serialise a nested response body, as a JSON API handler would."""
    body = {
        "items": [
            {"id": i, "name": f"item-{i}", "tags": ["a", "b", "c"], "price": rng.random()}
            for i in range(200)
        ]
    }
    return len(json.dumps(body, sort_keys=True))


def parse_log_lines(rng: random.Random) -> int:
    """Parse access-log lines with a regex, as a log ingester would."""
    lines = [
        f"10.0.{rng.randint(0, 255)}.{i % 255} - - [23/Nov/2026:11:{i % 60:02d}:00] "
        f'"GET /api/items/{i} HTTP/1.1" 200'
        for i in range(300)
    ]
    return sum(1 for line in lines if _LOG_LINE.match(line))


def join_orders_quadratic(rng: random.Random) -> int:
    """Join orders to customers with nested loops: the classic O(n^2) hotspot."""
    customers = [(i, f"customer-{i}") for i in range(300)]
    orders = [(rng.randint(0, 299), rng.random()) for _ in range(300)]
    matched = 0
    for customer_id, _name in customers:
        for order_customer, _amount in orders:
            if order_customer == customer_id:
                matched += 1
    return matched


_PHASE_WORK = {
    "json-encoding": encode_payload,
    "regex-parsing": parse_log_lines,
    "quadratic-join": join_orders_quadratic,
}


def handle_request(rng: random.Random, phase: str) -> int:
    """One request: mostly the phase's hot function, a little of the others."""
    work = _PHASE_WORK[phase](rng)
    if rng.random() < 0.2:
        work += encode_payload(rng)
    return work


def request_worker(stop: threading.Event, started: float, phase_seconds: float, seed: int) -> None:
    """Serve "requests" back to back until told to stop."""
    rng = random.Random(seed)
    while not stop.is_set():
        handle_request(rng, current_phase(started, phase_seconds))


def refresh_cache(stop: threading.Event) -> None:
    """Rebuild a small lookup table twice a second; idle in between."""
    cache: dict[str, int] = {}
    while not stop.wait(0.5):
        cache = {f"key-{i}": i * i for i in range(5000)}
    cache.clear()


def wait_for_io(stop: threading.Event) -> None:
    """Block in ``select`` on a socket that rarely has data: an I/O-bound thread."""
    reader, writer = socket.socketpair()
    with reader, writer:
        while not stop.is_set():
            ready, _, _ = select.select([reader], [], [], 0.25)
            if ready:
                reader.recv(4096)


def run(workers: int, phase_seconds: float) -> int:
    """Start the threads, wait for SIGTERM/SIGINT, stop them and return 0.

    Threads are daemons so a stuck one can never keep the process alive after
    the signal; each is still joined briefly so they finish their iteration.
    """
    stop = threading.Event()
    started = time.monotonic()
    signalled: list[int] = []

    def request_stop(signum: int, frame: object) -> None:
        # Only note it: ``stop.set()`` here takes the Event's lock, which the main thread
        # may hold at that instant (it runs this handler), and would wait forever.
        signalled.append(signum)

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    targets = [
        (f"request-worker-{seed}", request_worker, (stop, started, phase_seconds, seed))
        for seed in range(1, workers + 1)
    ]
    targets += [("cache-refresher", refresh_cache, (stop,)), ("io-waiter", wait_for_io, (stop,))]
    threads = [
        threading.Thread(target=target, args=args, name=name, daemon=True)
        for name, target, args in targets
    ]
    for thread in threads:
        thread.start()
    while not signalled:
        time.sleep(0.1)
    stop.set()
    for thread in threads:
        thread.join(timeout=2.0)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=3, help="request worker threads")
    parser.add_argument(
        "--phase-seconds", type=float, default=10.0, help="seconds before the hot path moves"
    )
    args = parser.parse_args(argv)
    return run(args.workers, args.phase_seconds)


if __name__ == "__main__":
    sys.exit(main())

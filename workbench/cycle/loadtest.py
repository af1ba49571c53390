"""Run a load test with locust's command line, headless, and read what it wrote.

Why the CLI in a subprocess rather than locust as a library: importing locust
monkey-patches the whole interpreter with gevent (sockets, threads, ``time``,
``subprocess``, ``select``). Our process runs threads that must stay real —
the py-spy sampler's reader, Textual's asyncio loop, the workers of the
panes — and a patched ``threading`` or ``selectors`` under them deadlocks or
silently serialises them. A child process keeps gevent in its own interpreter,
dies with us (its own process group, stopped in ``finally``), and leaves files
any locust user recognises: the ``--csv`` set, its log and the locustfiles.

Safety: a load test is traffic. By default only loopback addresses are
targets (``allow_remote`` opens that up for a staging host you own); the
target must accept a connection before locust starts (a refused URL is one
error line, not a test full of failures); every run has a hard time limit
(the plan plus a margin) after which locust is stopped. Ctrl-C stops locust
gracefully (SIGTERM: it writes its CSVs as it quits), the results so far are
kept and the run ends with :class:`~workbench.errors.LoadTestError`.
"""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from workbench.cycle.locust_script import write_locustfiles
from workbench.cycle.plans import DRAIN_S, LoadPlan
from workbench.cycle.readers.locust_csv import read_locust_csv
from workbench.cycle.results import LoadResult
from workbench.cycle.run_files import RESULT_FILE
from workbench.errors import LoadTestError, ResultsFormatError
from workbench.files import write_output
from workbench.output import json_text
from workbench.sampling.processes import stop_target

CSV_PREFIX = "locust"
PLAN_FILE = "plan.json"
LOG_FILE = "locust.log"
SUMMARY_FILE = "locust-summary.txt"
#: Seconds locust may take to start and to write its files, past the plan's end.
STARTUP_MARGIN_S = 20.0
CONNECT_TIMEOUT_S = 3.0


def check_target(host: str, *, allow_remote: bool = False) -> None:
    """Refuse a non-loopback host (unless allowed) and a host that refuses connections."""
    parts = urlsplit(host)
    hostname = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = {
            info[4][0] for info in socket.getaddrinfo(hostname, port, type=socket.SOCK_STREAM)
        }
    except socket.gaierror as error:
        raise LoadTestError(f"cannot resolve {hostname!r}: {error.strerror}") from None
    if not allow_remote:
        remote = sorted(
            a for a in addresses if not ipaddress.ip_address(a.split("%")[0]).is_loopback
        )
        if remote:
            raise LoadTestError(
                f"{hostname} is not a loopback address ({', '.join(remote)}); load-test only "
                "services you run: pass --allow-remote for a host you own"
            )
    try:
        with socket.create_connection((hostname, port), timeout=CONNECT_TIMEOUT_S):
            pass
    except ConnectionRefusedError:
        raise LoadTestError(
            f"{host} refused the connection; start the service (or fix the port) and retry"
        ) from None
    except OSError as error:
        raise LoadTestError(f"cannot connect to {host}: {error.strerror or error}") from None


def prepare_folder(folder: Path) -> None:
    """Create ``folder`` for a run's files; an existing non-empty folder is refused."""
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise LoadTestError(f"{folder} exists and is not an empty folder; choose a new --out")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise LoadTestError(f"cannot create {folder}: {error.strerror or error}") from None


def run_loadtest(
    plan: LoadPlan,
    folder: Path,
    *,
    allow_remote: bool = False,
    locustfile: Path | None = None,
    on_started: Callable[[], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
) -> LoadResult:
    """Run ``plan`` with locust into ``folder`` (empty or new) and return its result.

    ``on_started`` is called once locust runs (the cycle starts py-spy then).
    ``cancelled`` is polled while locust runs (the app's worker passes its own
    flag); once true, locust is stopped as on Ctrl-C and the results so far kept.
    The result is also written to ``folder/result.json``; the CSVs, the log,
    the plan and the locustfiles stay beside it.
    """
    if importlib.util.find_spec("locust") is None:
        raise LoadTestError("locust is not installed in this environment; pip install locust")
    if locustfile is not None and not locustfile.is_file():
        raise LoadTestError(f"locustfile {locustfile} does not exist")
    check_target(plan.host, allow_remote=allow_remote)
    prepare_folder(folder)
    write_output(folder / PLAN_FILE, json_text(plan.to_json(), indent=True) + "\n")
    files = write_locustfiles(plan, folder, own_users=locustfile and locustfile.resolve())
    limit = plan.duration_s + DRAIN_S + STARTUP_MARGIN_S
    command = [
        sys.executable,
        "-m",
        "locust",
        "--locustfile",
        ",".join(str(path) for path in files),
        "--headless",
        "--host",
        plan.host,
        "--run-time",
        f"{int(limit)}s",
        "--csv",
        CSV_PREFIX,
        "--only-summary",
        "--exit-code-on-error",
        "0",
        "--logfile",
        LOG_FILE,
    ]
    started_at = datetime.now(UTC).isoformat(timespec="seconds")
    began = time.monotonic()
    interrupted = False
    with (folder / SUMMARY_FILE).open("wb") as summary:
        process = subprocess.Popen(
            command,
            cwd=folder,
            stdin=subprocess.DEVNULL,
            stdout=summary,
            stderr=subprocess.STDOUT,
            env=dict(os.environ, PYTHONUNBUFFERED="1"),
            start_new_session=True,
        )
        try:
            if on_started is not None:
                on_started()
            returncode = _wait(process, limit + STARTUP_MARGIN_S, cancelled or _never)
        except KeyboardInterrupt:
            interrupted = True
            returncode = stop_target(process, timeout=10.0)
        finally:
            stop_target(process)
    elapsed = time.monotonic() - began
    result = _collect(folder, plan, started_at, interrupted, returncode)
    if interrupted:
        raise LoadTestError(
            f"interrupted after {elapsed:.0f} s of {plan.duration_s:g} s; the results so far "
            f"({result.aggregate.requests} requests) are kept in {folder}"
        )
    return result


def _never() -> bool:
    return False


def _wait(
    process: subprocess.Popen[bytes], limit: float, cancelled: Callable[[], bool]
) -> int | None:
    """Wait for locust; past ``limit`` seconds stop it (the plan's own end failed).

    A cancellation is raised as KeyboardInterrupt: the same graceful stop as Ctrl-C.
    """
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        try:
            return process.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            if cancelled():
                raise KeyboardInterrupt from None
    stop_target(process, timeout=10.0)
    raise LoadTestError(f"locust did not finish within {limit:.0f} s and was stopped; see its log")


def _collect(
    folder: Path, plan: LoadPlan, started_at: str, interrupted: bool, returncode: int | None
) -> LoadResult:
    """Read the CSVs locust wrote, keep the result as JSON, or explain what went wrong."""
    prefix = folder / CSV_PREFIX
    try:
        result = read_locust_csv(prefix, profile=plan.profile)
    except ResultsFormatError:
        if interrupted:
            raise LoadTestError(
                "interrupted before locust wrote any results; nothing to keep"
            ) from None
        raise LoadTestError(f"locust wrote no results: {_last_line(folder)}") from None
    if returncode not in (0, None) and not interrupted:
        raise LoadTestError(f"locust failed (exit {returncode}): {_last_line(folder)}")
    result.target = plan.url
    result.started_at = started_at
    result.interrupted = interrupted
    write_output(folder / RESULT_FILE, json_text(result.to_json(), indent=True) + "\n")
    return result


def _last_line(folder: Path) -> str:
    """The last error-looking line locust printed, for a one-line message."""
    lines: list[str] = []
    for name in (LOG_FILE, SUMMARY_FILE):
        try:
            lines += (folder / name).read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            continue
    errors = [line for line in lines if "Error" in line or "error" in line]
    last = (errors or lines or ["no output"])[-1].strip()
    return f"{last[:200]} (see {folder / LOG_FILE})"

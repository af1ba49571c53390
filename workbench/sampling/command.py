"""Run one command under a profiler and measure it: the unit of ``record``, ``capture``, ``bisect``.

:func:`record_command` starts the command itself (its own process group, see
:class:`~workbench.sampling.children.ChildProcesses`) and measures the run
from the outside, so the figures do not depend on the profiler:

* **wall** seconds from just before the start to the exit, seen through a
  pidfd (no polling delay);
* **CPU** seconds and **peak RSS** from ``wait4``: the command and every child
  it waited for, and nothing of the profiler's own work;
* the **exit status** (negative: the signal that killed it) and the tail of
  its stderr.

Profilers:

* ``py-spy`` attaches to the started process (``record --pid``; py-spy
  retries until the interpreter is up, as it does for ``py-spy record --
  CMD``), so its own CPU time stays out of the command's rusage. Its
  profile is in one of three views (:data:`~workbench.profiles.model.View`):
  ``cpu`` (default: each thread's samples weighed to the CPU the kernel
  counted for it, read by :class:`~workbench.sampling.cpu_watch.CpuWatch`
  and applied by :func:`~workbench.sampling.calibrate.calibrate`, as for
  ``record PID``), ``samples`` (py-spy's as recorded) or ``wall``
  (``--idle``: waiting threads too);
* ``pyinstrument`` (wall-clock, async-aware) runs in the command's
  interpreter: ``python X`` becomes ``python -m pyinstrument ... X`` and any
  other program on PATH ``python -m pyinstrument --from-path PROGRAM``. The
  workbench's own pyinstrument is offered last on ``PYTHONPATH`` (alone, not
  its site-packages) so a per-revision virtualenv need not install it.
  It measures wall-clock time: its profiles are in the ``wall`` view;
* ``none`` measures the run without profiling it (``bisect`` on wall or CPU
  time does not need stacks).

The profile is written in our format with the figures in its metadata (see
:mod:`workbench.profiles.run_meta`), so it reads back like any other.
A command that cannot start, exits non-zero or is interrupted is still a
:class:`CommandRun`: the caller reports it, nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from workbench.errors import SamplingError, WorkbenchError
from workbench.profiles.model import View
from workbench.sampling.calibrate import WindowCpu
from workbench.sampling.children import ChildProcesses, signal_group
from workbench.sampling.cpu_watch import CpuWatch

Profiler = Literal["py-spy", "pyinstrument", "none"]
PROFILERS: tuple[Profiler, ...] = ("py-spy", "pyinstrument", "none")
OutputFormat = Literal["speedscope", "collapsed"]

#: Lines of stderr kept for the report of a run.
STDERR_TAIL_LINES = 20
#: How long py-spy may take to write its file once the command has exited.
PROFILER_GRACE = 10.0
#: After Ctrl-C, how long the command gets to stop on SIGINT before SIGKILL.
STOP_GRACE = 2.0
#: How often a wait checks the cancel event (the pidfd wakes it at the exit itself).
CANCEL_POLL = 0.1
_PYTHON_NAME = re.compile(r"^python(\d+(\.\d+)?)?$")


class Interrupted(KeyboardInterrupt):
    """Ctrl-C or a cancel arrived during a run; ``run`` is what was measured until then."""

    def __init__(self, run: CommandRun) -> None:
        super().__init__("interrupted")
        self.run = run


@dataclass
class CommandRun:
    """One run of a command: how it went, its figures, and where its profile is."""

    argv: list[str]
    cwd: str
    profiler: str
    started_at: str
    """ISO 8601 UTC time of the start."""
    wall_seconds: float
    cpu_seconds: float
    exit_status: int | None
    """None when the command could not start (see ``error``)."""
    peak_rss_bytes: int
    profile_path: Path | None = None
    """The profile written, or None (see ``profile_error``)."""
    profile_error: str | None = None
    """Why there is no profile although the command ran (too short, not Python…)."""
    samples: int = 0
    stderr_tail: str = ""
    error: str | None = None
    """Why the command could not run at all (not found, not executable)."""
    interrupted: bool = False
    python_version: str | None = None
    git_revision: str | None = None

    @property
    def ok(self) -> bool:
        """Started, not interrupted, and exited with status 0."""
        return self.error is None and not self.interrupted and self.exit_status == 0

    @property
    def failure(self) -> str | None:
        """One line saying why the run failed, or None when it did not."""
        if self.error:
            return self.error
        if self.interrupted:
            return "interrupted"
        if self.exit_status is None or self.exit_status == 0:
            return None
        if self.exit_status < 0:
            try:
                name = signal.Signals(-self.exit_status).name
            except ValueError:
                name = f"signal {-self.exit_status}"
            return f"killed by {name}"
        return f"exited with status {self.exit_status}"

    def to_json(self) -> dict[str, Any]:
        """Plain, strict-JSON dict (a manifest row)."""
        return {
            "argv": self.argv,
            "cwd": self.cwd,
            "profiler": self.profiler,
            "started_at": self.started_at,
            "wall_seconds": round(self.wall_seconds, 6),
            "cpu_seconds": round(self.cpu_seconds, 6),
            "exit_status": self.exit_status,
            "peak_rss_bytes": self.peak_rss_bytes,
            "profile": None if self.profile_path is None else str(self.profile_path),
            "profile_error": self.profile_error,
            "samples": self.samples,
            "stderr_tail": self.stderr_tail or None,
            "error": self.error,
            "interrupted": self.interrupted,
            "ok": self.ok,
            "python_version": self.python_version,
            "git_revision": self.git_revision,
        }


def record_command(
    argv: Sequence[str],
    output: Path | None,
    *,
    rate: int = 100,
    profiler: Profiler = "py-spy",
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    fmt: OutputFormat = "speedscope",
    nonblocking: bool = False,
    git_revision: str | None = None,
    stdout: int | None = subprocess.DEVNULL,
    cancel: threading.Event | None = None,
    view: View | None = None,
) -> CommandRun:
    """Run ``argv`` under ``profiler``, measure it, write its profile to ``output``.

    ``env`` is the command's whole environment (default: ours); ``stdout``
    None lets the command write to ours. ``output`` None (or ``profiler``
    ``none``) writes no profile. ``view`` is what the profile measures
    (default: ``cpu`` for py-spy, ``wall`` for pyinstrument, the only one it
    has; see :func:`command_view`). Raises :class:`Interrupted` (a
    ``KeyboardInterrupt``) on Ctrl-C or when ``cancel`` is set, after the
    command and the profiler are gone and the partial profile is written.
    """
    argv = list(argv)
    if not argv:
        raise SamplingError("no command given; usage: workbench record -o FILE -- python app.py")
    if profiler not in PROFILERS:
        raise SamplingError(f"unknown profiler {profiler!r}; choose one of {', '.join(PROFILERS)}")
    if not 1 <= rate <= 10_000:
        raise SamplingError(f"{rate}: use a sampling rate between 1 and 10000 Hz")
    view = command_view(profiler, view)
    environment = dict(os.environ if env is None else env)
    folder = Path(cwd) if cwd is not None else Path.cwd()
    with tempfile.TemporaryDirectory(prefix="workbench-run-") as scratch:
        session = _Session(
            argv, Path(scratch), folder, environment, rate, profiler, nonblocking, view
        )
        run = session.run(stdout, cancel)
        run.git_revision = git_revision
        run.python_version = python_version_of(argv, environment.get("PATH"))
        if output is not None and profiler != "none" and run.error is None:
            _write_profile(session, run, output, fmt)
    if run.interrupted:
        raise Interrupted(run)
    return run


def command_view(profiler: Profiler, view: View | None) -> View:
    """The view a run's profile will be in: ``view``, or the profiler's default.

    py-spy gives all three (``cpu`` by default); pyinstrument measures
    wall-clock time only, so asking it for another view is a SamplingError.
    """
    if profiler != "pyinstrument":
        return view or "cpu"
    if view not in (None, "wall"):
        raise SamplingError(
            f"pyinstrument measures wall-clock time, not the {view} view: "
            "use --view wall, or --profiler py-spy"
        )
    return "wall"


class _Session:
    """The processes of one run and the scratch files they write."""

    def __init__(
        self,
        argv: list[str],
        scratch: Path,
        cwd: Path,
        env: dict[str, str],
        rate: int,
        profiler: Profiler,
        nonblocking: bool,
        view: View,
    ) -> None:
        self.argv = argv
        self.scratch = scratch
        self.cwd = cwd
        self.env = env
        self.rate = rate
        self.profiler = profiler
        self.nonblocking = nonblocking
        self.raw_profile = scratch / ("profile.json" if profiler == "py-spy" else "session.json")
        self.profiler_log = scratch / "profiler.log"
        self.stderr_file = scratch / "stderr.txt"
        self.children = ChildProcesses()
        self.view = view
        self.cpu: WindowCpu | None = None
        """Each thread's CPU over the run (py-spy's CPU view only; read before the reap)."""

    def run(self, stdout: int | None, cancel: threading.Event | None) -> CommandRun:
        started_at = dt.datetime.now(dt.UTC).isoformat(timespec="milliseconds")
        launched = self._launch_argv()
        empty = CommandRun(self.argv, str(self.cwd), self.profiler, started_at, 0.0, 0.0, None, 0)
        try:
            with self.stderr_file.open("wb") as stderr:
                begin = time.perf_counter()
                process = self.children.spawn(
                    launched, stdout=stdout, stderr=stderr, cwd=self.cwd, env=self.env
                )
        except FileNotFoundError:
            empty.error = f"command not found: {self.argv[0]} (looked on PATH and in {self.cwd})"
            return empty
        except PermissionError:
            empty.error = f"command not executable: {self.argv[0]}"
            return empty
        except NotADirectoryError:
            empty.error = f"working directory {self.cwd} is not a folder"
            return empty
        watch = None
        try:
            sampler = self._start_pyspy(process.pid) if self.profiler == "py-spy" else None
            if sampler is not None and self.view == "cpu":
                watch = CpuWatch(process.pid, self._pyspy_sampling)
            interrupted = False
            try:
                _wait_exit(process.pid, cancel)
            except KeyboardInterrupt:
                interrupted = True
                _stop_gently(process.pid)
            wall = time.perf_counter() - begin
            if watch is not None:  # a zombie now: its total is still readable
                self.cpu = watch.finish()
            # The leader is a zombie now (not reaped), so its group id cannot be reused:
            # whatever it left running in its group goes with it.
            kill_group(process.pid)
            status, usage = _reap(process)
            self.children.forget(process)
            if sampler is not None:
                self._finish_pyspy(sampler)
        finally:
            if watch is not None:
                watch.stop()
            self.children.kill_all()
        return CommandRun(
            argv=self.argv,
            cwd=str(self.cwd),
            profiler=self.profiler,
            started_at=started_at,
            wall_seconds=wall,
            cpu_seconds=usage.ru_utime + usage.ru_stime,
            exit_status=status,
            peak_rss_bytes=usage.ru_maxrss * 1024,  # kilobytes on Linux
            stderr_tail=_tail(self.stderr_file),
            interrupted=interrupted,
        )

    def _launch_argv(self) -> list[str]:
        if self.profiler != "pyinstrument":
            return self.argv
        return pyinstrument_argv(self.argv, self.raw_profile, self.rate, self.env, self.scratch)

    def _start_pyspy(self, pid: int) -> subprocess.Popen[bytes] | None:
        from workbench.sampling.pyspy_output import find_pyspy

        args = [
            str(find_pyspy()),
            "record",
            "--pid",
            str(pid),
            "--rate",
            str(self.rate),
            "--format",
            "speedscope",
            "--output",
            str(self.raw_profile),
        ]
        if self.nonblocking:
            args.append("--nonblocking")
        if self.view == "wall":
            args.append("--idle")
        with self.profiler_log.open("wb") as log:
            return self.children.spawn(args, stdout=log)

    def _finish_pyspy(self, sampler: subprocess.Popen[bytes]) -> None:
        """py-spy stops by itself when its target exits; SIGINT, then SIGKILL if it lags.

        Its exit is seen through a pidfd: ``Popen.wait(timeout)`` polls with sleeps
        growing to 50 ms, which a capture of short runs paid at every run.
        """
        if not _wait_exit(sampler.pid, None, time.monotonic() + PROFILER_GRACE):
            signal_group(sampler, signal.SIGINT)
            _wait_exit(sampler.pid, None, time.monotonic() + STOP_GRACE)
        self.children.kill_all()

    def _pyspy_sampling(self) -> bool:
        """py-spy has found the interpreter and samples (its first line says so)."""
        try:
            with self.profiler_log.open("rb") as log:
                return b"Sampling process" in log.read(4096)
        except OSError:
            return False

    def profiler_message(self) -> str:
        """The last line the profiler printed (its reason for writing nothing)."""
        lines = _tail(self.profiler_log, 5).splitlines()
        return lines[-1].removeprefix("py-spy> ").strip() if lines else "no output"


def kill_group(pid: int, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process group ``pid`` leads (the command and its leftovers)."""
    try:
        os.killpg(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _stop_gently(pid: int) -> None:
    """SIGINT the command's group (pyinstrument then saves what it sampled), SIGKILL after 2 s."""
    kill_group(pid, signal.SIGINT)
    try:
        exited = _wait_exit(pid, None, time.monotonic() + STOP_GRACE)
    except KeyboardInterrupt:
        exited = False
    if not exited:
        kill_group(pid)


def _wait_exit(pid: int, cancel: threading.Event | None, deadline: float | None = None) -> bool:
    """Whether ``pid`` exited (it stays a zombie) before ``deadline`` (``time.monotonic()``;
    None: no limit); raise KeyboardInterrupt when ``cancel`` is set."""
    try:
        pidfd = os.pidfd_open(pid)
    except (AttributeError, OSError):
        pidfd = None
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise KeyboardInterrupt
            wait = CANCEL_POLL
            if deadline is not None:
                wait = min(wait, deadline - time.monotonic())
            if wait <= 0:
                return False
            if pidfd is not None:
                ready, _, _ = select.select([pidfd], [], [], wait)
                if ready:
                    return True
            else:  # no pidfd (old kernel): a short poll
                if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                    return True
                time.sleep(0.002)
    finally:
        if pidfd is not None:
            os.close(pidfd)


def _reap(process: subprocess.Popen[bytes]) -> tuple[int, Any]:
    """Reap ``process`` with its resource usage; tell Popen so it never waits again."""
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    return process.returncode, usage


def _tail(path: Path, lines: int = STDERR_TAIL_LINES) -> str:
    """The last ``lines`` lines of a text file (undecodable bytes replaced)."""
    try:
        with path.open("rb") as handle:
            handle.seek(0, os.SEEK_END)
            size = handle.tell()
            handle.seek(max(0, size - 16_384))
            text = handle.read().decode("utf-8", errors="replace")
    except OSError:
        return ""
    return "\n".join(text.rstrip().splitlines()[-lines:])


# -- pyinstrument ---------------------------------------------------------------
def pyinstrument_argv(
    argv: list[str], output: Path, rate: int, env: dict[str, str], scratch: Path
) -> list[str]:
    """``argv`` run under ``python -m pyinstrument`` writing a session to ``output``.

    Also puts a folder holding only a link to our pyinstrument last on the
    command's ``PYTHONPATH`` (``env`` is changed in place).
    """
    head, rest = argv[0], argv[1:]
    options = ["-m", "pyinstrument", "-r", "pyisession", "-o", str(output), "-i", f"{1 / rate:g}"]
    if _PYTHON_NAME.match(Path(head).name):
        if rest and rest[0].startswith("-") and rest[0] not in ("-m", "-c"):
            raise SamplingError(
                f"pyinstrument runs 'python SCRIPT', 'python -m MODULE' or 'python -c CODE', "
                f"not interpreter options such as {rest[0]!r}; drop them or use --profiler py-spy"
            )
        launched = [head, *options, *rest]
    else:
        interpreter = shutil.which("python", path=env.get("PATH")) or shutil.which(
            "python3", path=env.get("PATH")
        )
        if interpreter is None:
            raise SamplingError("pyinstrument needs a 'python' on PATH to run the command with")
        launched = [interpreter, *options, "--from-path", *argv]
    _offer_pyinstrument(env, scratch)
    return launched


def _offer_pyinstrument(env: dict[str, str], scratch: Path) -> None:
    import pyinstrument

    shelf = scratch / "pyinstrument-shelf"
    shelf.mkdir(exist_ok=True)
    link = shelf / "pyinstrument"
    if not link.exists():
        link.symlink_to(Path(pyinstrument.__file__).parent, target_is_directory=True)
    paths = [part for part in env.get("PYTHONPATH", "").split(os.pathsep) if part]
    env["PYTHONPATH"] = os.pathsep.join([*paths, str(shelf)])


# -- the profile --------------------------------------------------------------
def _write_profile(session: _Session, run: CommandRun, output: Path, fmt: OutputFormat) -> None:
    """Read what the profiler wrote, add the run's figures, write ``output``."""
    from workbench.profiles.io import read_profile, write_profile
    from workbench.sampling.calibrate import calibrate

    if not session.raw_profile.is_file() or session.raw_profile.stat().st_size == 0:
        run.profile_error = _no_profile_reason(session, run)
        return
    try:
        profile = read_profile(session.raw_profile)
    except WorkbenchError as error:
        run.profile_error = f"{session.profiler} wrote nothing usable: {error}"
        return
    run.samples = round((profile.to_seconds(profile.total_weight) or 0.0) * session.rate)
    if session.cpu is not None:
        profile = calibrate(profile, session.cpu)
        if not len(profile):
            run.profile_error = (
                "no CPU sampled: none of the command's threads ran while py-spy sampled "
                "(the wall view, --view wall, shows where they waited)"
            )
            return
    meta = profile.meta
    meta.source = None
    meta.view = session.view
    meta.name = output.name
    meta.profiler = session.profiler
    meta.rate = float(session.rate)
    meta.duration = run.wall_seconds
    meta.wall_seconds = run.wall_seconds
    meta.cpu_seconds = run.cpu_seconds
    meta.exit_status = run.exit_status
    meta.peak_rss_bytes = run.peak_rss_bytes
    meta.argv = list(run.argv)
    meta.command = shlex.join(run.argv)
    meta.python_version = run.python_version
    meta.git_revision = run.git_revision
    meta.captured_at = run.started_at
    write_profile(profile, output, fmt)
    run.profile_path = output


def _no_profile_reason(session: _Session, run: CommandRun) -> str:
    if session.profiler == "py-spy":
        message = session.profiler_message()
        if run.wall_seconds < 0.2:
            return f"no samples: the command ended before py-spy attached ({message})"
        return f"py-spy wrote no profile: {message}"
    return "pyinstrument wrote no profile (the command raised or exited before it could save)"


# -- facts about the command ----------------------------------------------------
def python_version_of(argv: Sequence[str], path: str | None) -> str | None:
    """The version of the Python that runs ``argv``: its interpreter, or its script's shebang."""
    found = shutil.which(argv[0], path=path) if argv else None
    if found is None:
        return None
    interpreter = found if _PYTHON_NAME.match(Path(found).name) else _shebang(found)
    return None if interpreter is None else _interpreter_version(interpreter)


def _shebang(script: str) -> str | None:
    try:
        with open(script, "rb") as handle:
            first = handle.readline(512)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode("utf-8", errors="replace").split()
    if words and Path(words[0]).name == "env" and len(words) > 1:
        return shutil.which(words[1])
    if words and _PYTHON_NAME.match(Path(words[0]).name):
        return words[0]
    return None


@lru_cache(maxsize=32)
def _interpreter_version(interpreter: str) -> str | None:
    if os.path.realpath(interpreter) == os.path.realpath(sys.executable):
        return platform.python_version()
    return _output([interpreter, "-c", "import platform; print(platform.python_version())"]) or None


def current_revision(folder: Path) -> str | None:
    """The commit checked out in ``folder`` (``-dirty`` when tracked files changed), or None."""
    sha = _output(["git", "-C", str(folder), "rev-parse", "--verify", "-q", "HEAD"])
    if sha is None:
        return None
    status = _output(["git", "-C", str(folder), "status", "--porcelain", "--untracked-files=no"])
    return f"{sha}-dirty" if status else sha


def _output(argv: list[str], timeout: float = 30.0) -> str | None:
    """What ``argv`` prints (stripped) when it succeeds, else None (missing, failed, hung)."""
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired):
        return None
    text = done.stdout.strip()
    return text if done.returncode == 0 else None

"""Subcommands of live sampling: ps, record, and attach / run / demo (open the Live pane).

``ps`` and ``record`` are headless and scriptable; the other three check
what they can before the app opens, so a bad PID or a missing command ends
with one error line and exit 2 instead of a UI that cannot do anything.
"""

from __future__ import annotations

import argparse
import re
import shlex
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workbench.cli.arguments import add_repo
from workbench.context import LaunchContext
from workbench.errors import SamplingError
from workbench.output import counted, plain, print_json

if TYPE_CHECKING:
    from workbench.profiles.model import Profile
    from workbench.sampling.command import CommandRun
    from workbench.sampling.processes import ProcessInfo
    from workbench.sampling.recording import Recording
    from workbench.sampling.session import SnapshotFormat

#: File name suffixes that make ``record -o`` write collapsed stacks without ``--format``.
_COLLAPSED_SUFFIXES = (".txt", ".collapsed", ".folded")


def register(sub: argparse._SubParsersAction) -> None:
    """Add ``ps``, ``record``, ``attach``, ``run`` and ``demo`` to the ``workbench`` parser."""
    ps = sub.add_parser(
        "ps",
        help="list Python processes you could attach to",
        description="List Python processes on this machine, busiest CPU first.",
    )
    ps.add_argument("--format", choices=("text", "json"), default="text")
    ps.set_defaults(handler=run_ps)

    record = sub.add_parser(
        "record",
        help="sample a running process (PID) or run a command under a profiler (headless)",
        usage=(
            "workbench record PID --duration SECONDS [options]\n"
            "       workbench record [-o FILE] [--rate HZ] [--profiler py-spy|pyinstrument] "
            "-- COMMAND [ARGS...]"
        ),
        description=(
            "PID form: sample PID with py-spy for SECONDS and write a profile (speedscope or "
            "collapsed) in the CPU view (default: each thread's samples weighed to its "
            "measured CPU time), the samples view or the wall view (--idle); if the process "
            "exits early, or on Ctrl-C, SIGTERM or SIGHUP, what was sampled is kept. "
            "Command form (after --): run COMMAND under py-spy or pyinstrument until it exits "
            "and write its profile (py-spy: the same three views; pyinstrument: wall) with the "
            "run's wall and CPU seconds, exit status, peak RSS, "
            "command, Python version and git revision. A command that cannot start or exits "
            "non-zero: exit 2 (the profile, if any, is kept)."
        ),
    )
    record.add_argument(
        "pid",
        nargs="?",
        metavar="PID",
        help="process to sample (all digits), or omit and give -- COMMAND",
    )
    record.add_argument("command", nargs="*", help=argparse.SUPPRESS)
    record.add_argument(
        "--duration",
        "-d",
        type=_whole_seconds,
        metavar="SECONDS",
        help="PID form: how long to sample, in whole seconds (py-spy's unit)",
    )
    record.add_argument(
        "--profiler",
        choices=("py-spy", "pyinstrument"),
        default="py-spy",
        help="command form: py-spy (default; samples from outside) or pyinstrument "
        "(wall-clock, async-aware, runs inside the command's interpreter)",
    )
    _sampling_options(record)
    record.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="profile file to write (default: profile-PID-YYYYmmdd-HHMMSS.speedscope.json, "
        "or profile-COMMAND-… for a command)",
    )
    record.add_argument(
        "--format",
        choices=("speedscope", "collapsed"),
        help="file format (default: collapsed for .txt/.collapsed/.folded names, else speedscope)",
    )
    record.set_defaults(handler=run_record)

    attach = sub.add_parser(
        "attach",
        help="open the Live pane on a running Python process",
        description="Open the app on the Live pane, sampling PID.",
    )
    attach.add_argument("pid", type=int, metavar="PID")
    _sampling_options(attach)
    _refresh_option(attach)
    add_repo(attach, "the repository holding the profiled files, else the target's directory")
    attach.set_defaults(handler=run_attach)

    run = sub.add_parser(
        "run",
        help="launch a command and watch it in the Live pane",
        description=(
            "Start COMMAND (e.g. workbench run -- python app.py), open the Live pane on it; "
            "quitting the app stops it."
        ),
    )
    _sampling_options(run)
    _refresh_option(run)
    add_repo(run, "the repository holding the profiled files, else the command's directory")
    run.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND ...")
    run.set_defaults(handler=run_command)

    demo = sub.add_parser(
        "demo",
        help="watch the bundled demo workload in the Live pane",
        description=(
            "Start the bundled demo service (named threads, a hot path that moves every "
            "10 s) and open the Live pane on it; the Compare pane has a demo baseline "
            "and branch loaded."
        ),
    )
    _sampling_options(demo)
    _refresh_option(demo)
    demo.set_defaults(handler=run_demo)


def _sampling_options(parser: argparse.ArgumentParser) -> None:
    views = parser.add_mutually_exclusive_group()
    views.add_argument(
        "--view",
        choices=("cpu", "samples", "wall"),
        help="what the profile measures: cpu (default: samples weighed to each thread's "
        "measured CPU time), samples (py-spy's samples as recorded) or wall (every "
        "thread, waiting included)",
    )
    views.add_argument(
        "--idle",
        dest="view",
        action="store_const",
        const="wall",
        help="the wall view: also sample waiting threads (same as --view wall)",
    )
    parser.add_argument(
        "--rate",
        type=_positive_rate,
        default=100,
        metavar="HZ",
        help="samples per second (default: 100)",
    )
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument(
        "--nonblocking",
        dest="nonblocking",
        action="store_const",
        const=True,
        help="never pause the target (default when it has more than 4 threads)",
    )
    mode.add_argument(
        "--blocking",
        dest="nonblocking",
        action="store_const",
        const=False,
        help="pause the target for each sample (exact stacks; default with 4 threads or fewer)",
    )
    parser.add_argument(
        "--subprocesses",
        action="store_true",
        help="also sample the process's Python children",
    )


def _refresh_option(parser: argparse.ArgumentParser) -> None:
    """The Live pane's own options: its refresh period and its sampler."""
    parser.add_argument(
        "--refresh",
        type=_whole_seconds,
        default=1,
        metavar="SECONDS",
        help="the Live pane's refresh period, whole seconds (default: 1); with py-spy each "
        "refresh starts a py-spy run, so 2 costs about half a point of a core less",
    )
    parser.add_argument(
        "--sampler",
        choices=("austin", "py-spy"),
        help="austin (default when installed and not --blocking: one streaming process, "
        "never pauses the target) or py-spy (a py-spy record run per refresh)",
    )


def _whole_seconds(text: str) -> int:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(
            f"{text}: py-spy samples in whole seconds; use 1 or more, e.g. --duration 5"
        )
    return int(value)


def _positive_rate(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of Hz") from None
    if not 1 <= value <= 10_000:
        raise argparse.ArgumentTypeError(f"{text}: use a rate between 1 and 10000 Hz")
    return value


# -- ps ---------------------------------------------------------------------
def run_ps(args: argparse.Namespace) -> int:
    """Print the Python processes; exit 0 even when there are none."""
    from workbench.sampling.processes import list_python_processes

    processes = list_python_processes()
    if args.format == "json":
        print_json([_process_json(info) for info in processes])
        return 0
    if not processes:
        print("no Python processes found (start one, or use: workbench run -- python app.py)")
        return 0
    width = shutil.get_terminal_size((120, 24)).columns
    print(f"{'PID':>7} {'CPU%':>6} {'RSS':>9} {'THREADS':>7}  COMMAND")
    for info in processes:
        line = (
            f"{info.pid:>7} {info.cpu_percent:>6.1f} {_mebibytes(info.rss_bytes):>9} "
            f"{info.threads:>7}  {info.command}"
        )
        print(line if len(line) <= width else line[: width - 1] + "…")
    return 0


def _process_json(info: ProcessInfo) -> dict[str, object]:
    return {
        "pid": info.pid,
        "ppid": info.ppid,
        "name": info.name,
        "cmdline": info.cmdline,
        "cpu_percent": info.cpu_percent,
        "rss_bytes": info.rss_bytes,
        "threads": info.threads,
    }


def _mebibytes(size: int) -> str:
    return f"{size / 2**20:.1f} MiB"


# -- record -----------------------------------------------------------------
def run_record(args: argparse.Namespace) -> int:
    """A PID (all digits, alone) is sampled for ``--duration``; anything else is a command."""
    if args.pid is not None and args.pid.isdigit() and not args.command:
        if args.duration is None:
            raise SamplingError("record PID needs --duration SECONDS (e.g. --duration 5)")
        args.pid = int(args.pid)
        args.view = args.view or "cpu"
        return _record_pid(args)
    command = [args.pid, *args.command] if args.pid is not None else []
    if not command:
        raise SamplingError(
            "nothing to record; usage: workbench record PID --duration SECONDS, "
            "or workbench record -o FILE -- python app.py"
        )
    if args.duration is not None:
        raise SamplingError("--duration is for a PID; a command is recorded until it exits")
    return _record_command(command, args)


def _record_command(command: list[str], args: argparse.Namespace) -> int:
    """Run the command under the profiler; report the run; exit 2 when it failed."""
    from workbench.sampling.command import (
        Interrupted,
        command_view,
        current_revision,
        record_command,
    )

    fmt = _output_format(args.output, args.format)
    output = args.output or Path(_default_command_name(command[0], fmt))
    view = command_view(args.profiler, args.view)
    _note(f"running {shlex.join(command)} under {args.profiler} at {args.rate} Hz, {view} view")
    try:
        run = record_command(
            command,
            output,
            rate=args.rate,
            profiler=args.profiler,
            fmt=fmt,
            nonblocking=bool(args.nonblocking),
            git_revision=current_revision(Path.cwd()),
            stdout=None,
            view=view,
        )
    except Interrupted as stop:
        _report_run(stop.run, fmt, view)
        raise
    _report_run(run, fmt, view)
    if run.error:
        raise SamplingError(run.error)
    if not run.ok:
        tail = (
            f"; its stderr ends: {plain(run.stderr_tail.splitlines()[-1])}"
            if run.stderr_tail
            else ""
        )
        raise SamplingError(f"the command {run.failure}{tail}")
    if run.profile_path is None:
        raise SamplingError(f"no profile written: {run.profile_error}")
    return 0


def _report_run(run: CommandRun, fmt: str, view: str) -> None:
    """What was written and measured, one line on stdout (the profile) and notes on stderr."""
    if run.error:
        return
    figures = (
        f"wall {run.wall_seconds:.3f} s, CPU {run.cpu_seconds:.3f} s, "
        f"peak RSS {_mebibytes(run.peak_rss_bytes)}, exit status {run.exit_status}"
    )
    if run.profile_path is not None:
        print(
            f"wrote {run.profile_path} ({fmt}, {view} view, "
            f"{counted(run.samples, 'sample')}; {figures})"
        )
    else:
        _note(f"{figures}; {run.profile_error or 'no profile'}")
    if run.interrupted:
        _note("note: interrupted; what was sampled is kept")


def _default_command_name(program: str, fmt: str) -> str:
    import time

    name = re.sub(r"[^A-Za-z0-9_.-]", "_", Path(program).name) or "command"
    suffix = "txt" if fmt == "collapsed" else "speedscope.json"
    return f"profile-{name}-{time.strftime('%Y%m%d-%H%M%S')}.{suffix}"


def _record_pid(args: argparse.Namespace) -> int:
    """Sample for the duration in one py-spy run (no gaps) and write the profile."""
    # Imported here: the session pulls in the profile writers (numpy), which
    # building the parser for every `workbench` call should not pay for.
    from workbench.sampling.children import stop_signals
    from workbench.sampling.recording import Recording, check_output_path
    from workbench.sampling.session import default_snapshot_name

    fmt = _output_format(args.output, args.format)
    path = args.output or Path(default_snapshot_name(args.pid, fmt))
    check_output_path(path)
    recording = Recording(
        args.pid,
        args.duration,
        rate=args.rate,
        nonblocking=args.nonblocking,
        subprocesses=args.subprocesses,
        view=args.view,
    )
    # From here on a stop signal ends sampling early and the samples are written.
    with stop_signals():
        recording.start()
        _note(
            f"sampling PID {args.pid} at {args.rate} Hz for {args.duration} s, {args.view} "
            f"view ({recording.reason}); Ctrl-C stops early and keeps the samples"
        )
        recording.collect()
        profile = recording.profile()
        path = recording.save(path, fmt)
    if note := recording.note():
        _note(f"note: {note}")
    print(f"wrote {path} ({fmt}, {_contents(recording, profile)})")
    return 0


def _contents(recording: Recording, profile: Profile) -> str:
    """What the file holds, counted from the file's own profile (not rate x duration)."""
    assert recording.session is not None
    counted = "wall" if recording.view == "wall" else "samples"
    samples = recording.session.profile(counted, "total")
    parts = [
        f"{recording.view} view",
        f"{samples.total_weight:.0f} samples in {recording.total_samples} ticks",
    ]
    if recording.view == "cpu":
        parts.append(f"{profile.total_weight:.2f} s of CPU")
    parts.append(f"over {profile.meta.duration or 0.0:.1f} s")
    threads = len(profile.meta.threads)
    parts.append(f"{threads} thread{'s' if threads != 1 else ''}")
    return ", ".join(parts)


def _output_format(output: Path | None, chosen: str | None) -> SnapshotFormat:
    if chosen in ("speedscope", "collapsed"):
        return chosen  # type: ignore[return-value]
    if output is not None and output.suffix.lower() in _COLLAPSED_SUFFIXES:
        return "collapsed"
    return "speedscope"


def _note(text: str) -> None:
    print(f"workbench: {text}", file=sys.stderr, flush=True)


# -- attach / run / demo -------------------------------------------------------
def run_attach(args: argparse.Namespace) -> int:
    """Check the PID now (exit 2 on a bad one), then open the Live pane on it."""
    from workbench.cli.launch import open_app
    from workbench.sampling.processes import check_target

    check_target(args.pid)
    return open_app(_live_context(args, pid=args.pid))


def run_command(args: argparse.Namespace) -> int:
    """Check COMMAND can be started, then open the Live pane, which launches it."""
    from workbench.cli.launch import open_app

    command = list(args.command)
    if command and command[0] == "--":
        command = command[1:]
    if not command:
        raise SamplingError("no command given; usage: workbench run -- python app.py")
    if shutil.which(command[0]) is None:
        raise SamplingError(f"command not found or not executable: {command[0]}")
    return open_app(_live_context(args, command=command))


def _live_context(args: argparse.Namespace, **fields: Any) -> LaunchContext:
    """The Live pane with the sampling options ``attach``, ``run`` and ``demo`` share;
    ``fields`` name the target (a pid or a command) and anything else the pane gets."""
    shared = {
        "rate": args.rate,
        "nonblocking": args.nonblocking,
        "subprocesses": args.subprocesses,
        "view": args.view or "cpu",
        "refresh": args.refresh,
        "sampler": args.sampler,
        "repo": getattr(args, "repo", None),  # demo has its own repository
    }
    return LaunchContext(mode="live", **{**shared, **fields})


def run_demo(args: argparse.Namespace) -> int:
    """Open the Live pane on the bundled demo workload; the other panes get demo data.

    The demo repository and backlog go to a fresh temporary folder (see
    :mod:`workbench.demo`), so the user's own backlog is never touched. They are
    made once the first frame is painted (fifteen git runs and a profile diff
    would hold it for half a second): the Live pane launches the service, and
    the other panes open, when they are there.
    """
    import tempfile

    from workbench.cli.launch import open_app
    from workbench.context import Preparation
    from workbench.demo import bundled_workload, demo_layout, prepare_demo

    workload = bundled_workload()
    if not workload.is_file():
        raise SamplingError(f"demo workload missing: {workload}; reinstall the package")
    with tempfile.TemporaryDirectory(prefix="workbench-demo-") as folder:
        root = Path(folder)
        demo = demo_layout(root)
        preparation = Preparation(lambda: prepare_demo(root), "the demo's repository and backlog")
        try:
            return open_app(
                _live_context(
                    args,
                    demo=True,
                    command=[sys.executable, str(demo.service)],
                    base=demo.base,
                    branch=demo.branch,
                    db=demo.db,
                    repo=demo.repo,
                    cycles=demo.cycles,
                    function="workload.py:validate_rows" if demo.repo else None,
                    preparation=preparation,
                )
            )
        finally:
            preparation.join()  # its files go with the folder: never while they are written

"""Errors a user can cause, each with a message that says what to do.

The CLI prints ``str(error)`` on one line and exits with ``error.exit_code``;
the app shows ``error.in_app()``: the same problem, with the app's way out
when the command line's names a flag. Anything else is a bug and
keeps its traceback.
"""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of every expected failure: bad input, missing tool, locked store.

    ``str(error)`` is the command line's line (its fix may name a flag or a
    subcommand); ``in_app`` is the same problem with the fix the app offers,
    for messages whose fix differs there ("pass --repo" is "choose the
    repository" in the app).
    """

    exit_code: int = 2

    def __init__(self, message: str, *, in_app: str | None = None) -> None:
        super().__init__(message)
        self._in_app = in_app

    def in_app(self) -> str:
        """The line the app shows: what is wrong, and what to do in the app."""
        return self._in_app or str(self)


class ProfileFormatError(WorkbenchError):
    """A profile file is empty, truncated, binary or in a format we do not read."""


class SamplingError(WorkbenchError):
    """Attaching to or sampling a process failed (gone, not Python, no ptrace)."""


class HistoryError(WorkbenchError):
    """A git question cannot be answered (not a repo, unknown rev, no such function)."""


class StoreError(WorkbenchError):
    """The backlog database cannot be used (locked, read-only, corrupt, newer schema)."""


class StaleEditError(StoreError):
    """Someone else changed the item since it was read; the edit was refused."""


class ConfigError(WorkbenchError):
    """A ``[tool.workbench]`` table or a waivers file is malformed."""


class OutputError(WorkbenchError):
    """An output file cannot be written (a folder, a block device, a full disk); nothing changed."""


class MeasurementError(WorkbenchError):
    """Measurements cannot be judged: none, non-finite, negative or absurd values."""


class BenchFormatError(WorkbenchError):
    """A benchmark result file is empty, truncated, or in a format we do not read."""


class SloError(WorkbenchError):
    """An SLO file is malformed, or an SLO names an SLI the results do not have."""


class LoadTestError(WorkbenchError):
    """A load test cannot run (bad URL, refused connection, locust failed) or was stopped."""


class ResultsFormatError(WorkbenchError):
    """A load-test results file (locust CSV, k6 JSON, wrk text) is missing or malformed."""


class CycleError(WorkbenchError):
    """An optimisation cycle is unknown, incomplete for the step asked, or its files are bad."""


class CaptureError(WorkbenchError):
    """A capture or bisect cannot go on: bad revision, failed git, full disk."""


class ScalingError(WorkbenchError):
    """Runs at several input sizes cannot give a fit: no ``{n}``, too few sizes, a failed run."""

"""What a recorded run adds to a profile: absolute time and how the run went.

``workbench record -- CMD`` and ``workbench capture`` know more than the
profiler does: the run's wall and CPU seconds (from the operating system, not
from samples), its exit status, peak RSS, the exact argv, the Python version
and the profiler used. These travel with the profile (the writers put them
beside the other metadata, see :mod:`workbench.profiles.writers`) so that a
diff of two such profiles can speak in seconds, not only in shares.

A file is untrusted: a saved figure that is not a finite, non-negative,
plausible number is refused when the file is read (exit 2), never carried
into a verdict.
"""

from __future__ import annotations

import math
from typing import Any

from workbench.errors import ProfileFormatError
from workbench.profiles.model import ProfileMeta

#: Longer than this (a year) is not a run we measured: the file is corrupt or made up.
MAX_SECONDS = 366 * 24 * 3600.0
#: More than this (1 PiB) is not a resident set size of this world.
MAX_RSS_BYTES = 2**50

#: ``ProfileMeta`` fields a recorded run fills, in the order files list them.
RUN_FIELDS = (
    "profiler",
    "wall_seconds",
    "cpu_seconds",
    "exit_status",
    "peak_rss_bytes",
    "argv",
    "python_version",
)


def run_meta_json(meta: ProfileMeta) -> dict[str, Any]:
    """The run fields of ``meta`` that are set, for a writer to save."""
    return {key: getattr(meta, key) for key in RUN_FIELDS if getattr(meta, key) is not None}


def restore_run_meta(meta: ProfileMeta, saved: dict[str, Any], source: str) -> None:
    """Fill ``meta``'s run fields from what a writer saved, checking every value."""
    for key in RUN_FIELDS:
        value = saved.get(key)
        if value is not None:
            setattr(meta, key, _checked(key, value, source))


def _checked(key: str, value: Any, source: str) -> Any:
    if key in ("wall_seconds", "cpu_seconds"):
        return _number(key, value, source, MAX_SECONDS, f"{MAX_SECONDS:.0f} s")
    if key == "peak_rss_bytes":
        return int(_number(key, value, source, MAX_RSS_BYTES, "1 PiB"))
    if key == "exit_status":
        if isinstance(value, bool) or not isinstance(value, int):
            raise ProfileFormatError(f"{source}: exit_status must be an integer, not {value!r}")
        return value
    if key == "argv":
        if not isinstance(value, list) or not all(isinstance(part, str) for part in value):
            raise ProfileFormatError(f"{source}: argv must be a list of strings")
        return list(value)
    if not isinstance(value, str):
        raise ProfileFormatError(f"{source}: {key} must be a string, not {value!r}")
    return value


def _number(key: str, value: Any, source: str, limit: float, limit_text: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ProfileFormatError(f"{source}: {key} must be a number, not {value!r}")
    number = float(value)
    if not math.isfinite(number) or number < 0 or number > limit:
        raise ProfileFormatError(
            f"{source}: {key} = {value!r} is not a plausible measurement (finite, 0 to "
            f"{limit_text}); the file is corrupt or was edited: capture it again"
        )
    return number

"""pprof: gzipped ``profile.proto`` (Go's ``runtime/pprof``, ``go tool pprof``, Pyroscope, Parca).

The schema (github.com/google/pprof, ``proto/profile.proto``), the parts read:

* ``sample_type`` names each value column (``samples/count``,
  ``cpu/nanoseconds``...); the column read is ``default_sample_type`` when set,
  else the last, as ``go tool pprof`` does. Time units become seconds, other
  units (counts, bytes) stay as they are, counted as samples. A profile with
  a time ``period`` (Go's CPU profiles: 10 ms) and a ``count`` column is read
  as samples at that rate: the same times, and shares of samples as py-spy's.
* a sample's ``location_id`` list is **leaf first**; a location's ``line``
  list is **innermost first** (inlined calls before their caller): both are
  reversed into our root-first stacks. A location without lines (not
  symbolized) is its address.
* a sample label ``thread`` or ``thread_name`` names its thread (our writer
  sets ``thread``).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from workbench.documents import gunzip
from workbench.errors import ProfileFormatError
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.protobuf import WireError, decode, packed, signed
from workbench.profiles.readers.values import ValueProblem, reading

#: Unit names pprof uses for time, and their factor to seconds.
TIME_UNITS = {"nanoseconds": 1e-9, "microseconds": 1e-6, "milliseconds": 1e-3, "seconds": 1.0}
#: A gzip member decompressing past this is refused (a "zip bomb" must not exhaust memory).
MAX_UNCOMPRESSED = 1 << 30
_THREAD_LABELS = ("thread", "thread_name")

# Field numbers of profile.proto.
_SAMPLE_TYPE, _SAMPLE, _LOCATION, _FUNCTION, _STRINGS = 1, 2, 4, 5, 6
_TIME_NANOS, _DURATION_NANOS, _PERIOD_TYPE, _PERIOD, _DEFAULT_TYPE = 9, 10, 11, 12, 14


def is_pprof(head: bytes) -> bool:
    """Whether a file starting with ``head`` may be a gzipped pprof profile (gzip magic)."""
    return head.startswith(b"\x1f\x8b")


def read_pprof(data: bytes, source: str) -> Profile:
    """A profile from the bytes of a gzipped (or plain) ``profile.proto`` message."""
    with reading(source, "pprof profile"):
        try:
            message = (
                gunzip(data, source, ProfileFormatError, MAX_UNCOMPRESSED)
                if is_pprof(data)
                else data
            )
            return _read(decode(message))
        except WireError as error:
            raise ProfileFormatError(f"{source}: not a pprof profile ({error})") from None


def _read(fields: dict[int, list[Any]]) -> Profile:
    strings = [value.decode("utf-8", errors="replace") for value in fields[_STRINGS]]

    def string(index: int) -> str:
        if not 0 <= index < len(strings):
            raise ValueProblem(f"string index {index} is outside the string table")
        return strings[index]

    types = [_value_type(decode(value), string) for value in fields[_SAMPLE_TYPE]]
    if not types:
        raise ValueProblem("the profile has no sample_type: nothing says what a value is")
    column = len(types) - 1
    default = fields[_DEFAULT_TYPE][-1] if fields[_DEFAULT_TYPE] else 0
    if default:
        column = next((i for i, (kind, _) in enumerate(types) if kind == string(default)), column)
    counts = [i for i, (_, unit) in enumerate(types) if unit == "count"]
    if types[column][1] in TIME_UNITS and counts and _period_seconds(fields, string):
        column = counts[0]  # samples at a known period: the same times, and a rate to show
    kind, unit = types[column]
    factor = TIME_UNITS.get(unit)
    meta = ProfileMeta(format="pprof", unit="seconds" if factor else "samples", name=kind)
    factor = factor or 1.0
    _fill_meta(meta, fields, string)
    profile = Profile(meta)
    functions = {
        function[1][0]: function for function in (decode(value) for value in fields[_FUNCTION])
    }
    locations = {
        location[1][0]: _location_frames(profile, location, functions, string)
        for location in (decode(value) for value in fields[_LOCATION])
    }
    totals: Counter[tuple[tuple[int, ...], int]] = Counter()
    for number, value in enumerate(fields[_SAMPLE]):
        sample = decode(value)
        values = [signed(item) for item in packed(sample[2])]
        if len(values) != len(types):
            raise ValueProblem(f"sample {number} has {len(values)} values for {len(types)} types")
        if values[column] < 0:
            raise ValueProblem(f"sample {number} has the negative value {values[column]}")
        stack: list[int] = []
        for location_id in reversed(packed(sample[1])):
            frames = locations.get(location_id)
            if frames is None:
                raise ValueProblem(f"sample {number} refers to missing location {location_id}")
            stack.extend(frames)
        totals[(tuple(stack), _thread(profile, sample[3], string))] += values[column]
    for (stack, thread), total in totals.items():
        if total and stack:
            profile.add_stack(stack, total * factor, thread)
    if not len(profile):
        raise ValueProblem(f"the profile holds no samples of {kind}/{unit}")
    return profile


def _value_type(fields: dict[int, list[Any]], string: Any) -> tuple[str, str]:
    return string(fields[1][0] if fields[1] else 0), string(fields[2][0] if fields[2] else 0)


def _period_seconds(fields: dict[int, list[Any]], string: Any) -> float | None:
    """Seconds between samples when ``period_type`` is a time (CPU profiles: 10 ms)."""
    period = signed(fields[_PERIOD][-1]) if fields[_PERIOD] else 0
    if not fields[_PERIOD_TYPE] or period <= 0:
        return None
    _, unit = _value_type(decode(fields[_PERIOD_TYPE][-1]), string)
    return period * TIME_UNITS[unit] if unit in TIME_UNITS else None


def _fill_meta(meta: ProfileMeta, fields: dict[int, list[Any]], string: Any) -> None:
    """Rate (count profiles with a time period), duration and capture time."""
    period = _period_seconds(fields, string)
    if period and meta.unit == "samples":
        meta.rate = 1.0 / period
    if fields[_DURATION_NANOS]:
        meta.duration = max(0, signed(fields[_DURATION_NANOS][-1])) * 1e-9
    if fields[_TIME_NANOS]:
        seconds = signed(fields[_TIME_NANOS][-1]) / 1e9
        try:
            at = dt.datetime.fromtimestamp(seconds, dt.UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueProblem(f"time_nanos {seconds!r} s is not a time") from None
        meta.captured_at = at.isoformat(timespec="seconds")


def _location_frames(
    profile: Profile,
    location: dict[int, list[Any]],
    functions: dict[int, dict[int, list[Any]]],
    string: Any,
) -> list[int]:
    """Frame ids of one location, root first (its lines list the innermost inlined call first)."""
    frames = []
    for line_bytes in reversed(location[4]):
        line = decode(line_bytes)
        function_id = line[1][0] if line[1] else 0
        function = functions.get(function_id)
        if function is None:
            where = f"location {location[1][0]}"
            raise ValueProblem(f"{where} refers to missing function {function_id}")
        name = string(function[2][0] if function[2] else 0) or "?"
        path = string(function[4][0] if function[4] else 0)
        number = signed(line[2][0]) if line[2] else 0
        frames.append(profile.intern(Frame(name, path, number if number > 0 else None)))
    if not frames:  # not symbolized: the address is all there is
        address = location[3][0] if location[3] else 0
        frames.append(profile.intern(Frame(f"0x{address:x}")))
    return frames


def _thread(profile: Profile, labels: list[bytes], string: Any) -> int:
    for label_bytes in labels:
        label = decode(label_bytes)
        key = string(label[1][0] if label[1] else 0)
        if key in _THREAD_LABELS and label[2]:
            return profile.thread_index(string(label[2][0]))
    return -1

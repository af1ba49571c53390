"""Write a profile as pprof (gzipped ``profile.proto``), for ``go tool pprof``, Pyroscope, Parca.

One sample per distinct (thread, stack), leaf first as the schema wants;
one function per (name, file) and one location per (function, line). Value
columns: ``samples/count`` for profiles in samples, plus ``cpu/nanoseconds``
(the default column) when the sampling rate is known; ``wall/nanoseconds``
for profiles in seconds. Threads travel as a ``thread`` label on each sample,
which :mod:`~workbench.profiles.readers.pprof` reads back.
"""

from __future__ import annotations

import gzip
from collections import defaultdict
from pathlib import Path

from workbench.files import output_file
from workbench.profiles.model import Profile
from workbench.profiles.protobuf import field_bytes, field_packed, field_varint

#: Nanoseconds per second: pprof times are integers of nanoseconds.
NANOSECONDS = 1_000_000_000


class _Strings:
    """pprof's string table: index 0 is always the empty string."""

    def __init__(self) -> None:
        self.table: dict[str, int] = {"": 0}

    def __call__(self, text: str) -> int:
        return self.table.setdefault(text, len(self.table))


def write_pprof(profile: Profile, path: Path) -> None:
    """Write ``profile`` to ``path`` as gzipped pprof."""
    with output_file(path, binary=True) as out:
        out.write(gzip.compress(pprof_bytes(profile), mtime=0))


def pprof_bytes(profile: Profile) -> bytes:
    """The uncompressed ``profile.proto`` message of ``profile``."""
    meta = profile.meta
    strings = _Strings()
    if meta.unit == "seconds":
        columns = [("wall", "nanoseconds")]
    elif meta.rate:
        columns = [("samples", "count"), ("cpu", "nanoseconds")]
    else:
        columns = [("samples", "count")]
    message = [
        field_bytes(1, field_varint(1, strings(kind)) + field_varint(2, strings(unit)))
        for kind, unit in columns
    ]
    merged: defaultdict[tuple[int, tuple[int, ...]], float] = defaultdict(float)
    for stack, weight, thread in profile.stacks():
        merged[(thread, stack)] += weight
    thread_key = strings("thread")
    for (thread, stack), weight in merged.items():
        values = _values(weight, meta.unit, meta.rate)
        sample = field_packed(1, [frame_id + 1 for frame_id in reversed(stack)])
        sample += field_packed(2, values)
        if thread >= 0:
            label = field_varint(1, thread_key) + field_varint(2, strings(meta.threads[thread]))
            sample += field_bytes(3, label)
        message.append(field_bytes(2, sample))
    functions: dict[tuple[str, str], int] = {}
    for frame_id, frame in enumerate(profile.frames):
        function_id = functions.setdefault((frame.function, frame.file), len(functions) + 1)
        line = field_varint(1, function_id) + field_varint(2, frame.line or 0)
        message.append(field_bytes(4, field_varint(1, frame_id + 1) + field_bytes(4, line)))
    for (name, file), function_id in functions.items():
        message.append(
            field_bytes(
                5,
                field_varint(1, function_id)
                + field_varint(2, strings(name))
                + field_varint(3, strings(name))
                + field_varint(4, strings(file)),
            )
        )
    if meta.rate and meta.unit == "samples":
        period_type = field_varint(1, strings("cpu")) + field_varint(2, strings("nanoseconds"))
        message.append(field_bytes(11, period_type))
        message.append(field_varint(12, round(NANOSECONDS / meta.rate)))
    if meta.duration:
        message.append(field_varint(10, round(meta.duration * NANOSECONDS)))
    # The string table last: every string above is in it by now (fields may come in any order).
    message.extend(field_bytes(6, text.encode("utf-8", errors="replace")) for text in strings.table)
    return b"".join(message)


def _values(weight: float, unit: str, rate: float | None) -> list[int]:
    if unit == "seconds":
        return [round(weight * NANOSECONDS)]
    count = round(weight)
    return [count, round(count * NANOSECONDS / rate)] if rate else [count]

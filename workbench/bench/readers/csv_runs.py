"""A plain CSV of runs: a ``name,<unit>`` header, then one ``name,value`` line per run.

The header's second field is the unit of every value: a time (``s``,
``seconds``, ``ms``, ``us``/``µs``, ``ns``…), ``bytes`` or ``count``. A name
on several lines is several runs of one benchmark. Blank lines and lines
starting with ``#`` are skipped. Higher-is-better units (ops/s) are refused:
the gate reads a larger value as a slowdown.
"""

from __future__ import annotations

import re

from workbench.bench.results import BenchFile
from workbench.documents import csv_rows
from workbench.errors import BenchFormatError
from workbench.output import plain

#: Unit spelling → (kind, factor to the kind's base unit).
UNITS: dict[str, tuple[str, float]] = {
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), ("second", 1.0)),
    **dict.fromkeys(("ms", "msec", "millisecond", "milliseconds"), ("second", 1e-3)),
    **dict.fromkeys(("us", "µs", "μs", "usec", "microsecond", "microseconds"), ("second", 1e-6)),
    **dict.fromkeys(("ns", "nsec", "nanosecond", "nanoseconds"), ("second", 1e-9)),
    **dict.fromkeys(("b", "byte", "bytes"), ("byte", 1.0)),
    **dict.fromkeys(("count", "counts", "integer"), ("count", 1.0)),
}
_HEADER = re.compile(r"\s*name\s*,", re.IGNORECASE)


def looks_like_csv(text: str) -> bool:
    """The first line that is not a comment starts with ``name,``."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            return bool(_HEADER.match(line))
    return False


def read_csv_runs(text: str, path: str) -> BenchFile:
    bench = BenchFile(path=path, format="csv")
    rows = (
        (number, row)
        for number, row in csv_rows(text, path, BenchFormatError)
        if row and "".join(row).strip() and not row[0].lstrip().startswith("#")
    )
    header_line, header = next(rows)
    kind, factor = _unit(header, header_line, path)
    for number, row in rows:
        if len(row) != 2:
            raise BenchFormatError(
                f"{path}: line {number}: expected 'name,value', got {len(row)} fields "
                "(a truncated file?)"
            )
        name, value = row[0].strip(), row[1].strip()
        try:
            number_value = float(value)
        except ValueError:
            raise BenchFormatError(
                f"{path}: line {number}: {plain(value)!r} is not a number"
            ) from None
        bench.add(name, kind, [number_value * factor])
    return bench


def _unit(header: list[str], line: int, path: str) -> tuple[str, float]:
    spelled = header[1].strip() if len(header) == 2 else ""
    known = UNITS.get(spelled.lower())
    if known is None:
        raise BenchFormatError(
            f"{path}: line {line}: the header must be 'name,<unit>' with a unit we read "
            f"(s, ms, us, ns, bytes, count), not {plain(','.join(header))!r}; "
            "higher-is-better units such as ops/s cannot be gated"
        )
    return known

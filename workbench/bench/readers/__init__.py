"""Read a benchmark results file, whichever supported format its content is.

The format is sniffed from the content, never the name: pytest-benchmark's
``--benchmark-json`` document (``benchmarks[].stats``), pyperf's ``-o`` file
(``benchmarks[].runs``, gzip-compressed or not), or a CSV whose header is
``name,<unit>`` and whose lines are one run each. Anything else — missing,
empty, binary, truncated, some other JSON — is one :class:`BenchFormatError`
line naming the file and what we read.
"""

from __future__ import annotations

from pathlib import Path

from workbench.bench.readers.csv_runs import looks_like_csv, read_csv_runs
from workbench.bench.readers.pyperf import is_pyperf, read_pyperf
from workbench.bench.readers.pytest_benchmark import is_pytest_benchmark, read_pytest_benchmark
from workbench.bench.results import BenchFile
from workbench.documents import gunzip, parse_json, read_bytes
from workbench.errors import BenchFormatError
from workbench.output import plain

UNDERSTOOD = (
    "we read pytest-benchmark --benchmark-json files, pyperf -o files and CSV "
    "('name,<unit>' header, one run a line)"
)
_GZIP_MAGIC = b"\x1f\x8b"


def read_bench_file(path: str | Path) -> BenchFile:
    """Every benchmark in the results file at ``path``."""
    path = Path(path)
    text = _text(path)
    stripped = text.lstrip()
    if not stripped:
        raise BenchFormatError(f"{path}: the file is empty; {UNDERSTOOD}")
    if stripped.startswith("{"):
        document = parse_json(text, path, BenchFormatError, "benchmark results file")
        if is_pytest_benchmark(document):
            bench = read_pytest_benchmark(document, str(path))
        elif is_pyperf(document):
            bench = read_pyperf(document, str(path))
        else:
            raise BenchFormatError(f"{path}: JSON, but not benchmark results; {UNDERSTOOD}")
    elif looks_like_csv(stripped):
        bench = read_csv_runs(text, str(path))
    else:
        raise BenchFormatError(f"{path}: not benchmark results in a known format; {UNDERSTOOD}")
    if not bench.results:
        raise BenchFormatError(f"{path}: holds no benchmark runs; run the benchmarks again")
    return bench


def _text(path: Path) -> str:
    """The file as text: gunzipped when it is gzip (pyperf writes ``.json.gz``)."""
    raw = read_bytes(path, BenchFormatError, what="benchmark results file")
    if raw.startswith(_GZIP_MAGIC):
        raw = gunzip(raw, path, BenchFormatError)
    if b"\x00" in raw:
        raise BenchFormatError(f"{plain(path)}: binary content; {UNDERSTOOD}")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise BenchFormatError(f"{plain(path)}: not UTF-8 text; {UNDERSTOOD}") from None

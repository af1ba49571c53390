"""Load-test results from files, the format sniffed from the content.

A folder or a ``--csv`` prefix (or one of its files) is locust; a JSON
document is one of ours (a stored run) or k6's summary; text with wrk's
``requests in`` and ``Requests/sec:`` lines is wrk. Anything else is one
:class:`~workbench.errors.ResultsFormatError` line naming the file.
"""

from __future__ import annotations

import json
from pathlib import Path

from workbench.cycle.readers.k6 import looks_like_k6, read_k6_summary
from workbench.cycle.readers.locust_csv import csv_prefix, read_locust_csv
from workbench.cycle.readers.wrk import looks_like_wrk, read_wrk_text
from workbench.cycle.results import LoadResult
from workbench.errors import ResultsFormatError

__all__ = ["read_results"]

#: Results files are summaries: anything larger is not one of them.
MAX_BYTES = 64 * 2**20


def read_results(path: Path, *, profile: str | None = None) -> LoadResult:
    """The load-test result at ``path`` (see the module doc for what is recognised)."""
    prefix = csv_prefix(path)
    if prefix is not None:
        return read_locust_csv(prefix, profile=profile)
    if path.is_dir():
        raise ResultsFormatError(
            f"{path}: a folder without exactly one locust *_stats.csv; pass the CSV prefix"
        )
    text = _read_text(path)
    if text.lstrip().startswith(("{", "[")):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            raise ResultsFormatError(f"{path}: malformed JSON ({error})") from None
        if isinstance(document, dict) and "schema" in document:
            result = LoadResult.from_json(document, str(path))
            result.profile = profile or result.profile
            return result
        if looks_like_k6(document):
            return read_k6_summary(document, str(path), profile=profile)
        raise ResultsFormatError(
            f"{path}: JSON without k6's 'metrics'; pass a k6 --summary-export file"
        )
    if looks_like_wrk(text):
        return read_wrk_text(text, str(path), profile=profile)
    raise ResultsFormatError(
        f"{path}: not a locust --csv file, a k6 --summary-export JSON or wrk's output"
    )


def _read_text(path: Path) -> str:
    if path.exists() and not path.is_file():
        raise ResultsFormatError(f"{path} is not a regular file (a device or FIFO?)")
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ResultsFormatError(f"{path} does not exist") from None
    except OSError as error:
        raise ResultsFormatError(f"cannot read {path}: {error.strerror or error}") from None
    if len(data) > MAX_BYTES:
        raise ResultsFormatError(f"{path} is larger than a results summary ({MAX_BYTES >> 20} MiB)")
    if not data.strip():
        raise ResultsFormatError(f"{path} is empty")
    if b"\0" in data:
        raise ResultsFormatError(f"{path} is binary, not a results file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ResultsFormatError(f"{path} is not UTF-8 text") from None

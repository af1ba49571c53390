"""Load-test results from files, the format sniffed from the content.

A folder or a ``--csv`` prefix (or one of its files) is locust; a JSON
document is one of ours (a stored run) or k6's summary; text with wrk's
``requests in`` and ``Requests/sec:`` lines is wrk. Anything else is one
:class:`~workbench.errors.ResultsFormatError` line naming the file.
"""

from __future__ import annotations

from pathlib import Path

from workbench.cycle.readers.k6 import looks_like_k6, read_k6_summary
from workbench.cycle.readers.locust_csv import csv_prefix, read_locust_csv
from workbench.cycle.readers.wrk import looks_like_wrk, read_wrk_text
from workbench.cycle.results import LoadResult
from workbench.documents import parse_json, read_text
from workbench.errors import ResultsFormatError
from workbench.output import plain

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
    text = read_text(path, ResultsFormatError, what="results file", limit=MAX_BYTES)
    if not text.strip():
        raise ResultsFormatError(f"{plain(path)} is empty")
    if text.lstrip().startswith(("{", "[")):
        document = parse_json(text, path, ResultsFormatError, "results file")
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

"""pytest-benchmark's ``--benchmark-json`` document.

Each benchmark's runs are ``stats.data``: the time of one iteration in each
round, in seconds (pytest-benchmark divides a round by its iterations). The
file written by ``--benchmark-json`` always has them; files saved with
``--benchmark-save``/``--benchmark-autosave`` have them only with
``--benchmark-save-data``, and without them there is nothing to test.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.bench.results import BenchFile
from workbench.errors import BenchFormatError
from workbench.output import plain


def is_pytest_benchmark(document: Any) -> bool:
    """A JSON object with pytest-benchmark's ``machine_info`` or per-benchmark ``stats``."""
    if not isinstance(document, dict) or not isinstance(document.get("benchmarks"), list):
        return False
    benchmarks = document["benchmarks"]
    if benchmarks:
        return all(isinstance(item, dict) and "stats" in item for item in benchmarks)
    return "machine_info" in document


def read_pytest_benchmark(document: dict[str, Any], path: str) -> BenchFile:
    bench = BenchFile(path=path, format="pytest-benchmark", context=_context(document))
    for index, item in enumerate(document["benchmarks"]):
        name = item.get("fullname") or item.get("name")
        if not isinstance(name, str) or not name:
            raise BenchFormatError(f"{path}: benchmarks[{index}] has no name")
        stats = item["stats"]
        data = stats.get("data") if isinstance(stats, dict) else None
        if data is None:
            raise BenchFormatError(
                f"{path}: benchmark {plain(name)!r} has no per-round times (stats.data); "
                "write the file with --benchmark-json, or save with --benchmark-save-data"
            )
        if not isinstance(data, list):
            raise BenchFormatError(f"{path}: benchmark {plain(name)!r}: stats.data is not a list")
        bench.add(name, "second", data)
    return bench


def _context(document: dict[str, Any]) -> list[str]:
    context = [f"pytest-benchmark {document.get('version', '?')}"]
    machine = document.get("machine_info")
    if isinstance(machine, dict) and machine.get("python_version"):
        implementation = machine.get("python_implementation", "Python")
        context.append(f"{implementation} {machine['python_version']}")
    commit = document.get("commit_info")
    if isinstance(commit, dict) and re.fullmatch(r"[0-9a-f]{7,64}", str(commit.get("id"))):
        dirty = " (dirty)" if commit.get("dirty") else ""
        context.append(f"commit {commit['id'][:12]}{dirty}")
    return context

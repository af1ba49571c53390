"""pyperf's JSON (``pyperf timeit … -o FILE``, ``Runner`` scripts with ``-o``).

A file holds ``benchmarks``, each with ``runs`` (one per worker process);
a run has ``warmups`` — ``[loops, value]`` pairs, left out because they are
measured before the timings settle — and ``values``, each the time of one
loop iteration in the benchmark's unit. Calibration runs have warmups only.
The name and unit are in the benchmark's ``metadata``, else in the file's
common ``metadata`` (a file of one benchmark keeps them there).
"""

from __future__ import annotations

from typing import Any

from workbench.bench.results import BenchFile
from workbench.errors import BenchFormatError

#: pyperf's units and ours.
_UNITS = {"second": "second", "byte": "byte", "integer": "count"}


def is_pyperf(document: Any) -> bool:
    """A JSON object with a ``version`` and ``benchmarks`` made of ``runs``."""
    return (
        isinstance(document, dict)
        and "version" in document
        and isinstance(document.get("benchmarks"), list)
        and all(isinstance(item, dict) and "runs" in item for item in document["benchmarks"])
    )


def read_pyperf(document: dict[str, Any], path: str) -> BenchFile:
    common = _dict(document.get("metadata"), f"{path}: metadata")
    bench = BenchFile(path=path, format="pyperf", context=_context(common))
    for index, item in enumerate(document["benchmarks"]):
        where = f"{path}: benchmarks[{index}]"
        metadata = {**common, **_dict(item.get("metadata"), f"{where}.metadata")}
        name = metadata.get("name")
        if not isinstance(name, str) or not name:
            raise BenchFormatError(f"{where} has no name in its metadata")
        unit = _UNITS.get(metadata.get("unit", "second"))
        if unit is None:
            raise BenchFormatError(f"{where}: unknown unit {metadata.get('unit')!r}")
        runs = item["runs"]
        if not isinstance(runs, list):
            raise BenchFormatError(f"{where}.runs is not a list")
        for number, run in enumerate(runs):
            values = _dict(run, f"{where}.runs[{number}]").get("values", [])
            if not isinstance(values, list):
                raise BenchFormatError(f"{where}.runs[{number}].values is not a list")
            bench.add(name, unit, values)
    return bench


def _dict(value: Any, where: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise BenchFormatError(f"{where} is not an object")
    return value


def _context(common: dict[str, Any]) -> list[str]:
    context = [f"pyperf {common.get('perf_version', '?')}"]
    version = common.get("python_version")
    if version:
        context.append(f"{common.get('python_implementation', 'python')} {version}")
    return context

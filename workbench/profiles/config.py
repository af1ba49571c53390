"""Gate thresholds and waivers from the profiled project, a waivers file and flags.

Precedence: flags override ``[tool.workbench]`` of the profiled project's
``pyproject.toml``, which overrides the defaults. Waivers are merged from all
three (pyproject, then the waivers file, then ``--waive``; later wins for the
same function). The pyproject table may hold keys of other workbench areas,
so unknown keys are ignored; a known key with a wrong type is an error::

    [tool.workbench]
    new-hotspot-pct = 5          # or new_hotspot_pct
    max-self-growth-pct = 2
    noise-pct = 0.5
    waivers-file = "perf-waivers.toml"   # relative to the pyproject

    [tool.workbench.waivers]
    "pkg/cache.py:warm" = "pre-warming moved here on purpose (PERF-12)"

A waivers file is TOML (``function = "reason"`` pairs, top level or under
``[waivers]``) or plain lines ``function = reason`` (``#`` comments allowed).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from workbench.documents import FieldProblem, number, parse_toml, read_text, read_toml
from workbench.errors import ConfigError
from workbench.output import plain
from workbench.profiles.gates import GateConfig

_NUMBERS = ("new_hotspot_pct", "max_self_growth_pct", "noise_pct")


def find_pyproject(start: Path) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``."""
    start = start.resolve()
    for folder in (start, *start.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            return candidate
    return None


def load_gate_config(
    project_dir: Path | None,
    *,
    new_hotspot_pct: float | None = None,
    max_self_growth_pct: float | None = None,
    noise_pct: float | None = None,
    waivers_file: Path | None = None,
    waivers: Mapping[str, str] | None = None,
) -> GateConfig:
    """The effective :class:`GateConfig` (see the module doc for precedence).

    ``project_dir`` None means the current directory; keyword arguments are
    the flags, None where not given.
    """
    if project_dir is not None and not project_dir.is_dir():
        raise ConfigError(f"project folder {plain(project_dir)} does not exist or is not a folder")
    config = GateConfig()
    pyproject = find_pyproject(project_dir or Path.cwd())
    if pyproject is not None:
        table = _workbench_table(pyproject)
        for name, value in _normalised(table).items():
            if name in _NUMBERS:
                setattr(config, name, _number(value, name, pyproject))
            elif name == "waivers":
                config.waivers.update(_waiver_table(value, f"{pyproject} [tool.workbench.waivers]"))
            elif name == "waivers_file":
                if not isinstance(value, str):
                    raise ConfigError(f"{plain(pyproject)}: waivers-file must be a string path")
                config.waivers.update(read_waivers(pyproject.parent / value))
    for name, value in (
        ("new_hotspot_pct", new_hotspot_pct),
        ("max_self_growth_pct", max_self_growth_pct),
        ("noise_pct", noise_pct),
    ):
        if value is not None:
            setattr(config, name, value)
    if waivers_file is not None:
        config.waivers.update(read_waivers(waivers_file))
    config.waivers.update(waivers or {})
    return config


def project_table(project_dir: Path | None) -> tuple[dict[str, Any], Path | None]:
    """The ``[tool.workbench]`` table of the nearest pyproject (``-`` in keys made ``_``).

    For other areas' settings (time gates, benchmarks): ``({}, None)`` when
    there is no pyproject; :class:`ConfigError` when it is malformed.
    """
    if project_dir is not None and not project_dir.is_dir():
        raise ConfigError(f"project folder {plain(project_dir)} does not exist or is not a folder")
    pyproject = find_pyproject(project_dir or Path.cwd())
    if pyproject is None:
        return {}, None
    return _normalised(_workbench_table(pyproject)), pyproject


def read_waivers(path: Path) -> dict[str, str]:
    """Waivers from a TOML file or from ``function = reason`` lines."""
    text = read_text(path, ConfigError, what="waivers file")
    try:
        data = parse_toml(text, path, ConfigError)
    except ConfigError:
        return _waiver_lines(text, path)
    table = data.get("waivers", data)
    return _waiver_table(table, str(path))


def parse_waiver(text: str) -> tuple[str, str]:
    """``FUNCTION=REASON`` from ``--waive``; the reason is required (that is the point)."""
    function, sep, reason = text.partition("=")
    function, reason = function.strip(), reason.strip()
    if not sep or not function or not reason:
        raise ConfigError(
            f"--waive {text!r}: expected FUNCTION=REASON, e.g. --waive 'pkg/a.py:f=cache warm-up'"
        )
    return function, reason


def _workbench_table(pyproject: Path) -> dict[str, Any]:
    data = read_toml(pyproject, ConfigError, what="pyproject.toml")
    tool = data.get("tool", {})
    table = tool.get("workbench", {}) if isinstance(tool, dict) else None
    if not isinstance(table, dict):
        raise ConfigError(f"{plain(pyproject)}: [tool.workbench] must be a table")
    return table


def _normalised(table: dict[str, Any]) -> dict[str, Any]:
    return {name.replace("-", "_"): value for name, value in table.items()}


def _number(value: Any, name: str, source: Path) -> float:
    """A threshold in percent or points: 0 to 100, like the flags that override it (an
    infinite or NaN threshold would turn the gate off and pass everything)."""
    try:
        return number(value, f"[tool.workbench] {name.replace('_', '-')}", high=100)
    except FieldProblem as problem:
        raise ConfigError(f"{plain(source)}: {problem}") from None


def _waiver_table(table: Any, source: str) -> dict[str, str]:
    if not isinstance(table, dict):
        raise ConfigError(f'{plain(source)}: waivers must be a table of function = "reason"')
    waivers = {}
    for function, reason in table.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(
                f"{plain(source)}: waiver for {plain(repr(function))} needs a non-empty reason"
            )
        waivers[str(function)] = reason.strip()
    return waivers


def _waiver_lines(text: str, path: Path) -> dict[str, str]:
    waivers = {}
    for line_number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        function, sep, reason = line.partition("=")
        if not sep or not function.strip() or not reason.strip():
            raise ConfigError(
                f"{plain(path)}:{line_number}: expected 'function = reason' "
                "(TOML or one waiver per line)"
            )
        waivers[function.strip()] = reason.strip().strip('"')
    return waivers

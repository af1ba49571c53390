"""Where the bundled assets live, for an editable checkout and for a wheel.

The wheel force-includes ``styles/`` and ``data/`` under
``workbench/_assets/``; a source checkout has them beside the packages. This
is the one place that knows both.
"""

from __future__ import annotations

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _asset_dir(name: str) -> Path:
    for candidate in (_PACKAGE / "_assets" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"bundled {name}/ not found next to {_PACKAGE}; reinstall the package")


def styles_dir() -> Path:
    """The folder of ``.tcss`` files the app loads."""
    return _asset_dir("styles")


def data_dir() -> Path:
    """The folder of the demo workload and demo profiles."""
    return _asset_dir("data")


def shown(path: Path) -> str:
    """``path`` as a user reads it: relative to the current folder when it lies inside
    it (as they would type it), else whole."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return str(path)

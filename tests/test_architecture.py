"""The two-layer rule: ``workbench/`` never imports Textual, and installs find their assets."""

from __future__ import annotations

import pkgutil
import subprocess
import sys

import workbench
from workbench.paths import data_dir, styles_dir


def test_core_never_imports_textual() -> None:
    modules = [
        info.name
        for info in pkgutil.walk_packages(workbench.__path__, prefix="workbench.")
        if not info.name.startswith("workbench._assets") and info.name != "workbench.__main__"
    ]
    assert "workbench.cli" in modules
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "", f"workbench imported textual: {result.stdout}"


def test_assets_are_found() -> None:
    assert (styles_dir() / "app.tcss").is_file()
    assert data_dir().is_dir()


def test_cli_help_lists_subcommands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "workbench", "--help"], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "usage: workbench" in result.stdout

"""Commands that do not draw start fast: what they import is checked, not how long it
takes (timings are for ``benchmarks/startup_bench.py``).

Each command runs as a user runs it, in a fresh interpreter under ``python -X
importtime``, and the modules it imported are read from that report.
``workbench --help`` builds every command group's parser, so it checks what
every module in ``workbench.cli.COMMAND_MODULES`` imports at start-up,
including groups added later.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from workbench.triage.model import Item
from workbench.triage.store import BacklogStore

HEAVY = frozenset(
    {"numpy", "scipy", "psutil", "git", "textual", "rich", "screens", "sqlite_utils",
     "locust", "pyinstrument", "dateutil", "platformdirs"}
)  # fmt: skip
"""Packages a command that does not draw must not import at start-up (see
"Start-up" in docs/development.md): each costs 10–150 ms before ``main`` runs."""
_IMPORTED = re.compile(r"^import time:\s+\d+ \|\s+\d+ \|\s*(?P<module>[\w.]+)\s*$", re.MULTILINE)


def imported(*args: str | Path, cwd: Path) -> set[str]:
    """Top-level packages ``workbench ARGS`` imported (the command must succeed)."""
    env = {**os.environ, "WORKBENCH_ACTOR": "tester"}
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "workbench", *map(str, args)],
        capture_output=True, text=True, timeout=60, cwd=cwd, env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    modules = {match["module"].split(".")[0] for match in _IMPORTED.finditer(result.stderr)}
    assert "workbench" in modules  # the report was read
    return modules


@pytest.fixture(scope="module")
def backlog(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("startup") / "triage.db"
    with BacklogStore.open(path) as store:
        store.add(Item(title="Quadratic join in merge_rows", impact=5, effort=2))
    return path


def test_help_imports_no_heavy_package(tmp_path: Path) -> None:
    assert imported("--help", cwd=tmp_path) & HEAVY == set()


@pytest.mark.parametrize(
    "command",
    [
        ("backlog", "list"),
        ("backlog", "list", "--format", "csv"),
        ("backlog", "show", "1"),
        ("backlog", "add", "Pre-warm the template cache"),
        ("backlog", "move", "1", "--impact", "-1"),
        ("kpis",),
        ("export", "markdown"),
        ("backlog", "check"),
    ],
    ids=" ".join,
)
def test_backlog_commands_import_no_heavy_package(
    backlog: Path, command: tuple[str, ...]
) -> None:
    assert imported(*command, "--db", backlog, cwd=backlog.parent) & HEAVY == set()


def _first_frame_modules(pane: str, tmp_path: Path) -> set[str]:
    """The modules loaded once the app and ``pane``'s module are imported, after checking
    that no heavy package is among them (Textual and Rich draw the frame)."""
    code = (
        "import sys; import workbench.cli, workbench.cli.launch, screens.app, screens.keymap, "
        f"screens.{pane}; print(' '.join(sorted(sys.modules)))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    modules = set(result.stdout.split())
    loaded = {module.split(".")[0] for module in modules}
    drawing = {"textual", "rich", "screens", "platformdirs"}  # platformdirs: Textual's own
    assert "textual" in loaded and loaded & (HEAVY - drawing) == set()
    assert f"screens.{pane}" in modules
    return modules


def test_the_apps_first_frame_waits_for_no_numpy(tmp_path: Path) -> None:
    """The app and its first pane (Compare, nothing loaded) draw before profiles are
    read: NumPy, psutil and git load with the work that needs them; the capture
    runner, its dialog and the backlog's model load when first used; the pane's icicle,
    tables (Textual's DataTable) and footer with what it mounts after its first frame;
    the CLI's parser, JSON and the keymap's TOML reader when a command needs them."""
    later = {
        "screens.capture_dialog", "workbench.capture.runner", "workbench.triage.model",
        "screens.compare_work", "screens.widgets.icicle", "screens.widgets.delta_table",
        "textual.widgets._data_table", "textual.widgets._footer", "workbench.profiles",
        "argparse", "json", "workbench.documents",
    }  # fmt: skip
    assert _first_frame_modules("compare", tmp_path) & later == set()


def test_the_live_panes_first_frame_waits_for_no_sampling_core(tmp_path: Path) -> None:
    """``workbench demo``, ``run`` and ``attach`` open on the Live pane: psutil, the
    samplers, the session and NumPy (the shares, the icicle's tree) load in the feed's
    thread with the first window; the process picker when it is opened."""
    later = {
        "workbench.sampling.session", "workbench.sampling.processes",
        "workbench.sampling.austin", "workbench.profiles.diff", "workbench.profiles.difftree",
        "screens.process_picker",
    }  # fmt: skip
    assert _first_frame_modules("live", tmp_path) & later == set()

"""The package DAG of DESIGN.md: a core package imports only the layers below it.

Every import is checked, the lazy ones inside functions included: a lazy upward
import is still a cycle in the design, only hidden from the import system.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import workbench

#: Lowest first. A top-level module (``errors.py``) is its own unit named by its stem.
LAYERS: tuple[frozenset[str], ...] = (
    frozenset(
        {"__init__", "errors", "output", "paths", "markdown", "context", "files", "documents"}
    ),
    frozenset({"profiles"}),
    frozenset({"stats"}),
    frozenset({"sampling"}),
    frozenset({"history"}),
    frozenset({"capture"}),
    frozenset({"bench"}),
    frozenset({"analysis"}),
    frozenset({"triage"}),
    frozenset({"cycle"}),
    frozenset({"reports"}),
    frozenset({"demo"}),
    frozenset({"cli", "__main__"}),
)
#: Only the composition root may reach into the Textual layer.
MAY_IMPORT_SCREENS = frozenset({"cli"})


def _layer(unit: str) -> int:
    for index, units in enumerate(LAYERS):
        if unit in units:
            return index
    raise AssertionError(f"workbench/{unit} is in no layer: add it to LAYERS and DESIGN.md")


def _unit(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else path.stem


def _imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            yield node.lineno, node.module
            # ``from workbench import profiles`` names the package in the alias.
            if node.module == "workbench":
                yield from ((node.lineno, f"workbench.{a.name}") for a in node.names)


def upward_imports(root: Path) -> list[str]:
    """Every import in the package at ``root`` that goes up the DAG or into ``screens``."""
    wrong = []
    for path in sorted(root.rglob("*.py")):
        if "_assets" in path.parts:
            continue
        unit = _unit(path, root)
        here = _layer(unit)
        for line, module in _imported(ast.parse(path.read_text(encoding="utf-8"))):
            bits = module.split(".")
            where = f"{path.relative_to(root.parent)}:{line} imports {module}"
            if bits[0] == "screens" and unit not in MAY_IMPORT_SCREENS:
                wrong.append(where)
            if bits[0] != root.name or len(bits) < 2 or bits[1] == unit:
                continue
            # ``from workbench import __version__`` names an attribute of the root package.
            target = (
                bits[1]
                if (root / bits[1]).is_dir() or (root / f"{bits[1]}.py").is_file()
                else "__init__"
            )
            if _layer(target) > here:
                wrong.append(where)
    return wrong


def test_core_packages_only_import_downwards() -> None:
    assert upward_imports(Path(workbench.__file__).parent) == []


def test_an_upward_import_is_caught(tmp_path: Path) -> None:
    root = tmp_path / "workbench"
    for unit in ("profiles", "triage", "cli"):
        (root / unit).mkdir(parents=True)
        (root / unit / "__init__.py").write_text("")
    (root / "errors.py").write_text("import json\n")
    (root / "triage" / "store.py").write_text("from workbench.profiles import model\n")
    (root / "profiles" / "diff.py").write_text(
        "def lazy():\n    from workbench.triage.store import BacklogStore\n"
    )
    (root / "profiles" / "view.py").write_text("import screens.app\n")
    (root / "cli" / "launch.py").write_text("def run():\n    import screens.app\n")
    assert upward_imports(root) == [
        "workbench/profiles/diff.py:2 imports workbench.triage.store",
        "workbench/profiles/view.py:1 imports screens.app",
    ]


def test_every_package_has_a_layer() -> None:
    root = Path(workbench.__file__).parent
    for path in root.iterdir():
        if path.name.startswith((".", "_")) and path.name not in ("__init__.py", "__main__.py"):
            continue
        if path.is_dir() and (path / "__init__.py").exists() or path.suffix == ".py":
            _layer(path.stem if path.is_file() else path.name)

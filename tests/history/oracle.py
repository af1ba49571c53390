"""An independent answer to "which commits changed this function".

Walks every first-parent commit from HEAD, finds the function's source in the
commit and in its parent with its own small ``ast`` walk, and lists the
commits where that text differs. It follows the function into the parent's
copy of the file, or a renamed file, or any other file that defines the same
qualified name (a move). Slow (two ``git show`` per commit) and simple on
purpose: it shares no code with ``workbench.history``.
"""

from __future__ import annotations

import ast

from tests.history.gitrepo import GitRepo


def _is_overload(node: ast.AST) -> bool:
    return any(
        (isinstance(d, ast.Name) and d.id == "overload")
        or (isinstance(d, ast.Attribute) and d.attr == "overload")
        for d in getattr(node, "decorator_list", [])
    )


def function_text(source: str, qualname: str) -> str | None:
    """Source lines of ``qualname`` (decorators included), None when absent."""
    wanted = qualname.replace(".<locals>", "")
    found: list[ast.AST] = []

    def walk(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = prefix + child.name
                if name == wanted and not isinstance(child, ast.ClassDef):
                    found.append(child)
                walk(child, name + ".")
            else:
                walk(child, prefix)

    walk(ast.parse(source), "")
    real = [node for node in found if not _is_overload(node)] or found
    if not real:
        return None
    node = real[-1]
    start = min([node.lineno] + [d.lineno for d in node.decorator_list])  # type: ignore[attr-defined]
    return "\n".join(source.splitlines()[start - 1 : node.end_lineno])  # type: ignore[attr-defined]


def _show(repo: GitRepo, sha: str, path: str) -> str | None:
    try:
        return repo.git("show", f"{sha}:{path}")
    except Exception:  # noqa: BLE001 - absent file
        return None


def _find(repo: GitRepo, sha: str, paths: list[str], qualname: str) -> tuple[str, str] | None:
    for path in paths:
        source = _show(repo, sha, path)
        text = function_text(source, qualname) if source is not None else None
        if text is not None:
            return path, text
    return None


def changing_commits(repo: GitRepo, path: str, qualname: str, tip: str = "HEAD") -> list[str]:
    """Shas (newest first) whose version of the function differs from their parent's."""
    changed: list[str] = []
    current = _find(repo, tip, [path], qualname)
    assert current is not None, f"{path}:{qualname} not at {tip}"
    for line in repo.git("rev-list", "--first-parent", "--parents", tip).splitlines():
        sha, *parents = line.split()
        if not parents:
            changed.append(sha)
            break
        everything = repo.git("ls-tree", "-r", "--name-only", parents[0]).splitlines()
        renamed = [
            fields[1]
            for fields in (
                row.split("\t")
                for row in repo.git("diff", "-M", "--name-status", parents[0], sha).splitlines()
            )
            if fields[0].startswith("R") and fields[2] == current[0]
        ]
        others = [name for name in everything if name.endswith(".py")]
        before = _find(repo, parents[0], [current[0], *renamed, *others], qualname)
        if before is None:
            changed.append(sha)
            break
        if before[1] != current[1]:
            changed.append(sha)
        current = before
    return changed

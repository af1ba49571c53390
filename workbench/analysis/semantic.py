"""What a commit changed in a function once cosmetics are set aside.

A commit that only adds type annotations, rewrites a docstring, reflows a
call or fixes a comment cannot make the function slower, yet a line diff
counts it like any other. Both versions of the function are parsed and their
syntax trees compared with docstrings, annotations and type comments removed
(comments and formatting never reach the tree): equal trees mean the change
was cosmetic. Text that does not parse is judged semantic — we cannot prove
it harmless.
"""

from __future__ import annotations

import ast
import re
import textwrap
from functools import lru_cache

#: An identifier, as the hunk test looks for the names a changed line mentions.
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_BODIES = (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def patch_sides(patch: str) -> tuple[str | None, str]:
    """The function's text before and after a whole-function patch (``history.function_patch``).

    The patch carries every line of the function as context, so both sides
    are exact; the old side is None when the function was created.
    """
    body = patch.split("\n")[3:]  # ---, +++ and @@ header lines
    old = [line[1:] for line in body if line[:1] in (" ", "-")]
    new = [line[1:] for line in body if line[:1] in (" ", "+")]
    created = patch.startswith("--- /dev/null")
    return (None if created else "\n".join(old)), "\n".join(new)


def changed_lines(patch: str) -> list[str]:
    """The added lines, then the removed ones, of a whole-function patch (markers dropped)."""
    body = patch.split("\n")[3:]
    return [line[1:] for line in body if line[:1] == "+"] + [
        line[1:] for line in body if line[:1] == "-"
    ]


def names_in(lines: list[str]) -> set[str]:
    """Every identifier the lines mention (code, strings and comments alike)."""
    found: set[str] = set()
    for line in lines:
        found.update(_NAME.findall(line))
    return found


def is_cosmetic(old: str | None, new: str | None) -> bool:
    """True when the two versions differ only in docstrings, annotations, comments or layout."""
    if old is None or new is None:
        return False
    before, after = normalised(old), normalised(new)
    return before is not None and before == after


@lru_cache(maxsize=4096)
def normalised(source: str) -> str | None:
    """A canonical dump of ``source`` without cosmetics, or None when it does not parse.

    ``source`` may be an indented method (with its decorators): it is dedented,
    or parsed inside a dummy block when dedenting cannot line it up.
    """
    tree = _parse(source)
    if tree is None:
        return None
    return ast.dump(_Strip().visit(tree), include_attributes=False)


def _parse(source: str) -> ast.Module | None:
    for attempt in (textwrap.dedent(source), "if 1:\n" + source):
        try:
            return ast.parse(attempt)
        except (SyntaxError, ValueError, RecursionError):
            continue
    return None


class _Strip(ast.NodeTransformer):
    """Remove what cannot change behaviour: docstrings, annotations, type comments."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if isinstance(node, _BODIES):
            _drop_docstring(node)
        if hasattr(node, "type_comment"):
            node.type_comment = None  # type: ignore[attr-defined]
        return node

    def visit_arg(self, node: ast.arg) -> ast.AST:
        node.annotation = None
        node.type_comment = None
        return node

    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.AST:
        node.returns = None
        return self.generic_visit(node)

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AST:
        node.returns = None
        return self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> ast.AST | None:
        """``x: int = 1`` is ``x = 1``; a bare ``x: int`` does nothing at run time in a body."""
        if node.value is None:
            return None
        target = self.visit(node.target)
        return ast.Assign(targets=[target], value=self.visit(node.value))


def _drop_docstring(node: ast.AST) -> None:
    body = node.body  # type: ignore[attr-defined]
    if (
        body
        and isinstance(body[0], ast.Expr)
        and isinstance(body[0].value, ast.Constant)
        and isinstance(body[0].value.value, str)
    ):
        body.pop(0)
    if not body:
        body.append(ast.Pass())

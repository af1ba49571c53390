"""Cosmetic or semantic: the syntax-tree comparison behind attribution."""

from __future__ import annotations

import pytest

from workbench.analysis.semantic import changed_lines, is_cosmetic, names_in, patch_sides

PLAIN = "    def isblocklevel(self, html):\n        m = RE.match(html)\n        return bool(m)\n"


@pytest.mark.parametrize(
    "new",
    [
        # annotations
        "    def isblocklevel(self, html: str) -> bool:\n        m = RE.match(html)\n"
        "        return bool(m)\n",
        # a docstring
        '    def isblocklevel(self, html):\n        """Is it block level?"""\n'
        "        m = RE.match(html)\n        return bool(m)\n",
        # comments and layout
        "    def isblocklevel(\n        self,\n        html,\n    ):  # why\n"
        "        m = RE.match(  html  )\n\n        return bool(m)  # done\n",
        # an annotated assignment is the plain one
        "    def isblocklevel(self, html):\n        m: Match | None = RE.match(html)\n"
        "        return bool(m)\n",
    ],
)
def test_cosmetic_changes_are_recognised(new: str) -> None:
    assert is_cosmetic(PLAIN, new)


@pytest.mark.parametrize(
    "new",
    [
        "    def isblocklevel(self, html):\n        m = re.compile(P).match(html)\n"
        "        return bool(m)\n",
        "    @typechecked\n    def isblocklevel(self, html):\n        m = RE.match(html)\n"
        "        return bool(m)\n",
        "    def isblocklevel(self, html, strict=False):\n        m = RE.match(html)\n"
        "        return bool(m)\n",
        # a string that is not the docstring is code
        "    def isblocklevel(self, html):\n        m = RE.match(html)\n        'x'\n"
        "        return bool(m)\n",
    ],
)
def test_semantic_changes_are_not_cosmetic(new: str) -> None:
    assert not is_cosmetic(PLAIN, new)


def test_unparsable_or_created_functions_count_as_semantic() -> None:
    assert not is_cosmetic(None, PLAIN)
    assert not is_cosmetic(PLAIN, "    def isblocklevel(self, html:\n")


def test_patch_sides_rebuild_both_versions() -> None:
    patch = "--- a/m.py\n+++ b/m.py\n@@ -1,3 +1,3 @@\n def f(x):\n-    return x\n+    return g(x)\n"
    assert patch_sides(patch) == ("def f(x):\n    return x", "def f(x):\n    return g(x)")
    assert changed_lines(patch) == ["    return g(x)", "    return x"]
    assert names_in(changed_lines(patch)) == {"return", "g", "x"}
    created = "--- /dev/null\n+++ b/m.py\n@@ -0,0 +1,2 @@\n+def f(x):\n+    return x"
    assert patch_sides(created) == (None, "def f(x):\n    return x")

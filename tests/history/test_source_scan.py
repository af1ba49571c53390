"""The tolerant scanner finds what ``ast`` finds, and reads what ``ast`` cannot."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import workbench
from workbench.history.locate import definitions, locate_in_source
from workbench.history.source_scan import scan_defs

PYTHON2 = b'''\
# -*- coding: latin-1 -*-
import os, sys


class Old(object):
    """A class from the Python 2 era: "def fake(x):" in a docstring is no def."""

    def method(self, x):
        print "caf\xe9", x  # a print statement
        try:
            os.chmod("f", 0755)
        except OSError, e:
            pass
        return (x +
    1)

    @staticmethod
    @other(1,
           2)
    def decorated():
        text = """
def not_a_function():
    pass
"""
        return text \\
            + "x"
        # a trailing comment, indented deeper than the next def

def top(a, (b, c)):
    def inner():
        return `a`
    return inner
'''


def test_a_python2_module_is_read_by_indentation() -> None:
    with pytest.raises(SyntaxError):
        ast.parse(PYTHON2)
    found = {d.qualname: (d.start, d.end, d.header, d.outer) for d in scan_defs(PYTHON2)}
    assert found == {
        "Old.method": (8, 15, 8, 5),
        "Old.decorated": (17, 26, 20, 5),
        "top": (29, 32, 29, 0),
        "top.inner": (30, 31, 30, 29),
    }


def test_locating_falls_back_to_the_scanner_and_says_so() -> None:
    defs, fallback = definitions(PYTHON2, "old.py")
    assert fallback and [d.qualname for d in defs][:2] == ["Old.method", "Old.decorated"]
    assert locate_in_source(PYTHON2.decode("latin-1"), "top.inner").start == 30
    assert definitions(b"def f():\n    return 1\n")[1] is False


def test_the_scanner_agrees_with_ast_on_real_modules() -> None:
    """Every function of this project's own sources: same names, spans, headers, scopes."""
    root = Path(workbench.__file__).parent
    checked = 0
    for path in sorted(root.rglob("*.py")):
        source = path.read_bytes()
        parsed, fallback = definitions(source)
        assert not fallback
        scanned = scan_defs(source)
        assert scanned == parsed, path
        checked += len(parsed)
    assert checked > 500


def test_sources_too_deep_for_the_parser_are_scanned_when_asked() -> None:
    for deep in (b"x = a" + b".b" * 200_000, b"x = " + b"-" * 100_000 + b"1"):
        source = b"def f():\n    return 1\n\n" + deep + b"\n"
        defs, fallback = definitions(source, tolerant_of_depth=True)
        assert fallback and [d.qualname for d in defs] == ["f"]

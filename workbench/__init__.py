"""Triage Workbench domain core.

Everything here is plain Python: no Textual import anywhere below this package
(``tests/test_architecture.py`` enforces it), so the CLI, the tests and other
tools can use it without a terminal.
"""

__version__ = "0.1.0"

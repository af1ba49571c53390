"""Test-session rules shared by every folder (helpers are in tests/helpers.py)."""

from __future__ import annotations

import pytest

from tests.helpers import skip_without_ptrace


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``ptrace`` is skipped, with py-spy's reason, where ptrace is not allowed."""
    if item.get_closest_marker("ptrace") is not None:
        skip_without_ptrace()

"""Test-session rules shared by every folder (helpers are in tests/helpers.py)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import skip_without_ptrace


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``ptrace`` is skipped, with py-spy's reason, where ptrace is not allowed."""
    if item.get_closest_marker("ptrace") is not None:
        skip_without_ptrace()


CHECKOUT_STATE = Path(__file__).resolve().parents[1] / ".workbench"


@pytest.fixture(autouse=True)
def _leaves_the_checkout_alone() -> Iterator[None]:
    """Tests keep their databases and snapshots in tmp folders: a backlog the app opens
    at its default place (``.workbench/`` of the checkout) fails the test that made it."""
    existed = CHECKOUT_STATE.exists()
    yield
    if not existed and CHECKOUT_STATE.exists():
        shutil.rmtree(CHECKOUT_STATE)
        pytest.fail(f"the test wrote {CHECKOUT_STATE}; give the app a db= in a tmp folder")

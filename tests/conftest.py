"""Test-session rules shared by every folder (helpers are in tests/helpers.py)."""

from __future__ import annotations

import shutil
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import skip_without_ptrace


def pytest_configure(config: pytest.Config) -> None:
    """Children the tests interrupt with SIGINT must not inherit an ignored SIGINT.

    A shell starts a background job (``.ci/run &``, a CI runner's step) with SIGINT
    ignored; the ignore survives ``exec``, so every ``workbench`` a test spawns would
    ignore the Ctrl-C the test sends it and run to the end. A handled signal is
    reset to the default in a child, so handling it here gives them the terminal's
    Ctrl-C back.
    """
    if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)


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

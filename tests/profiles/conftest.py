"""The ``real_profiles`` fixture: real captures of a real program, once per session."""

from __future__ import annotations

import pytest

from tests.helpers import skip_without_ptrace
from tests.profiles.real_profiles import RealProfiles, capture


@pytest.fixture(scope="session")
def real_profiles(tmp_path_factory: pytest.TempPathFactory) -> RealProfiles:
    """Every capture of :mod:`tests.profiles.real_profiles` (skipped where py-spy cannot attach)."""
    skip_without_ptrace()
    return capture(tmp_path_factory.mktemp("real_profiles"))

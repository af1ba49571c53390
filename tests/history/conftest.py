"""The ``story`` fixture: the evolving repository of tests/history/story.py, once per session."""

from __future__ import annotations

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.story import build_story


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """The shared repository; tests must not commit to it (copy or clone it instead)."""
    return build_story(tmp_path_factory.mktemp("story") / "repo")

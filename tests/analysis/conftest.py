"""The history tests' story repository, shared with the attribution tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.story import build_story
from tests.history.test_rankings import write_profiles


@pytest.fixture(scope="session")
def story(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """The story repository of ``tests/history/conftest.py``; tests must not commit to it."""
    return build_story(tmp_path_factory.mktemp("story") / "repo")


@pytest.fixture
def profiles(story: GitRepo, tmp_path: Path) -> tuple[Path, Path]:
    """Base and branch profiles over the story: compute and helper grew, area shrank."""
    return write_profiles(story, tmp_path)

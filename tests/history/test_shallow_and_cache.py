"""Shallow clones say where history is cut; answers are cached by resolved sha."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from workbench.errors import HistoryError
from workbench.history.cache import cache_for
from workbench.history.log import function_history


@pytest.fixture(scope="module")
def shallow(story: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("shallow") / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "3", f"file://{story.path}", str(target)], check=True
    )
    return target


def test_shallow_history_is_cut_where_the_clone_ends(story: GitRepo, shallow: Path) -> None:
    # The clone holds c13, c12 and c11; c11's parent is missing.
    history = function_history(shallow, "pkg/util.py:helper", use_cache=False)
    assert history.shallow
    assert [story.label(c.sha) for c in history.commits] == ["c13"]
    area = function_history(shallow, "pkg/shapes.py:Circle.area", use_cache=False)
    assert area.truncated_at == story.commits["c11"]
    assert area.commits == []  # c11 looks like it wrote the whole file: unknown, not listed
    assert any("cut at " + story.commits["c11"][:12] in note for note in area.notes)


def test_a_revision_beyond_the_cut_says_the_clone_is_shallow(story: GitRepo, shallow: Path) -> None:
    # HEAD~5 exists in the full history; in a --depth 3 clone it is not a typo.
    for use_cache in (True, False):
        with pytest.raises(HistoryError) as caught:
            function_history(shallow, "pkg/util.py:helper", rev="HEAD~5", use_cache=use_cache)
        message = str(caught.value)
        assert "unknown revision 'HEAD~5'" in message and "\n" not in message
        assert f"shallow clone, its history is cut at {story.commits['c11'][:12]}" in message


def test_cache_is_keyed_by_resolved_revision(story: GitRepo, tmp_path: Path) -> None:
    repo_dir = tmp_path / "copy"
    shutil.copytree(story.path, repo_dir)
    repo = GitRepo.__new__(GitRepo)
    repo.path, repo.commits, repo._day = repo_dir, dict(story.commits), 20
    cache = cache_for(repo_dir / ".git")
    assert cache.get("anything") is None
    first = function_history(repo_dir, "pkg/shapes.py:fetch")
    assert cache.path.is_file()
    again = function_history(repo_dir, "pkg/shapes.py:fetch")
    assert again.to_json(patches=True) == first.to_json(patches=True)
    # A warm answer never imports GitPython: it was served from the cache.
    code = (
        "import sys; from workbench.history.log import function_history as h; "
        f"h({str(repo_dir)!r}, 'pkg/shapes.py:fetch'); print('git' in sys.modules)"
    )
    warm = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert warm.stdout.strip() == "False"
    # A new commit moves HEAD: a new key, a fresh answer.
    (repo_dir / "pkg/shapes.py").write_text(
        (repo_dir / "pkg/shapes.py").read_text().replace("url.strip()", "url.lower()")
    )
    repo.git("add", "pkg/shapes.py")
    repo.commit("c14", "carol")
    newer = function_history(repo_dir, "pkg/shapes.py:fetch")
    assert [repo.label(c.sha) for c in newer.commits] == ["c14", "c9", "c1"]
    cache.clear()
    with sqlite3.connect(cache.path) as connection:
        assert connection.execute("SELECT count(*) FROM answers").fetchone() == (0,)


def test_a_torn_cache_file_is_replaced(story: GitRepo, tmp_path: Path) -> None:
    repo_dir = tmp_path / "copy"
    shutil.copytree(story.path, repo_dir)
    cache = cache_for(repo_dir / ".git")
    cache.path.parent.mkdir(parents=True, exist_ok=True)
    cache.path.write_bytes(b"not a database at all" * 100)
    first = function_history(repo_dir, "pkg/shapes.py:fetch")  # answers despite the bad file
    assert not cache.path.exists()  # dropped, not kept failing
    assert function_history(repo_dir, "pkg/shapes.py:fetch").commits == first.commits
    assert cache.path.read_bytes().startswith(b"SQLite format 3")

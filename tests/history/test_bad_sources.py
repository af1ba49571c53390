"""Sources the parser cannot read: other encodings, Python 2, pathological files; bad dates.

Each case is a real repository built in a temp dir and asked through the
library and the real CLI: answers go on where they can (and say how they were
found), and what cannot be answered is one line with exit 2.
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.helpers import workbench
from tests.history.gitrepo import GitRepo
from tests.history.test_rankings import write_profiles
from workbench.errors import HistoryError
from workbench.history.hotspots import hotspot_ranking
from workbench.history.log import function_history
from workbench.profiles.io import read_profile

LATIN1 = b'# -*- coding: latin-1 -*-\n\n\ndef greet():\n    return "caf\xe9"\n'


def test_a_latin1_source_with_a_coding_line_is_read_in_its_encoding(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("m.py", LATIN1)
    repo.commit("c1")
    repo.write("m.py", LATIN1.replace(b"caf\xe9", b"caf\xe9s"))
    repo.commit("c2")
    _rewrite_head(repo, b"Alice Example", b"Ren\xe9 Latin")  # an author name not in UTF-8
    history = function_history(repo.path, "m.py:greet", use_cache=False)
    assert [c.added for c in history.commits] == [1, 2]
    assert '-    return "café"' in history.commits[0].patch
    assert '+    return "cafés"' in history.commits[0].patch
    assert history.commits[0].author == "Ren\ufffd Latin"
    as_json = workbench("history", "m.py:greet", "--repo", repo.path, "--format", "json")
    assert as_json.returncode == 0, as_json.stderr
    assert json.loads(as_json.stdout)["churn"]["commits"] == 2
    text = workbench("history", "m.py:greet", "--repo", repo.path, "--blame")
    assert text.returncode == 0, text.stderr
    assert 'return "cafés"' in text.stdout


def _rewrite_head(repo: GitRepo, old: bytes, new: bytes) -> None:
    """Replace bytes in the HEAD commit object as is (``git commit`` would re-encode them)."""
    raw = subprocess.run(
        ["git", "cat-file", "commit", "HEAD"], cwd=repo.path, capture_output=True, check=True
    ).stdout
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--stdin", "--literally"],
            cwd=repo.path,
            input=raw.replace(old, new),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    repo.git("update-ref", "HEAD", sha)


def test_a_since_that_is_not_a_date_is_refused(story: GitRepo, tmp_path: Path) -> None:
    with pytest.raises(HistoryError, match="not a date git understands"):
        function_history(story.path, "pkg/shapes.py:compute", since="not a date", use_cache=False)
    assert function_history(story.path, "pkg/shapes.py:compute", since="90 days ago").commits == []
    _, branch = write_profiles(story, tmp_path)
    for command in (
        ["history", "pkg/shapes.py:compute"],
        ["hotspots", str(branch)],
    ):
        result = workbench(*command, "--repo", story.path, "--since", "not a date")
        assert result.returncode == 2, result.stderr
        assert result.stderr.count("\n") == 1
        assert "--since 'not a date' is not a date git understands" in result.stderr


PY2_HEAD = "import os\n\n\ndef helper():\n\tprint 'helping'\n\n\n"
PY3_HEAD = "import os\n\n\ndef helper():\n    print('helping')\n\n\n"


def _committed(tmp_path: Path, path: str, versions: list[str]) -> GitRepo:
    """A repository where commit ``cN`` writes the N-th version of ``path``."""
    repo = GitRepo(tmp_path / "repo")
    for number, text in enumerate(versions, 1):
        repo.write(path, text)
        repo.commit(f"c{number}")
    return repo


def _judged(repo: GitRepo, function: str) -> list[tuple[str, bool]]:
    """(label, found by the tolerant scanner) of each commit listed for ``function``."""
    history = function_history(repo.path, function, use_cache=False)
    return [(repo.label(c.sha), c.fallback) for c in history.commits]


def test_versions_that_are_not_python3_are_scanned_and_marked(tmp_path: Path) -> None:
    """The search goes on past Python 2 versions (it used to stop at the first one)."""
    py2_area = "def area(r):\n\tprint r\n\treturn 3.14 * r * r\n"
    repo = _committed(
        tmp_path,
        "legacy.py",
        [
            PY2_HEAD + "def area(r):\n\treturn 3.14 * r * r\n",
            PY2_HEAD + py2_area,
            PY2_HEAD.replace("helping", "help") + py2_area,
            PY3_HEAD + "def area(r):\n    return 3.14 * r * r\n",
            PY3_HEAD + "def area(r):\n    return 3.14159 * r * r\n",
        ],
    )
    assert _judged(repo, "legacy.py:area") == [
        ("c5", False),
        ("c4", True),
        ("c2", True),
        ("c1", True),
    ]
    history = function_history(repo.path, "legacy.py:area")
    assert any("3 of 4 commits" in note and "(marked *)" in note for note in history.notes)
    result = workbench("history", "legacy.py:area", "--repo", repo.path, "--format", "json")
    assert [c["fallback"] for c in json.loads(result.stdout)["commits"]] == [
        False,
        True,
        True,
        True,
    ]
    text = workbench("history", "legacy.py:area", "--repo", repo.path).stdout
    rows = [line.split()[0] for line in text.splitlines() if re.match(r"[0-9a-f]{12}\b", line)]
    assert [sha.endswith("*") for sha in rows] == [False, True, True, True]


DEEP = "x = a" + ".b" * 100_000 + "\n"  # RecursionError in the parser
WIDE = "x = " + "-" * 100_000 + "1\n"  # MemoryError (the parser's stack)


@pytest.mark.parametrize(
    ("tail", "message"),
    [
        (DEEP, "mod.py is nested too deeply for Python's parser (RecursionError)"),
        (WIDE, "mod.py is too large or too deeply nested for Python's parser (MemoryError)"),
    ],
    ids=["recursion", "parser-stack"],
)
def test_a_target_too_deep_for_the_parser_is_one_line(
    tmp_path: Path, tail: str, message: str
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("mod.py", "def f():\n    return 1\n\n" + tail)
    repo.commit("c1")
    result = workbench("history", "mod.py:f", "--repo", repo.path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and message in result.stderr


def test_hotspots_note_a_file_too_deep_and_rank_the_others(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("deep.py", "def f():\n    return 1\n\n" + DEEP)
    repo.write("fine.py", "def g():\n    return 1\n")
    repo.commit("c1")
    profile = tmp_path / "profile.txt"
    profile.write_text("main (app.py:1);f (deep.py:2) 60\nmain (app.py:1);g (fine.py:2) 40\n")
    spots = hotspot_ranking(repo.path, read_profile(profile), since=None)
    assert [(spot.function, spot.commits) for spot in spots] == [
        ("fine.py:g", 1),
        ("deep.py:f", 0),
    ]
    assert "nested too deeply for Python's parser" in spots[1].note


def test_a_target_too_large_to_be_a_module_is_one_line(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("gen.py", "def f():\n    return 1\n" + "# padding for size\n" * 900_000)
    repo.commit("c1")
    result = workbench("history", "gen.py:f", "--repo", repo.path)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert "gen.py at " in result.stderr
    assert "MB, more than the 16 MB limit for a Python source" in result.stderr


def test_an_older_version_too_deep_for_the_parser_is_scanned(tmp_path: Path) -> None:
    # f changes and a second def f appears: its old place must be found by reading the file.
    method = "class K:\n    def f(self):\n        return 0\n\n\n"
    repo = _committed(
        tmp_path,
        "mod.py",
        ["def f():\n    return 1\n\n" + DEEP, method + "def f():\n    return 2\n"],
    )
    assert _judged(repo, "mod.py:f") == [("c2", True), ("c1", True)]


def test_hotspots_walk_each_file_once(
    story: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three hot functions of pkg/shapes.py share one walk of its history (git's own trace)."""
    trace = tmp_path / "trace2.txt"
    monkeypatch.setenv("GIT_TRACE2", str(trace))
    _, branch = write_profiles(story, tmp_path)
    spots = hotspot_ranking(story.path, read_profile(branch), since="2000-01-01")
    assert sum(spot.path == "pkg/shapes.py" for spot in spots) == 3
    tip = story.commits["c13"]
    walks = [
        line.split(" -- ", 1)[1].strip()
        for line in trace.read_text().splitlines()
        if " start git log " in line and f" {tip} -- " in line
    ]
    assert sorted(walks) == ["pkg/shapes.py", "pkg/util.py"]

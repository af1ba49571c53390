"""``workbench bisect`` on real git histories: a named commit, a range around a skip, --propose."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from tests.capture.repos import BENCH, FAST, UNIFORM_3X, commit, make_repo, worktrees
from tests.helpers import workbench
from workbench.triage.store import BacklogStore

pytestmark = pytest.mark.slow

#: Fast steps: CPU time without a profiler, 3 runs a step, bad when the median is 50% slower.
FAST_OPTIONS = ["--metric", "cpu", "--repeat", "3", "--threshold", "50", "--format", "json"]
COMMAND = ["--", sys.executable, "bench.py", "1500000"]


def _bisect(repo: Path, *extra: object) -> tuple[int, dict]:
    done = workbench("bisect", "--repo", repo, "--good", "v1", "--bad", "HEAD", *FAST_OPTIONS,
                     *extra, *COMMAND)  # fmt: skip
    assert done.returncode in (0, 1), done.stderr
    return done.returncode, json.loads(done.stdout)


def test_names_the_commit_and_files_it(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    (repo / ".git" / "refs" / "tags" / "v1").write_text(
        (repo / ".git" / "refs" / "heads" / "main").read_text()
    )
    culprit = commit(repo, {"pkg/__init__.py": UNIFORM_3X}, "do everything three times")
    commit(repo, {"README": "docs\n"}, "docs")
    db = tmp_path / "triage.db"
    code, result = _bisect(repo, "--propose", "--db", db)
    assert code == 0
    assert result["first_bad"] == culprit and result["range"] is None
    assert result["first_bad_commit"]["subject"] == "do everything three times"
    step = next(s for s in result["steps"] if s["sha"] == culprit)
    assert step["verdict"] == "bad" and step["metric"] > 1.5 * step["metric_base"]
    assert set(step) >= {"sha", "verdict", "metric_base", "metric", "runs"}
    with BacklogStore.open(db) as store:
        (item,) = store.items()
    assert culprit[:12] in item.title
    assert any(e.kind.value == "commit" and e.ref == culprit for e in item.evidence)
    assert worktrees(repo) == [str(repo)]


def test_a_skipped_commit_next_to_the_culprit_leaves_a_range(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    (repo / ".git" / "refs" / "tags" / "v1").write_text(
        (repo / ".git" / "refs" / "heads" / "main").read_text()
    )
    commit(repo, {"README": "a\n"}, "unrelated")
    broken = commit(repo, {"pkg/__init__.py": "raise ImportError('half done')\n"}, "wip")
    culprit = commit(repo, {"pkg/__init__.py": UNIFORM_3X}, "three times")
    commit(repo, {"README": "b\n"}, "more docs")
    commit(repo, {"README": "c\n"}, "even more docs")
    code, result = _bisect(repo)
    assert code == 0
    assert result["first_bad"] is None
    assert result["range"] == [broken, culprit]
    verdicts = {s["sha"]: s["verdict"] for s in result["steps"]}
    assert verdicts[broken] == "skip" and verdicts[culprit] == "bad"
    assert "half done" in next(s["reason"] for s in result["steps"] if s["sha"] == broken)


def test_bad_not_slower_exits_1_and_bad_input_exits_2(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    (repo / ".git" / "refs" / "tags" / "v1").write_text(
        (repo / ".git" / "refs" / "heads" / "main").read_text()
    )
    commit(repo, {"README": "docs\n"}, "docs only")
    code, result = _bisect(repo)
    assert code == 1 and result["first_bad"] is None and "nothing to bisect" in result["message"]
    same = workbench("bisect", "--repo", repo, "--good", "HEAD", "--bad", "HEAD", *COMMAND)
    assert same.returncode == 2 and "no commits between" in same.stderr
    metric = workbench("bisect", "--repo", repo, "--good", "v1", "--bad", "HEAD",
                       "--metric", "self", *COMMAND)  # fmt: skip
    assert metric.returncode == 2 and "use wall, cpu, self:FUNCTION" in metric.stderr


#: ``parse`` calls a helper that did not exist at GOOD: its self time appears from nothing.
WITH_HELPER = FAST.replace(
    "def parse(n):\n    total = 0\n",
    "def helper(n):\n    return sum(i % 7 for i in range(n))\n\n\n"
    "def parse(n):\n    total = helper(n)\n",
)


def test_a_function_that_appears_is_bisected_and_a_wrong_name_is_bad_input(
    tmp_path: Path,
) -> None:
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    (repo / ".git" / "refs" / "tags" / "v1").write_text(
        (repo / ".git" / "refs" / "heads" / "main").read_text()
    )
    commit(repo, {"README": "a\n"}, "docs")
    culprit = commit(repo, {"pkg/__init__.py": WITH_HELPER}, "parse asks a helper")
    commit(repo, {"README": "b\n"}, "more docs")
    options = ["--repeat", "3", "--threshold", "50", "--format", "json", "--",
               sys.executable, "bench.py", "4000000"]  # fmt: skip
    done = workbench("bisect", "--repo", repo, "--good", "v1", "--bad", "HEAD",
                     "--metric", "self:helper", *options)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["first_bad"] == culprit
    bad = next(s for s in result["steps"] if s["sha"] == culprit)
    assert bad["verdict"] == "bad" and bad["metric_base"] == 0 and "appeared" in bad["reason"]
    typo = workbench("bisect", "--repo", repo, "--good", "v1", "--bad", "HEAD",
                     "--metric", "self:helpr", *options)  # fmt: skip
    assert typo.returncode == 2
    assert typo.stderr.strip().splitlines()[-1].endswith(
        "'helpr' is in no profile of v1 or HEAD; check the name "
        "(workbench show PROFILE lists the functions)"
    )
    assert worktrees(repo) == [str(repo)]

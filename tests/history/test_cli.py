"""The history subcommands end to end: real processes, real repositories, exit codes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.helpers import workbench
from tests.history.gitrepo import GitRepo
from tests.history.test_rankings import write_profiles


@pytest.fixture(scope="module")
def clone(story: GitRepo, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A full clone the CLI may write to (cache, commit-graph, detached HEAD)."""
    target = tmp_path_factory.mktemp("cli") / "clone"
    subprocess.run(["git", "clone", "-q", str(story.path), str(target)], check=True)
    return target


def test_history_json(story: GitRepo, clone: Path) -> None:
    result = workbench(
        "history", "pkg/shapes.py:Circle.area", "--repo", str(clone), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["function"] == "pkg/shapes.py:Circle.area"
    assert data["path"] == "pkg/shapes.py"
    assert data["span"]["end"] - data["span"]["start"] == 1
    assert [(c["summary"], c["added"], c["removed"]) for c in data["commits"]] == [
        ("c11", 1, 1),
        ("c2", 1, 1),
        ("c1", 2, 0),
    ]
    assert data["commits"][0]["sha"] == story.commits["c11"]
    assert data["commits"][0]["author"] == "Bob | Builder"


def test_history_text_with_blame_from_inside_the_repo(clone: Path) -> None:
    result = workbench("history", "pkg/shapes.py:Square.area", "--blame", cwd=clone / "pkg")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert out.startswith("pkg/shapes.py:Square.area lines ")
    assert "2 commits, +3 -1" in out.splitlines()[0]
    assert "authors of the current lines (git blame -w):" in out
    assert "return self.s ** 2" in out


def test_history_markdown_escapes_untrusted_text(clone: Path) -> None:
    result = workbench(
        "history", "pkg/shapes.py:Circle.area", "--repo", str(clone), "--format", "markdown"
    )
    assert result.returncode == 0, result.stderr
    assert "Bob \\| Builder" in result.stdout
    assert "| Bob | Builder |" not in result.stdout


def test_hot_lines_and_copies_label(clone: Path) -> None:
    result = workbench(
        "history", "pkg/shapes.py:compute", "--repo", str(clone), "--lines", "3,4",
        "--copies", "--format", "json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    blame = json.loads(result.stdout)["blame"]
    assert [line["line"] for line in blame["lines"]] == [3, 4]
    assert "-C" in blame["command"]
    # 3 and 4 are not compute's lines: blamed as asked, with a warning that says so.
    span = json.loads(result.stdout)["span"]
    assert f"lines 3, 4 outside compute (lines {span['start']}-{span['end']}" in result.stderr
    inside = workbench(
        "history", "pkg/shapes.py:compute", "--repo", str(clone), "--lines", str(span["end"])
    )
    assert inside.returncode == 0 and "outside" not in inside.stderr


def test_option_like_path_is_a_path(clone: Path) -> None:
    result = workbench("history", "--repo", str(clone), "--blame", "--", "--opt.py:f")
    assert result.returncode == 0, result.stderr
    assert "c6" in result.stdout and "c1" in result.stdout


def test_detached_head_is_fine(story: GitRepo, clone: Path, tmp_path: Path) -> None:
    detached = tmp_path / "detached"
    subprocess.run(["git", "clone", "-q", str(clone), str(detached)], check=True)
    subprocess.run(
        ["git", "checkout", "-q", "--detach", story.commits["c9"]], cwd=detached, check=True
    )
    result = workbench(
        "history", "pkg/shapes.py:fetch", "--repo", str(detached), "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    assert [c["summary"] for c in json.loads(result.stdout)["commits"]] == ["c9", "c1"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["pkg/shapes.py:Circle.radius"],
            "'Circle.radius' not found in pkg/shapes.py; functions nearby:",
        ),
        (["pkg/missing.py:f"], "pkg/missing.py is not in the repository"),
        (["pkg/shapes.py:fetch", "--rev", "no-such-branch"], "unknown revision 'no-such-branch'"),
        (["pkg/shapes.py:fetch", "--range", "c1"], "must be BASE..BRANCH"),
    ],
)
def test_errors_are_one_line_exit_2(clone: Path, args: list[str], message: str) -> None:
    result = workbench("history", *args, "--repo", str(clone))
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("workbench: error: ")
    assert message in result.stderr


def test_not_a_git_repository(tmp_path: Path) -> None:
    result = workbench("history", "a.py:f", "--repo", str(tmp_path))
    assert result.returncode == 2
    assert "is not a git repository" in result.stderr
    assert result.stderr.count("\n") == 1


def test_shallow_clone_warns_and_answers(story: GitRepo, tmp_path: Path) -> None:
    shallow = tmp_path / "shallow"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "2", f"file://{story.path}", str(shallow)], check=True
    )
    result = workbench("history", "pkg/util.py:helper", "--repo", str(shallow))
    assert result.returncode == 0, result.stderr
    assert f"warning: shallow clone: history is cut at {story.commits['c12'][:12]}" in result.stderr
    assert "c13" in result.stdout


def test_write_commit_graph(clone: Path) -> None:
    result = workbench("history", "--write-commit-graph", "--repo", str(clone))
    assert result.returncode == 0, result.stderr
    assert (clone / ".git/objects/info/commit-graph").is_file() or (
        clone / ".git/objects/info/commit-graphs"
    ).is_dir()


def test_hotspots_and_candidates(story: GitRepo, clone: Path, tmp_path: Path) -> None:
    base, branch = write_profiles(story, tmp_path)
    hot = workbench(
        "hotspots", str(branch), "--repo", str(clone), "--since", "2000-01-01", "--format", "json"
    )
    assert hot.returncode == 0, hot.stderr
    spots = json.loads(hot.stdout)["hotspots"]
    assert [spot["function"] for spot in spots][:2] == [
        "pkg/shapes.py:compute",
        "pkg/util.py:inner",
    ]
    assert spots[0]["commits"] == 3 and spots[0]["self_pct"] == pytest.approx(40.0)
    text = workbench("hotspots", str(branch), "--repo", str(clone), "--since", "2000-01-01")
    assert "pkg/shapes.py:compute" in text.stdout
    rev_range = f"{story.commits['c5']}..{story.commits['c13']}"
    cand = workbench(
        "candidates", str(base), str(branch), "--range", rev_range, "--repo", str(clone)
    )
    assert cand.returncode == 0, cand.stderr
    lines = cand.stdout.splitlines()
    assert lines[0] == "regressions in " + rev_range + ": 2 candidates"
    assert lines[2].split()[:2] == ["1", story.commits["c9"][:12]]
    bad = workbench("candidates", str(base), str(branch), "--range", "x..y", "--repo", str(clone))
    assert bad.returncode == 2 and "unknown revision 'x'" in bad.stderr

"""Attribution on the differential call graph: story repo and a caller-calls-more repo."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from workbench.analysis.attribution import attribute
from workbench.analysis.render import attribution_markdown, attribution_text
from workbench.profiles.io import read_profile

RENDER_V1 = """BLOCK = {"div", "p"}


def is_block_level(tag):
    return tag in BLOCK


def render(items):
    out = []
    for item in items:
        out.append(item)
    return out


def other(n):
    return sum(range(n))
"""


@pytest.fixture
def caller_repo(tmp_path: Path) -> GitRepo:
    """c1 annotates and documents the callee; c2 makes the caller call it per item;
    c3 changes an unrelated function that got cheaper."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("app/render.py", RENDER_V1)
    repo.commit("v1")
    repo.write(
        "app/render.py",
        RENDER_V1.replace(
            "def is_block_level(tag):\n",
            'def is_block_level(tag: str) -> bool:\n    """True for block-level tags."""\n',
        ),
    )
    repo.commit("Annotate is_block_level", "bob")
    text = (repo.path / "app/render.py").read_text()
    repo.write(
        "app/render.py",
        text.replace("        out.append(item)\n", "        out.append(is_block_level(item))\n"),
    )
    repo.commit("Mark block-level items", "carol")
    text = (repo.path / "app/render.py").read_text()
    repo.write("app/render.py", text.replace("sum(range(n))", "n * (n - 1) // 2"))
    repo.commit("Closed form for other")
    return repo


def _frames(repo: GitRepo) -> dict[str, str]:
    lines = (repo.path / "app/render.py").read_text().splitlines()

    def at(text: str, name: str) -> str:
        return f"{name} (app/render.py:{lines.index(text) + 1})"

    return {
        "main": "main (main.py:1)",
        "render": at("        out.append(is_block_level(item))", "render"),
        "callee": at("    return tag in BLOCK", "is_block_level"),
        "other": at("    return n * (n - 1) // 2", "other"),
    }


def _caller_profiles(repo: GitRepo, folder: Path) -> tuple[Path, Path]:
    f = _frames(repo)
    base, branch = folder / "base.txt", folder / "branch.txt"
    base.write_text(f"{f['main']};{f['render']} 50\n{f['main']};{f['other']} 50\n")
    branch.write_text(
        f"{f['main']};{f['render']};{f['callee']} 60\n{f['main']};{f['render']} 10\n"
        f"{f['main']};{f['other']} 5\n"
    )
    return base, branch


def test_a_caller_that_starts_calling_ranks_above_a_cosmetic_callee_change(
    caller_repo: GitRepo, tmp_path: Path
) -> None:
    base, branch = _caller_profiles(caller_repo, tmp_path)
    rev_range = f"{caller_repo.commits['v1']}..HEAD"
    answer = attribute(caller_repo.path, read_profile(base), read_profile(branch), rev_range)
    assert [caller_repo.label(c.sha) for c in answer.regressions] == ["Mark block-level items"]
    top = answer.regressions[0]
    assert top.functions[0] == "app/render.py:render"
    assert "now calls is_block_level" in top.why and "hunk: out.append(is_block_level" in top.why
    assert top.score == pytest.approx(80.0)  # the new edge's points (60 of 75 samples), in full
    # The annotation commit changed the regressed callee, cosmetically: listed, never ranked.
    assert [caller_repo.label(c.sha) for c in answer.cosmetic] == ["Annotate is_block_level"]
    assert answer.cosmetic[0].functions == ["app/render.py:is_block_level"]
    # The closed form made `other` cheaper: an improvement, ranked on its own.
    assert [caller_repo.label(c.sha) for c in answer.improvements] == ["Closed form for other"]
    assert answer.improvements[0].why.startswith("other: self -")


def test_story_regressions_and_improvements(story: GitRepo, profiles: tuple[Path, Path]) -> None:
    rev_range = f"{story.commits['c5']}..{story.commits['c13']}"
    answer = attribute(story.path, read_profile(profiles[0]), read_profile(profiles[1]), rev_range)
    assert [(story.label(c.sha), round(c.score, 2)) for c in answer.regressions] == [
        ("c9", 30.0),
        ("c13", 20.0),
    ]
    assert answer.regressions[0].functions == ["pkg/shapes.py:compute"]
    assert answer.regressions[1].why.startswith("helper: calls inner +20.0 pts")
    assert [story.label(c.sha) for c in answer.improvements] == []  # c9 is a regression first
    text = attribution_text(answer)
    assert text.splitlines()[0] == f"regressions in {rev_range}: 2 candidates"
    assert "### Regressions in" in attribution_markdown(answer)


def test_samples_without_a_python_frame_are_passed_over(
    story: GitRepo, profiles: tuple[Path, Path]
) -> None:
    # py-spy writes " 40" for a sample with no Python frame; its growth has no file to blame.
    base, branch = profiles
    branch.write_text(branch.read_text() + " 40\n")
    rev_range = f"{story.commits['c5']}..{story.commits['c13']}"
    answer = attribute(story.path, read_profile(base), read_profile(branch), rev_range)
    assert [story.label(c.sha) for c in answer.regressions] == ["c9", "c13"]
    assert not any("no Python frame" in note for note in answer.notes)


def workbench(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workbench", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_json_keys_and_bad_range(caller_repo: GitRepo, tmp_path: Path) -> None:
    base, branch = _caller_profiles(caller_repo, tmp_path)
    rev_range = f"{caller_repo.commits['v1']}..HEAD"
    repo = str(caller_repo.path)
    done = workbench(
        "candidates",
        str(base),
        str(branch),
        "--range",
        rev_range,
        "--repo",
        repo,
        "--format",
        "json",
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    for side in ("regressions", "improvements"):
        for row in data[side]:
            assert {"sha", "summary", "author", "date", "score", "why", "functions"} <= set(row)
    assert data["regressions"][0]["summary"] == "Mark block-level items"
    assert data["cosmetic"][0]["summary"] == "Annotate is_block_level"
    bad = workbench("candidates", str(base), str(branch), "--range", "x..y", "--repo", repo)
    assert bad.returncode == 2 and "unknown revision 'x'" in bad.stderr


def test_diff_propose_links_each_item_to_its_likely_commit(
    caller_repo: GitRepo, tmp_path: Path
) -> None:
    base, branch = _caller_profiles(caller_repo, tmp_path)
    db = tmp_path / "triage.db"
    rev_range = f"{caller_repo.commits['v1']}..HEAD"
    repo = str(caller_repo.path)
    done = workbench(
        "diff", str(base), str(branch), "--propose", "--range", rev_range, "--repo", repo,
        "--db", str(db), "--format", "json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    json.loads(done.stdout)  # stdout stays the diff
    items = json.loads(workbench("backlog", "list", "--db", str(db), "--format", "json").stdout)
    # The callee grew because the caller now calls it: its item links the caller's commit
    # (named by the edge in the why), never the annotation that touched the callee.
    callee = next(i for i in items if i["title"].startswith("New hotspot: is_block_level"))
    commits = [e for e in callee["evidence"] if e["kind"] == "commit"]
    assert [e["ref"] for e in commits] == [caller_repo.commits["Mark block-level items"]]
    assert "its candidate, #1 in" in commits[0]["note"] and "score 80.00" in commits[0]["note"]
    assert f"#{callee['id']} links" in done.stderr
    # Without --range the items say why no commit is linked.
    again = workbench(
        "diff", str(base), str(branch), "--propose", "--db", str(tmp_path / "other.db")
    )
    assert again.returncode == 0 and "no commit linked: no commit range given" in again.stderr
    alone = workbench("diff", str(base), str(branch), "--range", rev_range)
    assert alone.returncode == 2 and "add --propose" in alone.stderr

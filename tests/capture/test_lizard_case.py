"""The judged case: a real pure-Python library whose newer release is slower (see lizard_case)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.capture import lizard_case
from tests.capture.repos import worktrees
from tests.helpers import workbench

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def lizard(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest):
    cache = Path(request.config.cache.mkdir("lizard-wheels"))
    root = tmp_path_factory.mktemp("lizard")
    try:
        shas = lizard_case.build_repo(root / "repo", cache)
    except subprocess.CalledProcessError as error:
        pytest.skip(f"pip could not download lizard from PyPI: {error.stderr!r:.200}")
    workload = root / "work.py"
    workload.write_text(lizard_case.WORKLOAD)
    return root / "repo", shas, [sys.executable, str(workload), "100"]


def test_capture_names_the_slower_function_with_seconds(lizard, tmp_path: Path) -> None:
    repo, shas, command = lizard
    done = workbench("capture", "--repo", repo, "--base", "v1.15.7", "--branch", "v1.16.1",
                     "--repeat", "6", "--out", tmp_path / "cap", "--format", "json", "--",
                     *command)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["time"]["cpu"]["significant"] and report["time"]["cpu"]["delta_pct"] > 100
    top = report["time"]["functions"][0]
    assert top["function"] == "CodeReader.generate_tokens.<locals>._generate_tokens"
    assert top["file"] == "lizard_languages/code_reader.py"
    assert top["significant"] and top["branch_self_seconds"] > 0.2
    assert report["gate"]["outcome"] == "fail"
    markdown = workbench("diff", tmp_path / "cap", "--format", "markdown")
    assert "\\_generate\\_tokens" in markdown.stdout  # escaped for GitHub
    assert worktrees(repo) == [str(repo)]


def test_bisect_names_the_culprit_skipping_what_cannot_run(lizard) -> None:
    repo, shas, command = lizard
    done = workbench("bisect", "--repo", repo, "--good", "v1.15.7", "--bad", "v1.16.1",
                     "--metric", "cpu", "--repeat", "3", "--threshold", "50",
                     "--format", "json", "--", *command)  # fmt: skip
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["first_bad"] == shas["culprit"]
    assert result["first_bad_commit"]["subject"] == f"{lizard_case.CULPRIT} as in lizard 1.16.1"
    skipped = [step for step in result["steps"] if step["verdict"] == "skip"]
    assert skipped and all("cannot run" in step["reason"] for step in skipped)
    # The culprit, read: it adds the JSX tag tokens to the tokenizer regex.
    patch = subprocess.run(["git", "-C", str(repo), "show", shas["culprit"]],
                           capture_output=True, text=True, check=True).stdout  # fmt: skip
    added = [line for line in patch.splitlines() if line.startswith("+")]
    assert any(r"<\s*.*?\s*>.*?<\/\s*.*?\s*>" in line for line in added)

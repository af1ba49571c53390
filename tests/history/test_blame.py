"""Blame of a span and of exact hot lines, from one porcelain ``git blame -w``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.history.gitrepo import GitRepo
from workbench.errors import HistoryError
from workbench.history.blame import author_shares, blame_lines, blame_span
from workbench.history.locate import locate_function
from workbench.history.repo import open_repo


def test_span_blame_attributes_each_line(story: GitRepo) -> None:
    span = locate_function(open_repo(story.path), "pkg/shapes.py", "Circle.area")
    lines = blame_span(story.path, "pkg/shapes.py", span.start, span.end)
    assert [line.line for line in lines] == list(range(span.start, span.end + 1))
    assert [line.text for line in lines] == [
        "    def area(self):",
        "        return math.pi * self.r * self.r",
    ]
    # c8 moved Circle below Square: without -C/-M the def line is the move's.
    assert [story.label(line.sha) for line in lines] == ["c8", "c11"]
    assert lines[1].author == "Bob | Builder"
    assert lines[1].date.isoformat() == "2024-01-11T12:00:00+00:00"
    shares = author_shares(lines)
    assert [(s.author, s.lines, s.share) for s in shares] == [("Bob | Builder", 2, 1.0)]


def test_copies_see_through_moves(tmp_path: Path) -> None:
    repo = GitRepo(tmp_path / "repo")
    body = "".join(f"    value_{n} = compute_something(argument_{n})\n" for n in range(6))
    function = f"def moved(argument_0):\n{body}    return value_5\n"
    repo.write("a.py", f"import os\n\n\n{function}")
    repo.commit("first")
    repo.write("a.py", "import os\n")
    repo.write("b.py", function)
    repo.commit("split", "bob")
    plain = blame_span(repo.path, "b.py", 1, 8)
    copies = blame_span(repo.path, "b.py", 1, 8, copies=True)
    assert {repo.label(line.sha) for line in plain} == {"split"}
    assert {repo.label(line.sha) for line in copies} == {"first"}
    assert {line.orig_path for line in copies} == {"a.py"}
    assert copies[0].orig_line == 4


def test_hot_lines_are_blamed_exactly(story: GitRepo) -> None:
    source = (story.path / "pkg/shapes.py").read_text().splitlines()
    hot = [
        source.index("        total += i * 2") + 1,
        source.index("        return self.s ** 2") + 1,
    ]
    lines = blame_lines(story.path, "pkg/shapes.py", [hot[1], hot[0], hot[0]])
    assert [line.line for line in lines] == sorted(hot)
    assert {line.line: story.label(line.sha) for line in lines} == {hot[0]: "c9", hot[1]: "c3"}
    assert blame_lines(story.path, "pkg/shapes.py", []) == []


def test_option_like_path_and_bad_lines(story: GitRepo) -> None:
    (line,) = blame_lines(story.path, "--opt.py", [2])
    assert story.label(line.sha) == "c6"
    with pytest.raises(HistoryError, match="cannot blame"):
        blame_lines(story.path, "pkg/shapes.py", [10_000])

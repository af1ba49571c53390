"""Function history from ``git log -L`` against an independent ast walk over every commit."""

from __future__ import annotations

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.oracle import changing_commits
from workbench.errors import HistoryError
from workbench.history.locate import Span
from workbench.history.log import FunctionHistory, function_history
from workbench.history.walk import Version, function_patch

CASES = [
    # (function, path at HEAD, qualname, commits we know changed it, newest first)
    ("pkg/shapes.py:Circle.area", ["c11", "c2", "c1"]),
    ("pkg/shapes.py:Square.area", ["c3", "c1"]),
    ("pkg/util.py:helper", ["c13", "c4", "c1"]),
    ("pkg/util.py:helper.<locals>.inner", ["c4", "c1"]),
    ("pkg/util.py:helper.inner", ["c4", "c1"]),
    ("pkg/shapes.py:compute", ["c9", "c5", "c1"]),
    ("pkg/shapes.py:parse", ["c1"]),
    ("pkg/shapes.py:fetch", ["c9", "c1"]),
    ("pkg/shapes.py:banner", ["c10"]),
    ("--opt.py:f", ["c6", "c1"]),
]


@pytest.mark.parametrize(("function", "expected"), CASES)
def test_commits_are_exactly_those_that_changed_the_span(
    story: GitRepo, function: str, expected: list[str]
) -> None:
    history = function_history(story.path, function, use_cache=False)
    got = [story.label(commit.sha) for commit in history.commits]
    path, _, qualname = function.partition(":")
    assert [story.label(sha) for sha in changing_commits(story, path, qualname)] == expected
    assert got == expected


def test_counts_lines_inside_the_function(story: GitRepo) -> None:
    history = function_history(story.path, "pkg/shapes.py:compute", use_cache=False)
    by_label = {story.label(c.sha): c for c in history.commits}
    assert (by_label["c9"].added, by_label["c9"].removed) == (1, 1)
    assert (by_label["c5"].added, by_label["c5"].removed) == (1, 0)  # the decorator line
    assert (by_label["c1"].added, by_label["c1"].removed) == (6, 0)
    assert (history.added, history.removed) == (8, 1)
    assert "+@trace" in by_label["c5"].patch
    assert history.span.start < history.span.end
    assert history.span.qualname == "compute"


def test_follows_renames_and_moves_with_notes(story: GitRepo) -> None:
    history = function_history(story.path, "pkg/util.py:helper", use_cache=False)
    paths = {story.label(c.sha): c.path for c in history.commits}
    assert paths == {"c13": "pkg/util.py", "c4": "shapes.py", "c1": "shapes.py"}
    assert any("moved unchanged" in note and "pkg/shapes.py" in note for note in history.notes)


def test_authors_and_dates_are_literal(story: GitRepo) -> None:
    history = function_history(story.path, "pkg/shapes.py:Circle.area", use_cache=False)
    newest = history.commits[0]
    assert (newest.author, newest.email, newest.summary) == (
        "Bob | Builder",
        "bob@example.com",
        "c11",
    )
    assert newest.date.isoformat() == "2024-01-11T12:00:00+00:00"
    assert history.commits_by_author() == {"Alice Example": 2, "Bob | Builder": 1}


def test_rev_since_and_range_restrict(story: GitRepo) -> None:
    at_c5 = function_history(
        story.path, "shapes.py:compute", rev=story.commits["c5"], use_cache=False
    )
    assert [story.label(c.sha) for c in at_c5.commits] == ["c5", "c1"]
    since = function_history(
        story.path, "pkg/shapes.py:compute", since="2024-01-05T00:00:00+00:00", use_cache=False
    )
    assert [story.label(c.sha) for c in since.commits] == ["c9", "c5"]
    ranged = function_history(
        story.path,
        "pkg/shapes.py:compute",
        rev_range=f"{story.commits['c5']}..{story.commits['c13']}",
        use_cache=False,
    )
    assert [story.label(c.sha) for c in ranged.commits] == ["c9"]
    assert ranged.rev == story.commits["c13"]


def test_since_after_the_last_commit_and_an_empty_range_answer_no_commits(story: GitRepo) -> None:
    # git prints nothing at all when no commit matches; that is an answer, not a crash.
    later = function_history(
        story.path, "pkg/shapes.py:compute", since="2999-01-01", use_cache=False
    )
    assert later.commits == [] and later.span.qualname == "compute"
    tip = story.commits["c13"]
    empty = function_history(
        story.path, "pkg/shapes.py:compute", rev_range=f"{tip}..{tip}", use_cache=False
    )
    assert empty.commits == []


def test_frame_label_and_absolute_path(story: GitRepo) -> None:
    source = (story.path / "pkg/shapes.py").read_text().splitlines()
    hot = source.index("        return math.pi * self.r * self.r") + 1
    # py-spy names a method without its class: the frame's line picks Circle's.
    history = function_history(
        story.path, f"area ({story.path}/pkg/shapes.py:{hot})", use_cache=False
    )
    assert history.span.qualname == "Circle.area"
    assert hot in history.span
    qualified = function_history(
        story.path, "other/checkout/pkg/shapes.py:Square.area", use_cache=False
    )
    assert qualified.path == "pkg/shapes.py"


def test_json_round_trip(story: GitRepo) -> None:
    history = function_history(story.path, "pkg/shapes.py:fetch", use_cache=False)
    data = history.to_json(patches=True)
    assert set(data) >= {"function", "path", "span", "commits"}
    assert set(data["commits"][0]) >= {"sha", "author", "date", "summary", "added", "removed"}
    assert FunctionHistory.from_json(data).to_json(patches=True) == data


def test_patch_is_the_function_diff_at_file_line_numbers() -> None:
    old = Version("def f():\n    a = 1\n    return a", Span("x.py", "f", 10, 12))
    new = Version("@cache\ndef f():\n    a = 2\n    return a", Span("x.py", "f", 20, 23))
    added, removed, patch = function_patch(old, new, "x.py", "y.py")
    assert (added, removed) == (2, 1)
    assert patch.splitlines()[:3] == ["--- a/x.py", "+++ b/y.py", "@@ -10,3 +20,4 @@"]
    assert "+@cache" in patch and "-    a = 1" in patch and "     return a" in patch


@pytest.mark.parametrize(
    ("function", "message"),
    [
        ("pkg/shapes.py:Circle.perimeter", "functions nearby: Circle.area, Circle.__init__"),
        ("pkg/shapes.py:area", "ambiguous"),
        ("pkg/nothing.py:f", "not in the repository"),
        ("justaname", "names no file"),
        ("pkg/shapes.py", "names no function"),  # a file alone: the function is missing
        ("pkg/shapes.py:", "names no function"),
    ],
)
def test_errors_say_what_is_wrong(story: GitRepo, function: str, message: str) -> None:
    with pytest.raises(HistoryError, match=message):
        function_history(story.path, function, use_cache=False)


def test_unknown_revision_and_bad_range(story: GitRepo) -> None:
    with pytest.raises(HistoryError, match="unknown revision 'nope'"):
        function_history(story.path, "pkg/shapes.py:fetch", rev="nope", use_cache=False)
    with pytest.raises(HistoryError, match="unknown revision '--output=x'"):
        function_history(story.path, "pkg/shapes.py:fetch", rev="--output=x", use_cache=False)
    with pytest.raises(HistoryError, match="BASE..BRANCH"):
        function_history(story.path, "pkg/shapes.py:fetch", rev_range="main", use_cache=False)

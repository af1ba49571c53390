"""Function history from ``git log -L`` against an independent ast walk over every commit."""

from __future__ import annotations

import gc
import sys
import threading

import pytest

from tests.history.gitrepo import GitRepo
from tests.history.oracle import changing_commits
from workbench.errors import HistoryError
from workbench.history.finder import Version
from workbench.history.function_patch import function_patch
from workbench.history.locate import Span, locate_in_source
from workbench.history.log import FunctionHistory, function_history

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
    old = Version(b"def f():\n    a = 1\n    return a", Span("x.py", "f", 10, 12))
    new = Version(b"@cache\ndef f():\n    a = 2\n    return a", Span("x.py", "f", 20, 23))
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


class _Finalizer:
    """A cyclic object whose finalizer runs Python code, so a collection can switch threads."""

    def __init__(self) -> None:
        self.me = self

    def __del__(self) -> None:
        total = 0
        for number in range(200):
            total += number


def test_functions_are_located_from_several_threads_at_once() -> None:
    # CPython 3.11.7's ast.parse fails with "AST constructor recursion depth
    # mismatch" when a GC during one parse lets another thread parse (the History
    # pane's workers, hotspots' pool). Seen in the pane, which then hung on "Asking git".
    source = "\n".join(
        f"class C{i}:\n    @property\n    def m(self):\n        return [(a, (b, [c])) for a in x]\n"
        for i in range(150)
    )
    errors: list[BaseException] = []

    def locate_many() -> None:
        for _ in range(25):
            garbage = [_Finalizer() for _ in range(50)]
            del garbage
            try:
                assert locate_in_source(source, "C149.m").start == 5 * 149 + 2
            except BaseException as error:  # noqa: BLE001 - collected for the assertion below
                errors.append(error)

    threshold = gc.get_threshold()
    switch = sys.getswitchinterval()
    gc.set_threshold(50)
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=locate_many) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        gc.set_threshold(*threshold)
        sys.setswitchinterval(switch)
    assert errors == []


@pytest.mark.parametrize(
    ("frame", "found"),
    [
        ("encode.<locals>.<listcomp>", "encode"),
        ("encode.<locals>.<listcomp>.<genexpr>", "encode"),
        ("Codec.pack.<locals>.<lambda>", "Codec.pack"),
        ("<lambda>", None),
    ],
)
def test_comprehensions_and_lambdas_are_the_function_around_them(
    frame: str, found: str | None
) -> None:
    """A hot ``<listcomp>`` frame (as py-spy names it) has the history of its function."""
    source = (
        "def encode(rows):\n    return [str(r) for r in (x for x in rows)]\n\n\n"
        "class Codec:\n    def pack(self, rows):\n        return sorted(rows, key=lambda r: -r)\n"
    )
    if found is None:
        with pytest.raises(HistoryError, match="not found"):
            locate_in_source(source, frame, "m.py")
    else:
        assert locate_in_source(source, frame, "m.py").qualname == found


def test_a_function_quoted_out_and_back_is_deleted_and_created(tmp_path) -> None:
    """Code "commented out" in a triple-quoted string is no function for ast: nor for us."""
    repo = GitRepo(tmp_path / "repo")
    body = "def keep():\n    return 0\n\n\ndef g():\n    return 1\n"
    versions = [
        body,
        body.replace("def g", '"""\n\ndef g') + '"""\n',
        body.replace("def g", '"""\n\ndef g') + '"""\nX = 1\n',
        body + "X = 1\n",
        body.replace("return 1", "return 2") + "X = 1\n",
    ]
    for number, text in enumerate(versions, 1):
        repo.write("m.py", text)
        repo.commit(f"c{number}")
    expected = [repo.label(sha) for sha in changing_commits(repo, "m.py", "g")]
    assert expected == ["c5", "c4"]  # the oracle stops where g appears
    got = function_history(repo.path, "m.py:g", use_cache=False)
    assert [repo.label(c.sha) for c in got.commits] == ["c5", "c4", "c2", "c1"]

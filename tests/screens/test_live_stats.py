"""What the Live pane's top table and icicle compute, checked without a terminal."""

from __future__ import annotations

from screens.live_stats import (
    function_stats,
    hot_lines,
    top_rows,
    trend_mark,
    trend_marks,
)
from screens.widgets.live_icicle import live_tree
from screens.widgets.live_status import format_elapsed
from screens.widgets.sparklines import bar_rows, caption, format_bytes, format_rate
from workbench.profiles.model import Frame, Profile

MAIN = Frame("main", "/srv/app/main.py", 1)
HANDLE = Frame("handle", "/srv/app/main.py", 10)
JOIN = Frame("join_quadratic", "/srv/app/join.py", 5)
RECURSE = Frame("walk", "/srv/app/tree.py", 3)


def sample_profile() -> Profile:
    """main→handle→join ×6 (worker), main→handle ×2 (worker), main→walk→walk ×2 (other)."""
    profile = Profile()
    worker, other = profile.thread_index("worker"), profile.thread_index("other")
    profile.add_frames([MAIN, HANDLE, JOIN], 6, worker)
    profile.add_frames([MAIN, HANDLE], 2, worker)
    profile.add_frames([MAIN, RECURSE, RECURSE], 2, other)
    return profile


def by_function(stats) -> dict[str, tuple[float, float]]:
    return {row.function: (row.self_pct, row.total_pct) for row in stats.rows.values()}


def test_self_and_total_shares_count_recursion_once() -> None:
    stats = function_stats(sample_profile())
    assert stats.total == 10
    assert by_function(stats) == {
        "main": (0.0, 100.0),
        "handle": (20.0, 80.0),
        "join_quadratic": (60.0, 60.0),
        "walk": (20.0, 20.0),
    }


def test_hot_lines_are_ordered_by_samples() -> None:
    profile = Profile()
    profile.add_frames([Frame("f", "/a.py", 3)], 1)
    profile.add_frames([Frame("f", "/a.py", 7)], 5)
    (key,) = function_stats(profile).rows
    assert hot_lines(profile, key) == [7, 3]


def test_top_rows_sort_filter_and_limit() -> None:
    stats = function_stats(sample_profile())
    assert [row.function for row in top_rows(stats, "self")][:2] == ["join_quadratic", "handle"]
    assert [row.function for row in top_rows(stats, "total")][0] == "main"
    assert [row.function for row in top_rows(stats, "name")] == [
        "handle",
        "join_quadratic",
        "main",
        "walk",
    ]
    assert [row.function for row in top_rows(stats, "self", "JOIN")] == ["join_quadratic"]
    assert [row.function for row in top_rows(stats, "self", "tree.py")] == ["walk"]
    assert len(top_rows(stats, "self", limit=2)) == 2


def test_trend_marks() -> None:
    assert trend_mark(10.0, 5.0) == "▲"
    assert trend_mark(5.0, 10.0) == "▼"
    assert trend_mark(5.0, 5.5) == "="
    assert trend_mark(5.0, None) == "+"
    assert trend_marks({"a": 3.0}, {"b": 4.0}, ["a", "b"]) == {"a": "+", "b": "▼"}


def test_plain_icicle_tree_sorts_widest_first() -> None:
    tree = live_tree(None, sample_profile())
    assert tree.share == 1.0 and tree.delta is None
    (main,) = tree.children
    assert [(child.label, round(child.share, 3)) for child in main.children] == [
        ("handle", 0.8),
        ("walk", 0.2),
    ]
    assert str(main.children[0].children[0].data.key).endswith(":join_quadratic")


def test_differential_icicle_colours_what_grew() -> None:
    before = Profile()
    before.add_frames([MAIN, HANDLE], 8)
    before.add_frames([MAIN, HANDLE, JOIN], 2)
    tree = live_tree(before, sample_profile())
    handle = tree.children[0].children[0]
    join = handle.children[0]
    assert join.label == "join_quadratic" and join.delta > 0  # 20% -> 60%
    assert round(join.share, 3) == 0.6


def test_formats() -> None:
    assert format_bytes(512) == "512 B"
    assert format_bytes(3 * 1024 * 1024) == "3.0 MiB"
    assert format_elapsed(75) == "1:15"
    assert format_elapsed(3725) == "1:02:05"
    assert format_rate(2_345_678) == "2.3 MB/s"
    assert format_rate(950) == "950 B/s"
    assert caption("read", [0, 9_100_000, 2_300_000]) == "read      2.3 MB/s ▲9.1 MB/s"


def test_bar_rows_scale_to_the_largest_value_newest_on_the_right() -> None:
    assert bar_rows([0, 4, 8, 16], width=6, height=2) == ["     █", "   ▄██"]
    assert bar_rows([0.1, 100], width=2, height=1) == ["▁█"]  # a little is never nothing
    assert bar_rows(list(range(1, 11)), width=3, height=1)[0] == "▆▇█"  # only the last 3
    assert bar_rows([], width=4, height=2) == ["    ", "    "]

"""The diff engine on hand-built profiles with known answers, and against plain Python."""

from __future__ import annotations

import random
from collections import defaultdict

import pytest

from tests.profiles.real_profiles import HOT_FUNCTION, RealProfiles
from workbench.errors import ProfileFormatError
from workbench.profiles import shares
from workbench.profiles.diff import diff_profiles, function_shares
from workbench.profiles.difftree import DiffNode, diff_tree
from workbench.profiles.identity import FunctionKey
from workbench.profiles.io import read_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta

# Paths under a folder that does not exist, so no project root shortens them.
ROOT = "/nonexistent/wt"


def frame(name: str, path: str = "app.py", line: int | None = None) -> Frame:
    return Frame(name, path, line)


def build(stacks: list[tuple[list[Frame], float]], **meta: object) -> Profile:
    profile = Profile(ProfileMeta(**meta))  # type: ignore[arg-type]
    for frames, weight in stacks:
        profile.add_frames(frames, weight)
    return profile


def key(name: str, path: str = "app.py") -> FunctionKey:
    return FunctionKey(path, name)


def test_self_and_total_count_recursion_once() -> None:
    main, walk, leaf = frame("main"), frame("walk"), frame("leaf")
    profile = build(
        [
            ([main, walk, walk, walk, leaf], 6),  # walk recurses: counted once in this stack
            ([main, walk], 3),
            ([main], 1),
            ([], 2),  # an empty stack (py-spy writes idle samples so) weighs in the total only
        ]
    )
    result = function_shares(profile)
    assert result[key("main")] == (1.0, 10.0)
    assert result[key("walk")] == (3.0, 9.0)
    assert result[key("leaf")] == (6.0, 6.0)
    diff = diff_profiles(profile, profile)
    walk_delta = next(item for item in diff.functions if item.key == key("walk"))
    assert walk_delta.base_total_pct == pytest.approx(75.0)  # 9 of 12, never over 100
    assert walk_delta.base_self_pct == pytest.approx(25.0)
    assert diff.regressions == diff.improvements == diff.new_hotspots == []


def test_ranking_noise_and_new_hotspots() -> None:
    main = frame("main")
    base = build(
        [
            ([main, frame("parse")], 50),
            ([main, frame("render")], 40),
            ([main, frame("tiny")], 0.8),
            ([main, frame("steady")], 9.2),
        ],
        unit="samples",
        rate=100.0,
    )
    branch = build(
        [
            ([main, frame("parse")], 20),
            ([main, frame("render")], 45),
            ([main, frame("tiny")], 12),  # below 1% in base: still a new hotspot
            ([main, frame("cache")], 13),  # absent from base
            ([main, frame("steady")], 9.2),  # +0.07 points: noise
        ],
        unit="samples",
        rate=100.0,
    )
    diff = diff_profiles(base, branch, hotspot_pct=5.0, noise_pct=0.5)
    total = 99.2
    assert [item.key.qualname for item in diff.regressions] == ["cache", "tiny", "render"]
    assert [item.key.qualname for item in diff.improvements] == ["parse"]
    assert [item.key.qualname for item in diff.new_hotspots] == ["cache", "tiny"]
    cache = diff.new_hotspots[0]
    assert not cache.in_base and cache.in_branch
    assert cache.branch_self_pct == pytest.approx(13 / total * 100)
    assert cache.delta_self_seconds == pytest.approx(0.13)
    deltas = [item.delta_self_pct for item in diff.functions]
    assert deltas == sorted(deltas, reverse=True)
    assert {item.key.qualname for item in diff.functions} == {
        "main",
        "parse",
        "render",
        "tiny",
        "cache",
        "steady",
    }
    assert diff.base.total_samples == 100 and diff.base.total_seconds == pytest.approx(1.0)
    assert diff.base.functions == 5 and diff.branch.functions == 6


def test_path_prefixes_match_and_new_functions_join_their_file() -> None:
    # py-spy raw writes w.py, its speedscope output /abs/path/w.py, for the same run.
    base = build([([frame("main", "w.py"), frame("hot", "w.py")], 10)])
    branch = build(
        [
            ([frame("main", f"{ROOT}/w.py"), frame("hot", f"{ROOT}/w.py")], 5),
            ([frame("main", f"{ROOT}/w.py"), frame("fresh", f"{ROOT}/w.py")], 5),
        ]
    )
    diff = diff_profiles(base, branch)
    assert {str(item.key) for item in diff.functions} == {"w.py:main", "w.py:hot", "w.py:fresh"}
    hot = next(item for item in diff.functions if item.key == key("hot", "w.py"))
    assert hot.in_base and hot.in_branch and hot.delta_self_pct == pytest.approx(-50.0)


def test_ambiguous_suffix_stays_apart() -> None:
    base = build([([frame("f", "util.py")], 1)])
    branch = build([([frame("f", f"{ROOT}/a/util.py")], 1), ([frame("f", f"{ROOT}/b/util.py")], 1)])
    diff = diff_profiles(base, branch)
    assert len(diff.functions) == 3


def test_qualified_and_bare_names_pair_only_when_unambiguous() -> None:
    # py-spy (Python >= 3.11) qualifies names; pyinstrument gives the bare name.
    base = build(
        [
            ([frame("Cache.load")], 4),
            ([frame("parse.<locals>.<genexpr>")], 3),
            ([frame("render.<locals>.<genexpr>")], 3),
        ]
    )
    branch = build([([frame("load")], 5), ([frame("<genexpr>")], 5)])
    rows = {str(item.key): item for item in diff_profiles(base, branch).functions}
    assert set(rows) == {
        "app.py:Cache.load",
        "app.py:parse.<locals>.<genexpr>",
        "app.py:render.<locals>.<genexpr>",
        "app.py:<genexpr>",
    }
    assert rows["app.py:Cache.load"].delta_self_pct == pytest.approx(10.0)


def test_different_units_compare_by_share() -> None:
    base = build([([frame("a")], 30), ([frame("b")], 70)], unit="samples")  # no rate: no time
    branch = build([([frame("a")], 1.5), ([frame("b")], 0.5)], unit="seconds")
    diff = diff_profiles(base, branch)
    a = next(item for item in diff.functions if item.key == key("a"))
    assert (a.base_self_pct, a.branch_self_pct) == pytest.approx((30.0, 75.0))
    assert a.base_self_seconds is None and a.branch_self_seconds == pytest.approx(1.5)
    assert a.delta_self_seconds is None
    assert diff.base.total_samples == 100 and diff.base.total_seconds is None
    assert diff.branch.total_seconds == pytest.approx(2.0) and diff.branch.total_samples is None


def test_line_mode_splits_a_function_by_line() -> None:
    base = build([([frame("f", line=3)], 5), ([frame("f", line=4)], 5)])
    branch = build([([frame("f", line=3)], 2), ([frame("f", line=4)], 8)])
    by_function = diff_profiles(base, branch)
    assert [(item.key.qualname, item.line) for item in by_function.functions] == [("f", None)]
    by_line = diff_profiles(base, branch, by="line")
    lines = {item.line: item for item in by_line.functions}
    assert set(lines) == {3, 4}
    assert lines[4].delta_self_pct == pytest.approx(30.0)
    assert lines[3].delta_self_pct == pytest.approx(-30.0)
    assert lines[4].to_json()["line"] == 4
    assert by_line.base.functions == 1


def test_json_has_the_promised_keys() -> None:
    base = build([([frame("a")], 1)], unit="samples")
    branch = build([([frame("b")], 1)], unit="seconds")
    data = diff_profiles(base, branch).to_json(top=1)
    assert {"base", "branch", "functions", "regressions", "improvements", "new_hotspots"} <= set(
        data
    )
    assert data["base"]["total_samples"] == 1 and data["branch"]["total_seconds"] == 1.0
    row = data["functions"][0]
    for name in (
        "function",
        "file",
        "base_self_pct",
        "branch_self_pct",
        "delta_self_pct",
        "base_total_pct",
        "branch_total_pct",
    ):
        assert name in row
    assert len(data["functions"]) == 1 and data["new_hotspots"][0]["function"] == "b"


def random_profile(rng: random.Random, stacks: int) -> Profile:
    names = [frame(f"f{index}", f"m{index % 3}.py", index % 4) for index in range(25)]
    profile = Profile()
    for _ in range(stacks):
        depth = rng.randint(0, 12)
        profile.add_frames([rng.choice(names) for _ in range(depth)], rng.randint(1, 9))
    return profile


def plain_shares(profile: Profile) -> dict[FunctionKey, tuple[float, float]]:
    """The definition, in plain Python: leaf for self, set of functions for total."""
    result: dict[FunctionKey, list[float]] = defaultdict(lambda: [0.0, 0.0])
    for ids, weight, _thread in profile.stacks():
        keys = [FunctionKey(profile.frames[i].file, profile.frames[i].function) for i in ids]
        if keys:
            result[keys[-1]][0] += weight
        for name in set(keys):
            result[name][1] += weight
    return {name: (values[0], values[1]) for name, values in result.items()}


@pytest.mark.parametrize("chunk", [shares.CHUNK_FRAMES, 7])
def test_numpy_shares_match_plain_python(monkeypatch: pytest.MonkeyPatch, chunk: int) -> None:
    # A tiny chunk makes stacks straddle many chunk boundaries.
    monkeypatch.setattr(shares, "CHUNK_FRAMES", chunk)
    profile = random_profile(random.Random(7), 400)
    expected = plain_shares(profile)
    assert function_shares(profile) == pytest.approx(expected)


def plain_tree(profile: Profile) -> dict[tuple[str, ...], float]:
    inclusive: dict[tuple[str, ...], float] = defaultdict(float)
    for ids, weight, _thread in profile.stacks():
        path: tuple[str, ...] = ()
        for frame_id in ids:
            path += (profile.frames[frame_id].function,)
            inclusive[path] += weight
    return inclusive


def flatten(node: DiffNode, path: tuple[str, ...] = ()) -> dict[tuple[str, ...], DiffNode]:
    found = {}
    stack = [(node, path)]
    while stack:
        current, prefix = stack.pop()
        for child in current.children:
            found[prefix + (child.label,)] = child
            stack.append((child, prefix + (child.label,)))
    return found


def test_diff_tree_matches_plain_inclusive_weights() -> None:
    rng = random.Random(11)
    base, branch = random_profile(rng, 300), random_profile(rng, 300)
    tree = diff_tree(base, branch)
    nodes = flatten(tree)
    expected_base, expected_branch = plain_tree(base), plain_tree(branch)
    assert set(nodes) == set(expected_base) | set(expected_branch)
    for path, node in nodes.items():
        assert node.base_weight == pytest.approx(expected_base.get(path, 0.0))
        assert node.branch_weight == pytest.approx(expected_branch.get(path, 0.0))
        shares_order = [(child.branch_pct, child.base_pct) for child in node.children]
        assert shares_order == sorted(shares_order, reverse=True)
    assert tree.base_weight == base.total_weight and tree.base_pct == 100.0


def test_diff_tree_shows_both_sides_and_prunes() -> None:
    main = frame("main", f"{ROOT}/w.py")
    base = build([([frame("main", "w.py"), frame("old", "w.py")], 9), ([frame("main", "w.py")], 1)])
    branch = build(
        [([main, frame("new", f"{ROOT}/w.py")], 3), ([main, frame("rare", "w.py")], 0.01)]
    )
    tree = diff_tree(base, branch, min_pct=1.0)
    (main_node,) = tree.children
    assert main_node.key == key("main", "w.py")  # suffix-matched, shorter spelling
    assert main_node.delta_pct == pytest.approx(0.0)
    assert [child.label for child in main_node.children] == ["new", "old"]  # rare pruned
    new, old = main_node.children
    assert (new.base_pct, old.branch_pct) == (0.0, 0.0)
    assert new.delta_pct > 0 > old.delta_pct


def test_deep_stacks_need_no_recursion() -> None:
    chain = [frame(f"f{index}") for index in range(5000)]
    profile = build([(chain, 1)])
    node = diff_tree(profile, profile)
    depth = 0
    while node.children:
        (node,) = node.children
        depth += 1
    assert depth == 5000


def test_line_mode_needs_line_numbers_in_both_profiles(real_profiles: RealProfiles) -> None:
    # py-spy --nolineno against a capture with lines: every line would be "new".
    with_lines, without = read_profile(real_profiles.raw), read_profile(real_profiles.raw_nolineno)
    with pytest.raises(ProfileFormatError, match="no line numbers") as caught:
        diff_profiles(without, with_lines, by="line")
    assert str(real_profiles.raw_nolineno) in str(caught.value)
    with pytest.raises(ProfileFormatError, match="no line numbers"):
        diff_profiles(with_lines, without, by="line")
    by_function = diff_profiles(without, with_lines)
    assert not [d for d in by_function.new_hotspots if d.key.qualname == HOT_FUNCTION]
    assert diff_profiles(with_lines, with_lines, by="line").new_hotspots == []

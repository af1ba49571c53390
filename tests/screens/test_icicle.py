"""The icicle's layout and drawing, without a profile behind it."""

from __future__ import annotations

from textual.app import App, ComposeResult

from screens.compare_work import icicle_from_diff
from screens.widgets.icicle import Icicle, IcicleNode, layout_rows
from screens.widgets.live_icicle import LiveIcicle
from workbench.profiles.difftree import ROOT_KEY, DiffNode
from workbench.profiles.identity import FunctionKey


def _tree() -> IcicleNode:
    """root → a (60%: a1 40%, a2 0.1%), b (30%), c (10%)."""
    a = IcicleNode("a", 0.6, 2.0, [IcicleNode("a1", 0.4, 3.0), IcicleNode("a2", 0.001, -1.0)])
    return IcicleNode("root", 1.0, 0.0, [a, IcicleNode("b", 0.3, -2.0), IcicleNode("c", 0.1)])


def test_layout_is_proportional_and_skips_what_is_narrower_than_a_column() -> None:
    rows = layout_rows(_tree(), 100)
    assert [(cell.node.label, cell.x0, cell.x1) for cell in rows[0]] == [("root", 0, 100)]
    assert [(cell.node.label, cell.x0, cell.x1) for cell in rows[1]] == [
        ("a", 0, 60),
        ("b", 60, 90),
        ("c", 90, 100),
    ]
    assert [cell.node.label for cell in rows[2]] == ["a1"]  # a2 is 0.1 column wide


def test_zoomed_layout_gives_the_node_the_full_width() -> None:
    a = _tree().children[0]
    rows = layout_rows(a, 90)
    assert (rows[0][0].x0, rows[0][0].x1) == (0, 90)
    assert (rows[1][0].x0, rows[1][0].x1) == (0, 60)


def test_diff_tree_becomes_linked_nodes_and_vanished_paths_are_dropped() -> None:
    key = FunctionKey("m.py", "f")
    gone = DiffNode(key, "gone", 2.0, 0.0, 20.0, 0.0, [DiffNode(key, "under", 1.0, 0.0, 10.0, 0.0)])
    f = DiffNode(key, "f", 5.0, 8.0, 50.0, 80.0, [gone])
    root = DiffNode(
        ROOT_KEY, "all", 10.0, 10.0, 100.0, 100.0, [f, DiffNode(key, "g", 5, 2, 50, 20)]
    )
    tree, largest = icicle_from_diff(root)
    assert [child.label for child in tree.children] == ["f", "g"]
    top = tree.children[0]
    assert top.children == [] and top.parent is tree and top.data is f
    assert top.share == 0.8 and top.delta == 30.0
    assert largest == 30.0


class _IcicleApp(App[None]):
    def compose(self) -> ComposeResult:
        yield Icicle()


async def test_rows_draw_labels_literally_and_colour_by_sign() -> None:
    tree = IcicleNode("root", 1.0, 0.0, [IcicleNode("[/]", 0.5, 5.0), IcicleNode("x", 0.5, -5.0)])
    app = _IcicleApp()
    async with app.run_test(size=(40, 10)) as pilot:
        icicle = app.query_one(Icicle)
        icicle.root = tree
        await pilot.pause()
        line = icicle.render_line(1)
        assert line.text.startswith("[/]")
        grew = next(segment.style for segment in line if segment.text.startswith("[/]"))
        shrank = next(segment.style for segment in line if segment.text.startswith("x"))
        assert grew is not None and shrank is not None and grew.bgcolor != shrank.bgcolor
        assert icicle.render_line(5).text.strip() == ""  # below the tree: blank


class _LiveIcicleApp(App):
    def compose(self) -> ComposeResult:
        yield LiveIcicle()


def _live_tree(a_share: float) -> IcicleNode:
    """root → a (a1) and b, with function keys as data so paths can be followed."""
    a1 = IcicleNode("a1", a_share * 0.5, 1.0, data=_Key("a1"))
    a = IcicleNode("a", a_share, 1.0, [a1], data=_Key("a"))
    b = IcicleNode("b", 1.0 - a_share, -1.0, data=_Key("b"))
    return IcicleNode("root", 1.0, None, [a, b], data=_Key("root"))


class _Key:
    def __init__(self, key: str) -> None:
        self.key = key


async def test_a_live_refresh_keeps_zoom_and_selection_and_repaints_what_changed() -> None:
    app = _LiveIcicleApp()
    async with app.run_test(size=(40, 8)) as pilot:
        icicle = app.query_one(LiveIcicle)
        icicle.replace_tree(_live_tree(0.5))
        await pilot.pause()
        a = icicle.root.children[0]
        icicle.zoom = a
        icicle.selected = a.children[0]
        await pilot.pause()
        icicle.replace_tree(_live_tree(0.7))  # a new tree, same function paths
        await pilot.pause()
        assert icicle.zoom is not None and icicle.zoom.label == "a"
        assert icicle.selected is not None and icicle.selected.label == "a1"
        assert icicle.rows[0][0].node is icicle.zoom and icicle.rows[0][0].x1 > 0
        assert icicle.render_line(1).text.startswith("a1")
        icicle.replace_tree(_live_tree(0.7))
        await pilot.pause()
        assert icicle.render_line(0).text.startswith("a")

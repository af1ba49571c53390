"""The Live pane's icicle: the shared :class:`Icicle`, fed a profile that keeps changing.

In the window view it is *differential*: the core's diff tree of the previous
window (base) against the current one (branch), drawn the way the Compare
pane draws a diff — width is the share now, red grew, blue shrank — so a hot
path that is heating up shows before it dominates (``py-spy top`` only shows
the present). The cumulative view is a plain tree of everything sampled.

A new tree arrives once a second; :meth:`LiveIcicle.replace_tree`
keeps the user's zoom and selection by following their function paths into
it, so a refresh never throws the user back to the root, and repaints the
rows that draw differently only (:meth:`Icicle.swap_tree`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from screens.widgets.icicle import Icicle, IcicleNode

if TYPE_CHECKING:  # the diff tree (and NumPy) load with the first window
    from workbench.profiles.difftree import DiffNode
    from workbench.profiles.model import Profile

#: Call paths below this share (percent) in both windows are left out of the tree.
MIN_PCT = 0.1
#: Points of change drawn at full colour: a window is noisy, small moves stay pale.
DELTA_SCALE = 5.0


def live_tree(base: Profile | None, current: Profile) -> IcicleNode:
    """The icicle tree of ``current``: differential against ``base``, plain when None.

    Width is the share in ``current``; call paths absent from it have no width
    and are left out. Each node's ``data`` is the core's :class:`DiffNode`,
    whose ``key`` is the function identity the history and backlog keys use.
    Iterative, so a pathologically deep stack cannot hit the recursion limit.
    """
    from workbench.profiles.difftree import diff_tree

    root = diff_tree(base or current, current, min_pct=MIN_PCT)

    def node_of(diff: DiffNode) -> IcicleNode:
        delta = None if base is None else diff.delta_pct
        return IcicleNode(diff.label, diff.branch_pct / 100.0, delta, data=diff)

    top = node_of(root)
    pending = [(root, top)]
    while pending:
        source, target = pending.pop()
        for child in source.children:
            if child.branch_pct > 0:
                pending.append((child, target.add(node_of(child))))
    return top


def _same_node(tree: IcicleNode, path: list[IcicleNode]) -> IcicleNode | None:
    """The node of ``tree`` at the same function path as ``path`` (root excluded)."""
    node = tree
    for wanted in path[1:]:
        key = wanted.data.key
        node = next((child for child in node.children if child.data.key == key), None)
        if node is None:
            return None
    return node


class LiveIcicle(Icicle):
    """An :class:`Icicle` whose tree is replaced often without losing zoom and selection."""

    def on_mount(self) -> None:
        self.delta_scale = DELTA_SCALE

    def replace_tree(self, tree: IcicleNode) -> None:
        """Show ``tree``; zoom and selection follow their function paths into it, and
        only the rows that draw differently are repainted."""
        zoom_path = self.zoom.path() if self.zoom is not None else []
        selected_path = self.selected.path() if self.selected is not None else []
        zoom = _same_node(tree, zoom_path) if zoom_path else None
        selected = _same_node(tree, selected_path) if selected_path else None
        if zoom is not None and selected is not None and zoom not in selected.path():
            selected = zoom
        self.swap_tree(tree, zoom, selected)

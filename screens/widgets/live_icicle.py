"""The Live pane's icicle: the shared :class:`Icicle` fed a profile that keeps changing.

The Compare pane's icicle takes a plain tree; this module turns a sampled
profile into that tree (frames merged by function, widest callee first) and
keeps the user's zoom and selection when a new window replaces the tree —
twice a second, so without that every refresh would throw the user back to
the root.
"""

from __future__ import annotations

from collections.abc import Iterable

from screens.live_stats import FunctionKeys, thread_indices
from screens.widgets.icicle import Icicle, IcicleNode
from workbench.profiles.model import Profile


class _Builder:
    """A node under construction: weight plus children keyed by function identity."""

    __slots__ = ("label", "key", "weight", "children")

    def __init__(self, label: str, key: str) -> None:
        self.label = label
        self.key = key
        self.weight = 0.0
        self.children: dict[str, _Builder] = {}

    def freeze(self, total: float) -> IcicleNode:
        children = sorted(self.children.values(), key=lambda child: -child.weight)
        return IcicleNode(
            self.label,
            self.weight / total if total else 0.0,
            children=[child.freeze(total) for child in children],
            data=self.key,
        )


def profile_tree(
    profile: Profile, keys: FunctionKeys, title: str, threads: Iterable[str] | None = None
) -> IcicleNode:
    """An icicle tree of ``profile`` (stacks of ``threads`` only, when given).

    Each node's ``data`` is its function key (``path:qualname``) so the screen's
    history and backlog keys work on the icicle's selection too.
    """
    wanted = thread_indices(profile, threads)
    frame_keys = [str(keys(frame)) for frame in profile.frames]
    root = _Builder(title, "")
    for frame_ids, weight, thread in profile.stacks():
        if wanted is not None and thread not in wanted:
            continue
        root.weight += weight
        node = root
        for frame_id in frame_ids:
            key = frame_keys[frame_id]
            child = node.children.get(key)
            if child is None:
                child = node.children[key] = _Builder(profile.frames[frame_id].function, key)
            child.weight += weight
            node = child
    return root.freeze(root.weight)


def _same_node(tree: IcicleNode, path: list[IcicleNode]) -> IcicleNode | None:
    """The node of ``tree`` at the same function path as ``path`` (root excluded)."""
    node = tree
    for wanted in path[1:]:
        node = next((child for child in node.children if child.data == wanted.data), None)
        if node is None:
            return None
    return node


class LiveIcicle(Icicle):
    """An :class:`Icicle` whose tree is replaced often without losing zoom and selection."""

    def replace_tree(self, tree: IcicleNode) -> None:
        """Show ``tree``; zoom and selection follow their function paths into it."""
        zoom_path = self.zoom.path() if self.zoom is not None else []
        selected_path = self.selected.path() if self.selected is not None else []
        self.root = tree
        zoom = _same_node(tree, zoom_path) if zoom_path else None
        if zoom is not None and zoom is not tree:
            self.zoom = zoom
        selected = _same_node(tree, selected_path) if selected_path else None
        if selected is not None and selected is not tree:
            self.selected = selected

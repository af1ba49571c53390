"""Stacks given as a tree (evented open/close events, pyinstrument's frame tree), in linear time.

Both formats describe nesting, not stacks: a frame opened inside another, a
node inside its parent. Building each stack as a tuple at every step costs
the depth each time, so a 20,000-deep nest costs 20,000² steps. Here each
open is one step down a tree of ``(parent, frame)`` nodes, each close one step
up, and time is added to the node that was open. Stacks are written out at
the end, once per node that holds weight, by one depth-first walk that keeps
the current path.

The flat :class:`~workbench.profiles.model.Profile` stores every frame of
every stack, so a nest ``N`` deep with weight at every level holds ``N²/2``
frame ids. When the stacks would exceed :data:`FRAME_BUDGET` ids, the deepest
are shortened to their first and last frames with one :data:`ELIDED` frame
between (self time stays exact; functions in the cut middle lose those stacks
from their total), and the profile's notes say how many.
"""

from __future__ import annotations

from bisect import bisect_right
from itertools import accumulate

from workbench.profiles.model import Frame, Profile
from workbench.profiles.readers import NO_PYTHON_FRAME

#: Frame ids the written stacks may hold in all (32 MB as ``array('I')``).
FRAME_BUDGET = 8_000_000
#: Stands for the frames cut out of the middle of a stack too deep to keep whole.
ELIDED = Frame("(frames elided)")


class StackTree:
    """Weighted nodes: node 0 is the root (no frame), each other node a frame below its parent.

    Weight on the root is time when no Python frame was open (only py-spy's
    thread frames): it is written as :data:`~workbench.profiles.readers.NO_PYTHON_FRAME`.
    """

    __slots__ = ("parent", "frame", "weight", "_children")

    def __init__(self) -> None:
        self.parent: list[int] = [-1]
        self.frame: list[int] = [-1]
        self.weight: list[float] = [0.0]
        self._children: dict[tuple[int, int], int] = {}

    def child(self, node: int, frame_id: int) -> int:
        """The node for ``frame_id`` called from ``node`` (made the first time)."""
        key = (node, frame_id)
        found = self._children.get(key)
        if found is None:
            found = self._children[key] = len(self.parent)
            self.parent.append(node)
            self.frame.append(frame_id)
            self.weight.append(0.0)
        return found

    def add(self, node: int, weight: float) -> None:
        self.weight[node] += weight

    def write(self, profile: Profile, thread: int = -1, scale: float = 1.0) -> None:
        """Add one stack per weighted node to ``profile`` (weights times ``scale``),
        shortening the deepest if needed."""
        depth = [0] * len(self.parent)
        children: list[list[int]] = [[] for _ in self.parent]
        for node in range(1, len(self.parent)):  # a parent is always made before its children
            depth[node] = depth[self.parent[node]] + 1
            children[self.parent[node]].append(node)
        limit = _depth_limit(sorted(depth[n] for n in range(1, len(depth)) if self.weight[n] > 0))
        head = limit // 2
        tail = limit - head - 1
        elided_id = -1
        shortened = 0
        if self.weight[0] > 0:
            profile.add_stack([profile.intern(NO_PYTHON_FRAME)], self.weight[0] * scale, thread)
        path: list[int] = []
        pending = [(child, 1) for child in reversed(children[0])]
        while pending:
            node, level = pending.pop()
            del path[level - 1 :]
            path.append(self.frame[node])
            weight = self.weight[node] * scale
            if weight > 0:
                if level <= limit:
                    profile.add_stack(path, weight, thread)
                else:
                    if elided_id < 0:
                        elided_id = profile.intern(ELIDED)
                    shortened += 1
                    profile.add_stack([*path[:head], elided_id, *path[-tail:]], weight, thread)
            pending.extend((child, level + 1) for child in reversed(children[node]))
        if shortened:
            profile.meta.notes.append(
                f"{shortened:,} stacks deeper than {limit:,} frames were shortened to their "
                f"first {head} and last {tail} frames (self time is exact; functions in the "
                "middle lose those stacks from their total)"
            )


def _depth_limit(depths: list[int]) -> int:
    """The largest stack depth that keeps the written frames within :data:`FRAME_BUDGET`.

    ``depths`` is sorted; stacks deeper than the limit are cut to the limit.
    """
    prefix = [0, *accumulate(depths)]
    if prefix[-1] <= FRAME_BUDGET:
        return max(depths, default=0) + 1
    low, high = 3, depths[-1]
    while low < high:  # the largest limit whose cost fits
        middle = (low + high + 1) // 2
        below = bisect_right(depths, middle)
        cost = prefix[below] + middle * (len(depths) - below)
        if cost <= FRAME_BUDGET:
            low = middle
        else:
            high = middle - 1
    return low

"""The differential call graph: which caller → callee edges moved, and the icicle's hot path.

A function whose own code is unchanged can still cost more because a caller
now calls it more often, or calls it at all. Self and total shares cannot
tell the two apart; the edges can: the weight of the stacks in which
``caller`` directly calls ``callee``, as a share of each profile, is read off
the merged call tree of :mod:`workbench.profiles.difftree` (every tree node
is one call path, so an edge's weight is the sum over the nodes where it
occurs). The hot path is the icicle's: from the root, the child that moved
most in the asked direction, while it still moves more than the noise.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass

from workbench.profiles.difftree import DiffNode
from workbench.profiles.identity import FunctionKey


@dataclass(frozen=True, slots=True)
class Edge:
    """``caller`` calls ``callee`` directly; inclusive shares of each profile, in percent."""

    caller: FunctionKey
    callee: FunctionKey
    base_pct: float
    branch_pct: float

    @property
    def delta_pct(self) -> float:
        """Points the edge gained (negative: lost)."""
        return self.branch_pct - self.base_pct

    def is_new(self, direction: int) -> bool:
        """Absent on the side the move started from: new (regression) or gone (improvement)."""
        return (self.base_pct if direction > 0 else self.branch_pct) == 0.0


@dataclass
class CallGraphDelta:
    """Every edge of either profile, by caller, and the hot path in each direction."""

    edges: dict[FunctionKey, list[Edge]]
    """Out-edges per caller, largest move first."""
    hot_path_up: list[FunctionKey]
    """Root-to-leaf functions along the largest growth (the regression's path)."""
    hot_path_down: list[FunctionKey]
    """The same along the largest shrinkage (the improvement's path)."""

    def out_edges(self, caller: FunctionKey) -> list[Edge]:
        return self.edges.get(caller, [])


def call_graph_delta(tree: DiffNode, noise_pct: float) -> CallGraphDelta:
    """Edges and hot paths of the merged tree (see the module doc)."""
    weights: dict[tuple[FunctionKey, FunctionKey], list[float]] = defaultdict(lambda: [0.0, 0.0])
    for parent, child in _pairs(tree):
        if parent.key == child.key:
            continue  # direct recursion says nothing about who calls whom more
        pair = weights[(parent.key, child.key)]
        pair[0] += child.base_pct
        pair[1] += child.branch_pct
    edges: dict[FunctionKey, list[Edge]] = defaultdict(list)
    for (caller, callee), (base, branch) in weights.items():
        edges[caller].append(Edge(caller, callee, base, branch))
    for out in edges.values():
        out.sort(key=lambda edge: -abs(edge.delta_pct))
    return CallGraphDelta(
        dict(edges), _hot_path(tree, 1, noise_pct), _hot_path(tree, -1, noise_pct)
    )


def _pairs(tree: DiffNode) -> Iterator[tuple[DiffNode, DiffNode]]:
    """``(parent, child)`` for every node under a real function (the root is no caller)."""
    stack = list(tree.children)
    while stack:
        node = stack.pop()
        for child in node.children:
            yield node, child
            stack.append(child)


def _hot_path(tree: DiffNode, direction: int, noise_pct: float) -> list[FunctionKey]:
    path: list[FunctionKey] = []
    node = tree
    while node.children:
        child = max(node.children, key=lambda c: direction * c.delta_pct)
        if direction * child.delta_pct <= noise_pct:
            break
        path.append(child.key)
        node = child
    return path

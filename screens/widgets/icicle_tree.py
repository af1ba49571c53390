"""The icicle's data: a tree of plain nodes and its layout in terminal columns.

Kept apart from the widget so that code building trees (workers, other
processes, tests) needs no Textual import.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(eq=False)
class IcicleNode:
    """One frame of the icicle; identity (not value) equality, so it can key dicts."""

    label: str
    """Text drawn in the node (untrusted: drawn as plain segments, never markup)."""
    share: float
    """Width as a fraction of the whole tree's root (the root is usually 1.0)."""
    delta: float | None = None
    """Colour change in percentage points: > 0 grew (red), < 0 shrank (blue), None plain."""
    children: list[IcicleNode] = field(default_factory=list)
    """Callees, drawn left to right in this order (sort them, e.g. widest first)."""
    data: Any = None
    """The caller's payload (a diff node, a function key) handed back on selection."""
    parent: IcicleNode | None = field(default=None, repr=False)
    """Set from ``children`` on construction; None for the root."""

    def __post_init__(self) -> None:
        for child in self.children:
            child.parent = self

    def add(self, child: IcicleNode) -> IcicleNode:
        """Append ``child`` and link it back to this node."""
        child.parent = self
        self.children.append(child)
        return child

    def path(self) -> list[IcicleNode]:
        """Nodes from the root down to this one."""
        nodes: list[IcicleNode] = []
        node: IcicleNode | None = self
        while node is not None:
            nodes.append(node)
            node = node.parent
        return nodes[::-1]


@dataclass(frozen=True, slots=True)
class Cell:
    """A laid-out node: columns ``[x0, x1)`` of one row."""

    x0: int
    x1: int
    node: IcicleNode


def layout_rows(root: IcicleNode, width: int) -> list[list[Cell]]:
    """Rows of cells with ``root`` spanning ``width`` columns.

    Positions are computed from cumulative shares in floating point and
    rounded once, so siblings never overlap and a child never pokes out of its
    parent. Nodes narrower than one column are skipped with their subtree —
    that is what keeps the cost proportional to what can be seen.
    """
    if width <= 0 or root.share <= 0:
        return []
    scale = width / root.share
    rows: list[list[Cell]] = []
    current: list[tuple[float, IcicleNode]] = [(0.0, root)]
    while current:
        row: list[Cell] = []
        below: list[tuple[float, IcicleNode]] = []
        for start, node in current:
            row.append(Cell(round(start), round(start + node.share * scale), node))
            child_start = start
            for child in node.children:
                child_end = child_start + child.share * scale
                if round(child_end) > round(child_start):
                    below.append((child_start, child))
                child_start = child_end
        rows.append(row)
        current = below
    return rows

"""Which commits of ``BASE..BRANCH`` made the branch slower, and which made it faster.

The evidence is the differential call graph of the two profiles, not self
share alone. For each function whose share moved, every commit of the range
that changed it is judged on what it changed (:mod:`.semantic`): a change of
docstrings, annotations, comments or layout scores zero and is listed as
cosmetic. A semantic change to function ``f`` earns, in the direction asked
(growth for regressions, shrinkage for improvements):

* ``f``'s own self-share move, in points;
* for every out-edge ``f → g`` that moved: its points, in full when the
  commit's hunk mentions ``g`` (the commit changed how ``f`` calls ``g``),
  half when the edge is new (``f`` did not call ``g`` at all before), a
  quarter otherwise (the cost moved below ``f``, not necessarily because of it);
* when neither applies but ``f`` lies on the icicle's hot path, a tenth of its
  total-share move (a caller on the path, for want of better evidence).

A commit's score is the sum over the functions it changed; candidates are
ranked by score, each with a one-line *why* naming the function, the edge,
the points and a changed line.
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from workbench.analysis.callgraph import CallGraphDelta, Edge, call_graph_delta
from workbench.analysis.semantic import changed_lines, is_cosmetic, names_in, patch_sides
from workbench.errors import HistoryError
from workbench.history.log import FunctionCommit, function_history, split_range
from workbench.history.repo import as_repo, quick_resolve
from workbench.profiles.diff import FunctionDelta, ProfileDiff, diff_profiles
from workbench.profiles.difftree import diff_tree
from workbench.profiles.identity import FunctionKey, function_key

if TYPE_CHECKING:
    import git

    from workbench.profiles.model import Profile

#: Functions looked up in each direction, largest move first (each costs a history walk).
MAX_FUNCTIONS = 25
#: Weights of a moved out-edge: hunk names the callee / the edge is new / otherwise.
EDGE_NAMED, EDGE_NEW, EDGE_BELOW = 1.0, 0.5, 0.25
#: Share of the total move credited to a changed caller on the hot path, lacking other evidence.
ON_PATH = 0.1
#: How :func:`function_history` says a file is not the repository's (stdlib, dependencies).
_NOT_IN_REPO = " is not in the repository at "
#: Longest changed line quoted in a why.
HUNK_CHARS = 60


@dataclass
class Candidate:
    """A commit that may have caused the move, with its score and why."""

    sha: str
    author: str
    date: datetime
    summary: str
    score: float = 0.0
    """Percentage points of evidence (see the module doc)."""
    why: str = ""
    """One line: the function, the edge or self share, the points, a changed line."""
    functions: list[str] = field(default_factory=list)
    """Changed functions that carry evidence (``path:qualname``), strongest first."""
    lines_changed: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "sha": self.sha,
            "summary": self.summary,
            "author": self.author,
            "date": self.date.isoformat(),
            "score": round(self.score, 4),
            "why": self.why,
            "functions": self.functions,
            "lines_changed": self.lines_changed,
        }


@dataclass
class CosmeticCommit:
    """A commit that touched moved functions without changing what they do."""

    sha: str
    summary: str
    functions: list[str]

    def to_json(self) -> dict[str, Any]:
        return {"sha": self.sha, "summary": self.summary, "functions": self.functions}


@dataclass
class Attribution:
    """The answer of ``workbench candidates``."""

    rev_range: str
    regressions: list[Candidate]
    improvements: list[Candidate]
    cosmetic: list[CosmeticCommit]
    notes: list[str]

    def to_json(self) -> dict[str, Any]:
        return {
            "range": self.rev_range,
            "regressions": [c.to_json() for c in self.regressions],
            "improvements": [c.to_json() for c in self.improvements],
            "cosmetic": [c.to_json() for c in self.cosmetic],
            "notes": self.notes,
        }


@dataclass
class _Change:
    """One commit's change to one moved function."""

    key: FunctionKey
    commit: FunctionCommit
    cosmetic: bool
    names: set[str]
    lines: list[str]


@dataclass
class _Piece:
    """What one changed function earns a commit in one direction."""

    key: FunctionKey
    points: float
    reason: str
    hunk: str


def attribute(
    repo: git.Repo | str | os.PathLike[str] | None,
    base: Profile,
    branch: Profile,
    rev_range: str,
    *,
    noise_pct: float = 0.5,
) -> Attribution:
    """Rank the commits of ``rev_range`` (``BASE..BRANCH``) for both directions of change.

    A moved function that cannot be found in the repository (standard
    library, another project, a name not found) becomes a note: profiles
    always hold code from elsewhere.
    """
    repo = as_repo(repo)
    quick_resolve(repo.working_dir, *split_range(rev_range))  # bad revisions fail here, once
    diff = diff_profiles(base, branch, noise_pct=noise_pct)
    graph = call_graph_delta(diff_tree(base, branch, min_pct=noise_pct / 5), noise_pct)
    near = _frame_lines(branch)
    notes: list[str] = []
    outside: list[str] = []
    changes: list[_Change] = []
    for delta in _moved(diff, graph, noise_pct):
        changes += _changes(repo, delta.key, near.get(delta.key), rev_range, notes, outside)
    if outside:
        files = list(dict.fromkeys(outside))
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        notes.append(f"moved code outside the repository (not attributed): {shown}")
    by_key = {delta.key: delta for delta in diff.functions}
    slower = _rank(changes, by_key, graph, 1, noise_pct)
    faster = _rank(changes, by_key, graph, -1, noise_pct)
    slower, faster = _one_side_each(slower, faster)
    return Attribution(rev_range, slower, faster, _cosmetic(changes), notes)


def _one_side_each(
    slower: list[Candidate], faster: list[Candidate]
) -> tuple[list[Candidate], list[Candidate]]:
    """Each commit in the one ranking where its evidence is stronger.

    Shares add up to 100%: when a commit makes ``f`` call an expensive
    ``g``, ``f``'s own share shrinks though its time did not, so the same
    change earns improvement points too; it is a regression.
    """
    up = {c.sha: c.score for c in slower}
    down = {c.sha: c.score for c in faster}
    return (
        [c for c in slower if c.score >= down.get(c.sha, 0.0)],
        [c for c in faster if c.score > up.get(c.sha, 0.0)],
    )


def _moved(diff: ProfileDiff, graph: CallGraphDelta, noise: float) -> list[FunctionDelta]:
    """Functions worth a history walk: the largest movers each way, with a file to look in."""
    chosen: dict[FunctionKey, FunctionDelta] = {}
    for direction in (1, -1):
        movers = [
            delta
            for delta in diff.functions
            if _has_history(delta.key) and _move(delta, graph, direction) > noise
        ]
        movers.sort(key=lambda delta: -_move(delta, graph, direction))
        for delta in movers[:MAX_FUNCTIONS]:
            chosen.setdefault(delta.key, delta)
    return list(chosen.values())


def _has_history(key: FunctionKey) -> bool:
    """A function git can answer for: a real file, a def (not module code or a frozen module)."""
    return bool(key.path) and not key.path.startswith("<") and key.qualname != "<module>"


def _move(delta: FunctionDelta, graph: CallGraphDelta, direction: int) -> float:
    """How far a function moved in ``direction``: self, total, or its largest out-edge."""
    edge = max((direction * e.delta_pct for e in graph.out_edges(delta.key)), default=0.0)
    return max(direction * delta.delta_self_pct, direction * delta.delta_total_pct, edge)


def _frame_lines(profile: Profile) -> dict[FunctionKey, int]:
    """A line each function was sampled at, to pick among same-named definitions."""
    lines: dict[FunctionKey, Counter[int]] = {}
    for frame in profile.frames:
        if frame.line is not None:
            lines.setdefault(function_key(frame), Counter())[frame.line] += 1
    return {key: counts.most_common(1)[0][0] for key, counts in lines.items()}


def _changes(
    repo: git.Repo,
    key: FunctionKey,
    near: int | None,
    rev_range: str,
    notes: list[str],
    outside: list[str],
) -> list[_Change]:
    """The range's commits that changed ``key``, each judged cosmetic or not."""
    try:
        history = function_history(repo, str(key), rev_range=rev_range, near=near)
    except HistoryError as error:
        if _NOT_IN_REPO in str(error):
            outside.append(key.path)
        else:
            notes.append(f"skipped {key}: {error}")
        return []
    found = []
    for commit in history.commits:
        old, new = patch_sides(commit.patch)
        lines = changed_lines(commit.patch)
        found.append(_Change(key, commit, is_cosmetic(old, new), names_in(lines), lines))
    return found


def _rank(
    changes: list[_Change],
    by_key: dict[FunctionKey, FunctionDelta],
    graph: CallGraphDelta,
    direction: int,
    noise: float,
) -> list[Candidate]:
    path = set(graph.hot_path_up if direction > 0 else graph.hot_path_down)
    pieces: dict[str, list[_Piece]] = {}
    commits: dict[str, FunctionCommit] = {}
    lines: Counter[str] = Counter()
    for change in changes:
        if change.cosmetic:
            continue
        piece = _piece(change, by_key[change.key], graph, direction, noise, change.key in path)
        if piece is None:
            continue
        sha = change.commit.sha
        pieces.setdefault(sha, []).append(piece)
        commits[sha] = change.commit
        lines[sha] += change.commit.added + change.commit.removed
    ranked = []
    for sha, found in pieces.items():
        found.sort(key=lambda p: -p.points)
        commit = commits[sha]
        ranked.append(
            Candidate(
                sha,
                commit.author,
                commit.date,
                commit.summary,
                score=sum(p.points for p in found),
                why=_why(found),
                functions=[str(p.key) for p in found],
                lines_changed=lines[sha],
            )
        )
    ranked.sort(key=lambda c: (-c.score, -c.lines_changed, c.sha))
    return ranked


def _piece(
    change: _Change,
    delta: FunctionDelta,
    graph: CallGraphDelta,
    direction: int,
    noise: float,
    on_path: bool,
) -> _Piece | None:
    """What a semantic change to one function earns in ``direction`` (None: nothing)."""
    parts: list[str] = []
    points = 0.0
    hunk_name: str | None = None
    own = direction * delta.delta_self_pct
    if own > noise:
        points += own
        parts.append(f"self {_signed(direction * own)} pts{_seconds(delta)}")
    for edge in graph.out_edges(delta.key):
        moved = direction * edge.delta_pct
        if moved <= noise:
            continue
        weight, how = _edge_weight(edge, change.names, direction)
        points += weight * moved
        if weight == EDGE_NAMED and hunk_name is None:
            hunk_name = _short(edge.callee)
        parts.append(f"{how} {edge.callee.qualname} {_signed(edge.delta_pct)} pts")
    if not parts and on_path and direction * delta.delta_total_pct > noise:
        points = ON_PATH * direction * delta.delta_total_pct
        parts.append(f"total {_signed(delta.delta_total_pct)} pts on the hot path")
    if not parts:
        return None
    reason = f"{delta.key.qualname}: {', '.join(parts[:3])}"
    return _Piece(change.key, points, reason, _hunk_line(change.lines, hunk_name))


def _edge_weight(edge: Edge, names: set[str], direction: int) -> tuple[float, str]:
    """The weight of a moved edge and how the why words it (see the module doc)."""
    new = edge.is_new(direction)
    if _short(edge.callee) in names:
        if not new:
            return EDGE_NAMED, "calls"
        return EDGE_NAMED, "now calls" if direction > 0 else "no longer calls"
    if new:
        return EDGE_NEW, "new call to" if direction > 0 else "dropped call to"
    return EDGE_BELOW, "callee"


def _short(key: FunctionKey) -> str:
    """The name a call site spells: the last part of the qualified name."""
    return key.qualname.rsplit(".", 1)[-1]


def _hunk_line(lines: list[str], name: str | None) -> str:
    """The changed line that best shows the change: one naming the callee, else the first code."""
    code = [line.strip() for line in lines if line.strip() and not line.strip().startswith("#")]
    chosen = next((line for line in code if name and name in line), code[0] if code else "")
    return chosen if len(chosen) <= HUNK_CHARS else chosen[: HUNK_CHARS - 1] + "…"


def _why(pieces: list[_Piece]) -> str:
    best = pieces[0]
    more = f" (+{len(pieces) - 1} more)" if len(pieces) > 1 else ""
    hunk = f"; hunk: {best.hunk}" if best.hunk else ""
    return f"{best.reason}{more}{hunk}"


def _signed(points: float) -> str:
    return f"{points:+.1f}"


def _seconds(delta: FunctionDelta) -> str:
    seconds = delta.delta_self_seconds
    return "" if seconds is None else f" ({seconds:+.2f} s)"


def _cosmetic(changes: list[_Change]) -> list[CosmeticCommit]:
    """Commits whose every change to a moved function was cosmetic, newest first."""
    semantic = {c.commit.sha for c in changes if not c.cosmetic}
    found: dict[str, CosmeticCommit] = {}
    for change in changes:
        sha = change.commit.sha
        if change.cosmetic and sha not in semantic:
            entry = found.setdefault(sha, CosmeticCommit(sha, change.commit.summary, []))
            entry.functions.append(str(change.key))
    return list(found.values())

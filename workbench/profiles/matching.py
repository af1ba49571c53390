"""Pair the function keys of two profiles that name one function in two spellings.

Stable paths (see :mod:`.identity`) make most keys equal already. What still
differs, and is paired here, one-to-one and only when unambiguous (a wrong
pair would hide a real regression):

1. **files** whose paths differ by a prefix (py-spy ``raw`` writes ``w.py``,
   its speedscope output ``/home/me/app/w.py``): every function of the file
   follows, so a function new in the branch shows under the same path as its
   neighbours; both sides take the shorter path;
2. **functions** whose paths still differ by a prefix (a file ambiguous as a
   whole may hold a function found in only one candidate);
3. **qualified names** in the same file where one is a dotted suffix of the
   other: py-spy on Python ≥ 3.11 reports ``render.<locals>.<genexpr>`` and
   ``Cls.meth``, pyinstrument ``<genexpr>`` and ``meth``; both sides take the
   longer name.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Sequence

from workbench.profiles.identity import FunctionKey, suffix_match

Renames = dict[FunctionKey, FunctionKey]


def match_renames(
    base_keys: Sequence[Hashable], branch_keys: Sequence[Hashable]
) -> tuple[Renames, Renames]:
    """Renames for each side that make paired keys equal (keys may be ``(key, line)``)."""
    base = {function_of(key) for key in base_keys}
    branch = {function_of(key) for key in branch_keys}
    rename_base, rename_branch = _file_renames(base, branch)
    for pair, prefer in (
        (suffix_match, _shorter_path),
        (_qualname_suffix_match, _longer_qualname),
    ):
        current_base = {rename_base.get(key, key): key for key in base}
        current_branch = {rename_branch.get(key, key): key for key in branch}
        to_base, to_branch = _one_to_one(set(current_base), set(current_branch), pair, prefer)
        for renamed, canonical in to_base.items():
            rename_base[current_base[renamed]] = canonical
        for renamed, canonical in to_branch.items():
            rename_branch[current_branch[renamed]] = canonical
    return rename_base, rename_branch


def function_of(key: Hashable) -> FunctionKey:
    """The :class:`FunctionKey` of a function-level or ``(key, line)`` share key."""
    return key if isinstance(key, FunctionKey) else key[0]  # type: ignore[return-value]


def _file_renames(base: set[FunctionKey], branch: set[FunctionKey]) -> tuple[Renames, Renames]:
    """Step 1: whole files paired by path suffix (a path is a key with no qualname)."""
    base_paths = {FunctionKey(key.path, "") for key in base}
    branch_paths = {FunctionKey(key.path, "") for key in branch}
    to_base, to_branch = _one_to_one(base_paths, branch_paths, suffix_match, _shorter_path)

    def renames(keys: set[FunctionKey], paths: Renames) -> Renames:
        return {
            key: FunctionKey(paths[FunctionKey(key.path, "")].path, key.qualname)
            for key in keys
            if FunctionKey(key.path, "") in paths
        }

    return renames(base, to_base), renames(branch, to_branch)


def _one_to_one(
    base: set[FunctionKey],
    branch: set[FunctionKey],
    pair: Callable[[Iterable[FunctionKey], Iterable[FunctionKey]], Renames],
    prefer: Callable[[FunctionKey], object],
) -> tuple[Renames, Renames]:
    """The pairs ``pair`` finds that are one-to-one, each side mapped to ``min(prefer)``."""
    matches = pair(base, branch)
    targets = Counter(matches.values())
    to_base: Renames = {}
    to_branch: Renames = {}
    for source, target in matches.items():
        if targets[target] > 1 or target in base:
            continue
        canonical = min(source, target, key=prefer)
        to_base[source] = canonical
        to_branch[target] = canonical
    return to_base, to_branch


def _qualname_suffix_match(keys: Iterable[FunctionKey], others: Iterable[FunctionKey]) -> Renames:
    """Keys of ``keys`` absent from ``others`` whose one same-file candidate is a dotted suffix."""
    other_set = set(others)
    by_tail: dict[tuple[str, str], list[FunctionKey]] = defaultdict(list)
    for other in other_set:
        by_tail[(other.path, _tail(other.qualname))].append(other)
    matches: Renames = {}
    for key in keys:
        if key in other_set:
            continue
        candidates = [
            other
            for other in by_tail.get((key.path, _tail(key.qualname)), ())
            if other.qualname.endswith("." + key.qualname)
            or key.qualname.endswith("." + other.qualname)
        ]
        if len(candidates) == 1:
            matches[key] = candidates[0]
    return matches


def _tail(qualname: str) -> str:
    return qualname.rsplit(".", 1)[-1]


def _shorter_path(key: FunctionKey) -> tuple[int, str]:
    return (len(key.path), key.path)


def _longer_qualname(key: FunctionKey) -> tuple[int, str]:
    return (-len(key.qualname), key.qualname)

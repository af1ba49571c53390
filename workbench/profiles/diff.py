"""Function-level (or line-level) diff of two profiles: shares, deltas, new hotspots.

Profiles of the same program rarely have the same number of samples, so the
diff compares *shares* — a function's weight as a percentage of its profile's
total — and reports deltas in percentage points. That also lets a profile in
samples be compared with one in seconds. Time is shown beside the shares when
a profile's unit allows it (seconds, or samples with a rate).

Two shares per function:

* **self** — weight of the stacks whose leaf frame is the function;
* **total** — weight of the stacks that contain the function at least once
  (a recursive function is counted once per stack, never more than 100%).

The work runs on the profile's flat arrays with numpy (see :mod:`.shares`):
a 1,000,000-stack profile of depth 30 is 30M frame ids, which a Python loop
would take a minute to walk.
"""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np

from workbench.errors import ProfileFormatError
from workbench.profiles.identity import FunctionKey
from workbench.profiles.model import Profile
from workbench.profiles.readers.values import check_weights
from workbench.profiles.shares import ShareTable, aligned_tables, profile_total, share_table

By = Literal["function", "line"]
#: A share key: a :class:`FunctionKey`, or ``(FunctionKey, line)`` when ``by="line"``.
ShareKey = Hashable
#: Below this base self share, a branch hotspot still counts as new (issue: "absent or < 1%").
NEW_HOTSPOT_BASE_MAX_PCT = 1.0


@dataclass(frozen=True)
class ProfileSummary:
    """What one side of a diff is: enough to label it and to check totals."""

    name: str
    source: str | None
    format: str
    unit: str
    total_weight: float
    total_samples: int | None
    """Total weight when the unit is samples, else None."""
    total_seconds: float | None
    """Total as seconds when the unit allows (seconds, or samples with a rate)."""
    stacks: int
    functions: int
    """Distinct functions (after identity), not frames."""
    threads: list[str]
    rate: float | None
    duration: float | None

    def to_json(self) -> dict[str, Any]:
        """Plain dict for ``--format json``."""
        return {
            "name": self.name,
            "source": self.source,
            "format": self.format,
            "unit": self.unit,
            "total_weight": self.total_weight,
            "total_samples": self.total_samples,
            "total_seconds": self.total_seconds,
            "stacks": self.stacks,
            "functions": self.functions,
            "threads": self.threads,
            "rate": self.rate,
            "duration": self.duration,
        }


@dataclass(frozen=True)
class FunctionDelta:
    """One function (or line) compared across base and branch; shares in percent."""

    key: FunctionKey
    line: int | None
    """Set only when the diff is by line."""
    base_self_pct: float
    branch_self_pct: float
    delta_self_pct: float
    base_total_pct: float
    branch_total_pct: float
    delta_total_pct: float
    base_self_seconds: float | None
    branch_self_seconds: float | None
    delta_self_seconds: float | None
    """None unless both sides can be expressed in seconds."""
    in_base: bool
    in_branch: bool

    @property
    def function(self) -> str:
        """The qualified name, as printed."""
        return self.key.qualname

    @property
    def file(self) -> str:
        """The stable path of the function's file."""
        return self.key.path

    def to_json(self) -> dict[str, Any]:
        """Plain dict for ``--format json`` (keys promised by the issue first)."""
        return {
            **key_json(self.key, self.line),
            "base_self_pct": round(self.base_self_pct, 4),
            "branch_self_pct": round(self.branch_self_pct, 4),
            "delta_self_pct": round(self.delta_self_pct, 4),
            "base_total_pct": round(self.base_total_pct, 4),
            "branch_total_pct": round(self.branch_total_pct, 4),
            "delta_total_pct": round(self.delta_total_pct, 4),
            "base_self_seconds": _round_or_none(self.base_self_seconds),
            "branch_self_seconds": _round_or_none(self.branch_self_seconds),
            "delta_self_seconds": _round_or_none(self.delta_self_seconds),
            "in_base": self.in_base,
            "in_branch": self.in_branch,
        }


@dataclass
class ProfileDiff:
    """The whole comparison; lists share :class:`FunctionDelta` objects."""

    base: ProfileSummary
    branch: ProfileSummary
    by: str
    functions: list[FunctionDelta]
    """Every function of either profile, by ``delta_self_pct`` descending."""
    regressions: list[FunctionDelta]
    """Self share grew by more than ``noise_pct`` points, largest first."""
    improvements: list[FunctionDelta]
    """Self share shrank by more than ``noise_pct`` points, most negative first."""
    new_hotspots: list[FunctionDelta]
    """Branch self share ≥ ``hotspot_pct`` and absent or below 1% in base, largest first."""
    hotspot_pct: float = 5.0
    noise_pct: float = 0.5

    def to_json(self, top: int | None = None) -> dict[str, Any]:
        """Plain dict for ``--format json``; ``top`` trims the lists (not the hotspots)."""

        def rows(items: list[FunctionDelta]) -> list[dict[str, Any]]:
            return [item.to_json() for item in (items if top is None else items[:top])]

        return {
            "by": self.by,
            "hotspot_pct": self.hotspot_pct,
            "noise_pct": self.noise_pct,
            "base": self.base.to_json(),
            "branch": self.branch.to_json(),
            "functions": rows(self.functions),
            "regressions": rows(self.regressions),
            "improvements": rows(self.improvements),
            "new_hotspots": [item.to_json() for item in self.new_hotspots],
        }


def split_key(key: ShareKey) -> tuple[FunctionKey, int | None]:
    """``(function, line)`` of a share key; line is None for function-level keys."""
    return (key, None) if isinstance(key, FunctionKey) else key  # type: ignore[return-value]


def key_json(key: FunctionKey, line: int | None = None) -> dict[str, Any]:
    """How every JSON row names its function: name, file, ``path:qualname`` key, line."""
    return {"function": key.qualname, "file": key.path, "key": str(key), "line": line}


def function_shares(
    profile: Profile, *, by: By = "function", roots: Sequence[str] = ()
) -> dict[ShareKey, tuple[float, float]]:
    """``{key: (self weight, total weight)}`` in the profile's unit, for ``show``.

    Keys are :class:`FunctionKey` (or ``(FunctionKey, line)`` with ``by="line"``);
    only functions that appear in some stack are listed.
    """
    table = share_table(profile, by=by, roots=roots)
    return {
        key: (float(self_w), float(total_w))
        for key, self_w, total_w in zip(
            table.keys, table.self_weight.tolist(), table.total_weight.tolist(), strict=True
        )
    }


def summarize(profile: Profile, *, functions: int | None = None) -> ProfileSummary:
    """The :class:`ProfileSummary` of ``profile`` (``functions`` if already counted)."""
    meta = profile.meta
    total = profile_total(profile)
    if functions is None:
        functions = _function_count(share_table(profile))
    source = meta.source
    name = meta.name or (source.rsplit("/", 1)[-1] if source else "profile")
    return ProfileSummary(
        name=name,
        source=source,
        format=meta.format,
        unit=meta.unit,
        total_weight=total,
        total_samples=round(total) if meta.unit == "samples" else None,
        total_seconds=profile.to_seconds(total),
        stacks=len(profile),
        functions=functions,
        threads=list(meta.threads),
        rate=meta.rate,
        duration=meta.duration,
    )


def _require_weights(profile: Profile) -> None:
    """Shares of a profile with no weight, or a non-finite one, are not numbers: a gate on
    them would compare ``NaN`` and pass. Such a diff is an error, never a verdict."""
    name = profile.meta.source or profile.meta.name or "a profile"
    check_weights(profile, name)
    if not profile_total(profile) > 0:
        raise ProfileFormatError(f"{name}: the profile holds no samples (total weight 0)")


def _require_lines(profile: Profile) -> None:
    """A line-level diff against a profile without lines would call every line new."""
    if any(frame.line is not None for frame in profile.frames):
        return
    name = profile.meta.source or profile.meta.name or "a profile"
    raise ProfileFormatError(
        f"{name}: no line numbers (py-spy --nolineno, or a format without them); "
        "a line-level diff needs them in both profiles: compare by function"
    )


def diff_profiles(
    base: Profile,
    branch: Profile,
    *,
    by: By = "function",
    hotspot_pct: float = 5.0,
    noise_pct: float = 0.5,
    roots: Sequence[str] = (),
) -> ProfileDiff:
    """Compare ``branch`` against ``base`` (see the module doc for the shares).

    Functions whose keys differ only by a path prefix (``w.py`` vs ``/tmp/w.py``,
    as py-spy's collapsed and speedscope outputs of the same run do) are
    matched; ``roots`` are extra prefixes to strip (see ``identity.stable_path``).
    """
    if by not in ("function", "line"):
        raise ValueError(f"by must be 'function' or 'line', not {by!r}")
    for profile in (base, branch):
        _require_weights(profile)
    if by == "line":
        for profile in (base, branch):
            _require_lines(profile)
    base_own = share_table(base, by=by, roots=roots)
    branch_own = share_table(branch, by=by, roots=roots)
    base_table, branch_table, keys = aligned_tables(base_own, branch_own)
    deltas = _deltas(base, branch, base_table, branch_table, keys)
    deltas.sort(key=lambda item: (-item.delta_self_pct, -item.branch_self_pct, item.key))
    regressions = [item for item in deltas if item.delta_self_pct > noise_pct]
    improvements = sorted(
        (item for item in deltas if item.delta_self_pct < -noise_pct),
        key=lambda item: (item.delta_self_pct, item.key),
    )
    new_hotspots = sorted(
        (
            item
            for item in deltas
            if item.branch_self_pct >= hotspot_pct
            and (not item.in_base or item.base_self_pct < NEW_HOTSPOT_BASE_MAX_PCT)
        ),
        key=lambda item: (-item.branch_self_pct, item.key),
    )
    return ProfileDiff(
        base=summarize(base, functions=_function_count(base_own)),
        branch=summarize(branch, functions=_function_count(branch_own)),
        by=by,
        functions=deltas,
        regressions=regressions,
        improvements=improvements,
        new_hotspots=new_hotspots,
        hotspot_pct=hotspot_pct,
        noise_pct=noise_pct,
    )


def _deltas(
    base: Profile,
    branch: Profile,
    base_table: ShareTable,
    branch_table: ShareTable,
    keys: list[ShareKey],
) -> list[FunctionDelta]:
    """One :class:`FunctionDelta` per aligned key (vectorised shares, then objects)."""
    base_pct = _percent(base_table, profile_total(base))
    branch_pct = _percent(branch_table, profile_total(branch))
    base_self_s = _seconds(base, base_table.self_weight)
    branch_self_s = _seconds(branch, branch_table.self_weight)
    rows = zip(
        keys,
        base_pct[0].tolist(),
        branch_pct[0].tolist(),
        base_pct[1].tolist(),
        branch_pct[1].tolist(),
        base_self_s,
        branch_self_s,
        base_table.present.tolist(),
        branch_table.present.tolist(),
        strict=True,
    )
    deltas = []
    for key, b_self, r_self, b_total, r_total, b_sec, r_sec, in_base, in_branch in rows:
        function, line = split_key(key)
        deltas.append(
            FunctionDelta(
                key=function,
                line=line,
                base_self_pct=b_self,
                branch_self_pct=r_self,
                delta_self_pct=r_self - b_self,
                base_total_pct=b_total,
                branch_total_pct=r_total,
                delta_total_pct=r_total - b_total,
                base_self_seconds=b_sec,
                branch_self_seconds=r_sec,
                delta_self_seconds=None if b_sec is None or r_sec is None else r_sec - b_sec,
                in_base=in_base,
                in_branch=in_branch,
            )
        )
    return deltas


def _percent(table: ShareTable, total: float) -> tuple[np.ndarray, np.ndarray]:
    """Self and total weights as percentages of ``total`` (zeros for an empty profile)."""
    scale = 100.0 / total if total > 0 else 0.0
    return table.self_weight * scale, table.total_weight * scale


def _seconds(profile: Profile, weights: np.ndarray) -> list[float | None]:
    """``weights`` as seconds, or Nones when the profile's unit has no time."""
    factor = profile.to_seconds(1.0)
    if factor is None:
        return [None] * len(weights)
    return (weights * factor).tolist()


def _function_count(table: ShareTable) -> int:
    """Distinct functions of a table (a line-level table has several keys per function)."""
    return len({split_key(key)[0] for key in table.keys})


def _round_or_none(value: float | None) -> float | None:
    return None if value is None else round(value, 6)

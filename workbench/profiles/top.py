"""The top functions of one profile by self and total share (``workbench show``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workbench.profiles.diff import (
    By,
    ProfileSummary,
    function_shares,
    key_json,
    split_key,
    summarize,
)
from workbench.profiles.identity import FunctionKey
from workbench.profiles.model import Profile
from workbench.profiles.shares import profile_total


@dataclass(frozen=True)
class FunctionShare:
    """One function (or line) of one profile; shares in percent of the profile's total."""

    key: FunctionKey
    line: int | None
    self_weight: float
    total_weight: float
    self_pct: float
    total_pct: float
    self_seconds: float | None
    total_seconds: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            **key_json(self.key, self.line),
            "self_pct": round(self.self_pct, 4),
            "total_pct": round(self.total_pct, 4),
            "self_weight": self.self_weight,
            "total_weight": self.total_weight,
            "self_seconds": self.self_seconds,
            "total_seconds": self.total_seconds,
        }


@dataclass
class ProfileTop:
    """A profile's summary with its functions ranked both ways."""

    summary: ProfileSummary
    by: str
    by_self: list[FunctionShare]
    by_total: list[FunctionShare]

    def to_json(self) -> dict[str, Any]:
        return {
            "profile": self.summary.to_json(),
            "by": self.by,
            "functions": [item.to_json() for item in self.by_self],
            "by_total": [item.to_json() for item in self.by_total],
        }


def top_functions(
    profile: Profile, *, by: By = "function", top: int | None = 20, roots: Sequence[str] = ()
) -> ProfileTop:
    """The ``top`` functions by self share and by total share (all if ``top`` is None)."""
    total = profile_total(profile)
    scale = 100.0 / total if total > 0 else 0.0
    shares = []
    for key, (self_weight, total_weight) in function_shares(profile, by=by, roots=roots).items():
        function, line = split_key(key)
        shares.append(
            FunctionShare(
                key=function,
                line=line,
                self_weight=self_weight,
                total_weight=total_weight,
                self_pct=self_weight * scale,
                total_pct=total_weight * scale,
                self_seconds=profile.to_seconds(self_weight),
                total_seconds=profile.to_seconds(total_weight),
            )
        )
    functions = len({item.key for item in shares})
    by_self = sorted(shares, key=lambda item: (-item.self_weight, -item.total_weight, item.key))
    by_total = sorted(shares, key=lambda item: (-item.total_weight, -item.self_weight, item.key))
    return ProfileTop(
        summary=summarize(profile, functions=functions),
        by=by,
        by_self=by_self[:top] if top is not None else by_self,
        by_total=by_total[:top] if top is not None else by_total,
    )

"""How hot each function of a profile is, and on which lines.

The history needs, per function: its self and total share (computed by the
profile diff's numpy pass, :func:`workbench.profiles.diff.function_shares`)
and, when the profile has line numbers, which of its lines the time fell on,
so that exactly those lines can be blamed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from workbench.profiles.diff import function_shares
from workbench.profiles.identity import FunctionKey
from workbench.profiles.model import Profile


@dataclass
class FunctionHeat:
    """One function's share of a profile."""

    key: FunctionKey
    """Stable ``path:qualname`` identity (path as the profile recorded it, made stable)."""
    self_share: float
    """Fraction (0..1) of the profile's weight spent in the function's own lines."""
    total_share: float
    """Fraction (0..1) of the profile's weight with the function on the stack."""
    hot_lines: Counter[int] = field(default_factory=Counter)
    """Weight of the stacks passing through each line of the function, when known."""

    @property
    def function(self) -> str:
        """The key as text, ``path:qualname``."""
        return str(self.key)

    @property
    def heat(self) -> float:
        """One number to rank by: own time counts fully, time in callees half."""
        return self.self_share + self.total_share / 2


def function_heat(profile: Profile) -> list[FunctionHeat]:
    """Every function of ``profile``, hottest first (by :attr:`FunctionHeat.heat`)."""
    total = profile.total_weight or 1.0
    heats: dict[FunctionKey, FunctionHeat] = {
        key: FunctionHeat(key, self_weight / total, total_weight / total)
        for key, (self_weight, total_weight) in function_shares(profile).items()
        if isinstance(key, FunctionKey)
    }
    if any(frame.line is not None for frame in profile.frames):
        for line_key, (_, total_weight) in function_shares(profile, by="line").items():
            key, line = line_key  # type: ignore[misc]
            if line is not None and key in heats:
                heats[key].hot_lines[line] += total_weight
    return sorted(heats.values(), key=lambda heat: (-heat.heat, heat.key))

"""How hot each function of a profile is, and on which lines.

The history needs, per function: its self share (time spent in its own
lines), its total share (time with it anywhere on the stack, counted once per
stack even when recursive) and, when the profile has line numbers, which of
its lines the self time fell on, so those exact lines can be blamed.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from workbench.profiles.model import Profile


@dataclass
class FunctionHeat:
    """One function's share of a profile."""

    function: str
    """Key ``path:qualname`` (path as the profile recorded it, made stable)."""
    path: str
    qualname: str
    self_share: float
    """Fraction (0..1) of the profile's weight spent in the function's own lines."""
    total_share: float
    """Fraction (0..1) of the profile's weight with the function on the stack."""
    hot_lines: Counter[int] = field(default_factory=Counter)
    """Self weight per line number, when the profile has lines."""


def function_heat(profile: Profile) -> dict[str, FunctionHeat]:
    """Every function of ``profile`` keyed by ``path:qualname``."""
    raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Regression:
    """A function whose share grew from the baseline to the branch."""

    function: str
    """Key ``path:qualname``."""
    self_delta: float
    """Change of self share, in fractions of the profile (0.05 = 5 points)."""
    total_delta: float
    """Change of total share."""


def regressions_between(
    base: Profile, branch: Profile, threshold: float = 0.005
) -> list[Regression]:
    """Functions whose self or total share rose by more than ``threshold``, largest first."""
    raise NotImplementedError

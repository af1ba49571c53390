"""Scaling signatures: how each function's time grows with the input size.

Profiles of one program at three or more input sizes hold the answer to "is
it quadratic?". For every function, its self and total seconds at each size
are fitted on log-log axes (``log t = a + k log n``): ``k`` is the exponent,
``r²`` the goodness of that fit. The class is chosen by comparing candidate
models ``t = c·f(n)`` for ``f`` in 1, n, n log n, n², n³: each is fitted (one
parameter, ``c``) in log space and the one with the smallest squared error
wins. Thresholding the exponent alone cannot tell n log n (exponent about
1.1–1.2 over a decade) from a noisy linear fit, nor a fit that is simply bad
from either; comparing the models' residuals can, and a best model whose
typical error is still above :data:`UNCLEAR_RMS` is called "unclear".

A function is flagged when it is super-linear (exponent ≥ 1.3 with r² ≥
:data:`GOOD_R2`) and matters (its share at the largest size is at least the
threshold); its time at ten times the largest size is projected with the fit.
All of it is vectorised over functions: the fits are a few numpy reductions
over a functions × sizes matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any

import numpy as np

from workbench.errors import ProfileFormatError
from workbench.profiles.identity import FunctionKey
from workbench.profiles.model import Profile
from workbench.profiles.shares import profile_total, share_table

#: Exponent from which growth is super-linear, and the fit quality a flag needs.
SUPERLINEAR = 1.3
GOOD_R2 = 0.9
#: RMS error (natural log) above which even the best model does not describe the data.
UNCLEAR_RMS = 0.25
#: A simpler model within this RMS of the best one wins (parsimony: sampled times are
#: noisy, and over a few doublings n log n differs from n by little more than that).
SIMPLER_WITHIN = 0.05
#: Default share (percent of the profile at the largest size) from which a function matters.
DEFAULT_MIN_SHARE = 1.0
MODELS: dict[str, Any] = {
    "constant": lambda n: np.zeros_like(n),
    "linear": lambda n: np.log(n),
    "n log n": lambda n: np.log(n) + np.log(np.log(n)),
    "quadratic": lambda n: 2 * np.log(n),
    "cubic": lambda n: 3 * np.log(n),
}
"""log f(n) of each candidate model, in the order ties are broken."""


@dataclass(frozen=True)
class FunctionScaling:
    """One function's fit."""

    key: FunctionKey
    seconds_self: tuple[float, ...]
    seconds_total: tuple[float, ...]
    exponent_self: float | None
    """None when the function has no self time at some size (nothing to fit)."""
    exponent_total: float
    r2: float
    """Of the log-log fit the class was judged on (self when it has one, else total)."""
    cls: str
    share_at_largest: float
    """Percent of the largest profile: self share when judged on self, else total share."""
    flagged: bool
    projected_seconds: float | None
    """Time at 10x the largest size, for flagged functions."""

    def to_json(self) -> dict[str, Any]:
        return {
            "function": self.key.qualname,
            "file": self.key.path,
            "exponent_self": _round(self.exponent_self),
            "exponent_total": _round(self.exponent_total),
            "r2": _round(self.r2),
            "class": self.cls,
            "share_at_largest": _round(self.share_at_largest),
            "flagged": self.flagged,
            "projected_seconds_at_10x": _round(self.projected_seconds),
            "seconds_self": [_round(s) for s in self.seconds_self],
            "seconds_total": [_round(s) for s in self.seconds_total],
        }


@dataclass
class ScalingReport:
    """The answer of ``workbench scaling``."""

    sizes: list[float]
    functions: list[FunctionScaling]
    """Flagged first, then by share at the largest size."""
    min_share: float

    @property
    def flagged(self) -> list[FunctionScaling]:
        return [f for f in self.functions if f.flagged]

    def to_json(self) -> dict[str, Any]:
        return {
            "sizes": self.sizes,
            "min_share": self.min_share,
            "functions": [f.to_json() for f in self.functions],
        }


def scaling_report(
    runs: Sequence[tuple[float, Profile]],
    *,
    rate: float | None = None,
    min_share: float = DEFAULT_MIN_SHARE,
) -> ScalingReport:
    """Fit every function that holds ``min_share`` percent at the largest size.

    ``runs`` are ``(size, profile)`` pairs at three or more distinct sizes;
    several profiles at one size are repeats, and each function keeps its
    median time over them (a busy spell on a shared machine, or a sampling
    fluke at a small size, moves one repeat, not the median). ``rate`` gives
    sample profiles without one a time unit. Raises
    :class:`ProfileFormatError` for fewer sizes, a size that is not a finite
    number above 1, or a profile with no time unit.
    """
    by_size: dict[float, list[Profile]] = {}
    for size, profile in runs:
        if not (np.isfinite(size) and size > 1):
            raise ProfileFormatError(
                f"size {size:g}: sizes must be finite numbers above 1 (the input size n)"
            )
        by_size.setdefault(float(size), []).append(profile)
    if len(by_size) < 3:
        raise ProfileFormatError("scaling needs profiles at three or more different sizes")
    sizes = np.array(sorted(by_size))
    tables = [
        _median_of([_seconds_table(profile, rate) for profile in by_size[size]])
        for size in sizes.tolist()
    ]
    keys = _keys_that_matter(tables[-1], min_share)
    self_s = np.array([[table[0].get(key, 0.0) for table in tables] for key in keys])
    total_s = np.array([[table[1].get(key, 0.0) for table in tables] for key in keys])
    largest = tables[-1][2]
    return ScalingReport(
        sizes.tolist(), _fits(keys, sizes, self_s, total_s, largest, min_share), min_share
    )


def _seconds_table(
    profile: Profile, rate: float | None
) -> tuple[dict[FunctionKey, float], dict[FunctionKey, float], float]:
    """Self and total seconds per function, and the profile's total seconds."""
    factor = profile.to_seconds(1.0)
    if factor is None and rate is not None:
        factor = 1.0 / rate
    if factor is None:
        name = profile.meta.source or "a profile"
        raise ProfileFormatError(f"{name}: samples without a rate; give --rate HZ")
    table = share_table(profile)
    selfs = dict(zip(table.keys, (table.self_weight * factor).tolist(), strict=True))
    totals = dict(zip(table.keys, (table.total_weight * factor).tolist(), strict=True))
    return selfs, totals, profile_total(profile) * factor  # type: ignore[return-value]


def _median_of(
    repeats: list[tuple[dict[FunctionKey, float], dict[FunctionKey, float], float]],
) -> tuple[dict[FunctionKey, float], dict[FunctionKey, float], float]:
    """Per function, the median self and total seconds over the repeats at one size."""
    if len(repeats) == 1:
        return repeats[0]
    keys = set().union(*(table[1] for table in repeats))
    selfs = {key: median(table[0].get(key, 0.0) for table in repeats) for key in keys}
    totals = {key: median(table[1].get(key, 0.0) for table in repeats) for key in keys}
    return selfs, totals, median(table[2] for table in repeats)


def _keys_that_matter(
    largest: tuple[dict[FunctionKey, float], dict[FunctionKey, float], float], min_share: float
) -> list[FunctionKey]:
    _, totals, whole = largest
    floor = whole * min_share / 100
    return sorted((key for key, seconds in totals.items() if seconds >= floor), key=str)


def _fits(
    keys: list[FunctionKey],
    sizes: np.ndarray,
    self_s: np.ndarray,
    total_s: np.ndarray,
    largest_total: float,
    min_share: float,
) -> list[FunctionScaling]:
    if not keys:
        return []
    log_n = np.log(sizes)
    k_total, r2_total = _power_fit(log_n, total_s)
    k_self, r2_self = _power_fit(log_n, self_s)
    has_self = np.all(self_s > 0, axis=1)
    judged = np.where(has_self[:, None], self_s, total_s)
    exponent = np.where(has_self, k_self, k_total)
    r2 = np.where(has_self, r2_self, r2_total)
    classes = _classify(log_n, judged)
    share = judged[:, -1] / largest_total * 100 if largest_total > 0 else judged[:, -1] * 0
    flagged = (exponent >= SUPERLINEAR) & (r2 >= GOOD_R2) & (share >= min_share)
    projected = judged[:, -1] * 10.0**exponent
    rows = [
        FunctionScaling(
            key=key,
            seconds_self=tuple(self_s[i].tolist()),
            seconds_total=tuple(total_s[i].tolist()),
            exponent_self=float(k_self[i]) if has_self[i] else None,
            exponent_total=float(k_total[i]),
            r2=float(r2[i]),
            cls=classes[i],
            share_at_largest=float(share[i]),
            flagged=bool(flagged[i]),
            projected_seconds=float(projected[i]) if flagged[i] else None,
        )
        for i, key in enumerate(keys)
    ]
    rows.sort(key=lambda row: (not row.flagged, -row.share_at_largest, str(row.key)))
    return rows


def _power_fit(log_n: np.ndarray, seconds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Exponent and r² of ``log t = a + k log n`` for every row (rows with a 0 get NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        log_t = np.log(seconds)
        x = log_n - log_n.mean()
        y = log_t - log_t.mean(axis=1, keepdims=True)
        slope = (y * x).sum(axis=1) / (x * x).sum()
        residual = y - slope[:, None] * x
        total = (y * y).sum(axis=1)
        r2 = np.where(total > 0, 1 - (residual * residual).sum(axis=1) / total, 1.0)
    valid = np.all(seconds > 0, axis=1)
    return np.where(valid, slope, 0.0), np.where(valid, r2, 0.0)


def _classify(log_n: np.ndarray, seconds: np.ndarray) -> list[str]:
    """The best candidate model of every row, or "unclear" (see the module doc)."""
    names = list(MODELS)
    with np.errstate(divide="ignore", invalid="ignore"):
        log_t = np.log(seconds)
        errors = []
        for name in names:
            shape = MODELS[name](np.exp(log_n))
            gap = log_t - shape  # log c for each size; the fit is their mean
            residual = gap - gap.mean(axis=1, keepdims=True)
            errors.append(np.sqrt((residual * residual).mean(axis=1)))
    table = np.where(np.isfinite(np.vstack(errors).T), np.vstack(errors).T, np.inf)
    valid = np.all(seconds > 0, axis=1)
    rms = table.min(axis=1)
    # The first (simplest) model whose error is within SIMPLER_WITHIN of the best.
    best = np.argmax(table <= rms[:, None] + SIMPLER_WITHIN, axis=1)
    return [
        names[b] if ok and rms_i <= UNCLEAR_RMS else "unclear"
        for b, ok, rms_i in zip(best.tolist(), valid.tolist(), rms.tolist(), strict=True)
    ]


def _round(value: float | None) -> float | None:
    if value is None or not np.isfinite(value):
        return None
    return round(float(value), 4)

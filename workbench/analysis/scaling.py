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

**Which seconds.** A sampler's samples count wall time while the thread is
running *or runnable*: on a busy machine a run waits for a core and collects
samples for time it never computed, and how long it waits changes from run to
run, so a linear function drifts towards n log n. The kernel's count does not
inflate: a profile recorded by the workbench (``record -- CMD``, ``capture``,
the command form of ``scaling``) carries its run's CPU and wall seconds, and
with the ``cpu`` clock each sample is weighed by the share of the run's wall
time it spent on a CPU (``CPU / wall``; ``CPU / sampled seconds`` when
threads running in parallel sampled more than the wall). Why not simply
scale each profile to its CPU total: that total holds the interpreter's
start-up, which no sample sees; spread over the functions it inflates the
small sizes most (a tenth of a second against runs of a few tenths) and bends
a quadratic towards 1.7. The ratio is a rate, so start-up adds nothing.
A profile in the calibrated CPU view (``record -- CMD``'s default) is in
CPU seconds already, each thread's measured from py-spy's start: its
weights are taken as they are. The command form records the samples view,
to which the ratio applies.
Limits: a program that also sleeps (I/O, locks) has that share taken off
too — the same at every size unless its sleeping grows with n; CPU of child
processes counts in the ratio but has no samples; keep runs above a second.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from statistics import median
from typing import Any, Literal

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
Clock = Literal["auto", "cpu", "samples"]
CLOCKS: tuple[Clock, ...] = ("auto", "cpu", "samples")


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
    clock: str = "samples"
    """``cpu`` when every profile was weighed to its run's CPU seconds, else ``samples``."""

    @property
    def flagged(self) -> list[FunctionScaling]:
        return [f for f in self.functions if f.flagged]

    def to_json(self) -> dict[str, Any]:
        return {
            "sizes": self.sizes,
            "min_share": self.min_share,
            "clock": self.clock,
            "functions": [f.to_json() for f in self.functions],
        }


def scaling_report(
    runs: Sequence[tuple[float, Profile]],
    *,
    rate: float | None = None,
    min_share: float = DEFAULT_MIN_SHARE,
    clock: Clock = "auto",
) -> ScalingReport:
    """Fit every function that holds ``min_share`` percent at the largest size.

    ``runs`` are ``(size, profile)`` pairs at three or more distinct sizes;
    several profiles at one size are repeats, and each function keeps its
    median time over them (a busy spell on a shared machine, or a sampling
    fluke at a small size, moves one repeat, not the median). ``rate`` gives
    sample profiles without one a time unit. ``clock`` picks the seconds
    (module doc): ``cpu`` weighs each profile to its run's measured CPU time,
    ``samples`` counts its samples, ``auto`` is ``cpu`` when every profile
    carries that time. Raises :class:`ProfileFormatError` for fewer sizes, a
    size that is not a finite number above 1, a profile with no time unit or
    no samples, or ``cpu`` asked of a profile that carries no CPU time.
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
    basis = _basis([profile for _, profile in runs], clock)
    tables = [
        _median_of([_seconds_table(profile, rate, basis) for profile in by_size[size]])
        for size in sizes.tolist()
    ]
    keys = _keys_that_matter(tables[-1], min_share)
    self_s = np.array([[table[0].get(key, 0.0) for table in tables] for key in keys])
    total_s = np.array([[table[1].get(key, 0.0) for table in tables] for key in keys])
    largest = tables[-1][2]
    fits = _fits(keys, sizes, self_s, total_s, largest, min_share)
    return ScalingReport(sizes.tolist(), fits, min_share, basis)


def _basis(profiles: list[Profile], clock: Clock) -> str:
    """``cpu`` or ``samples`` for the whole fit: one basis, never a mix of the two."""
    if clock not in CLOCKS:
        raise ProfileFormatError(f"clock {clock!r}: choose one of {', '.join(CLOCKS)}")
    missing = next(
        (p for p in profiles if p.meta.cpu_seconds is None or p.meta.wall_seconds is None), None
    )
    if clock == "samples" or (clock == "auto" and missing is not None):
        return "samples"
    if missing is not None:
        raise ProfileFormatError(
            f"{_name(missing)} carries no measured CPU and wall time (record it with "
            "'workbench record -- CMD' or 'workbench scaling --sizes ... -- CMD'); "
            "or use --clock samples"
        )
    return "cpu"


def _name(profile: Profile) -> str:
    return profile.meta.source or profile.meta.name or "a profile"


def _seconds_table(
    profile: Profile, rate: float | None, basis: str
) -> tuple[dict[FunctionKey, float], dict[FunctionKey, float], float]:
    """Self and total seconds per function, and the profile's total seconds."""
    whole = profile_total(profile)
    if whole <= 0:
        raise ProfileFormatError(f"{_name(profile)}: no samples; record a longer run")
    if basis == "cpu":
        factor: float | None = _on_cpu_factor(profile, rate, whole)
    else:
        factor = _sample_seconds(profile, rate)
    if factor is None:
        raise ProfileFormatError(f"{_name(profile)}: samples without a rate; give --rate HZ")
    table = share_table(profile)
    selfs = dict(zip(table.keys, (table.self_weight * factor).tolist(), strict=True))
    totals = dict(zip(table.keys, (table.total_weight * factor).tolist(), strict=True))
    return selfs, totals, whole * factor


def _sample_seconds(profile: Profile, rate: float | None) -> float | None:
    """Seconds one unit of weight stands for (None: samples without a rate)."""
    factor = profile.to_seconds(1.0)
    return 1.0 / rate if factor is None and rate is not None else factor


def _on_cpu_factor(profile: Profile, rate: float | None, whole: float) -> float:
    """CPU seconds one unit of weight stands for: its sampled seconds × CPU ÷ wall."""
    meta = profile.meta
    per_unit = _sample_seconds(profile, rate)
    if per_unit is None:
        raise ProfileFormatError(f"{_name(profile)}: samples without a rate; give --rate HZ")
    if meta.view == "cpu":  # calibrated already: its weights are CPU seconds
        return per_unit
    cpu, wall = float(meta.cpu_seconds or 0.0), float(meta.wall_seconds or 0.0)
    if cpu <= 0 or wall <= 0:
        raise ProfileFormatError(f"{_name(profile)}: its run measured no CPU or wall time")
    return per_unit * cpu / max(wall, whole * per_unit)


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

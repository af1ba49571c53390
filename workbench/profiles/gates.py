"""Gates of the playbook's "change and prove" step, evaluated on a :class:`ProfileDiff`.

Two rules:

* ``new-hotspot`` — a function that is a new hotspot in the branch (self share
  ≥ ``new_hotspot_pct`` and absent or below 1% in base) fails the gate;
* ``self-growth`` — optional: a function whose self share grew by more than
  ``max_self_growth_pct`` points fails it.

A waiver (function → justification) turns a failure into a documented pass:
the finding stays in the verdict, marked waived, with its justification, so
the report shows what was accepted and why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from workbench.profiles.diff import (
    NEW_HOTSPOT_BASE_MAX_PCT,
    FunctionDelta,
    ProfileDiff,
    key_json,
)
from workbench.profiles.identity import FunctionKey

NEW_HOTSPOT = "new-hotspot"
SELF_GROWTH = "self-growth"


@dataclass
class GateConfig:
    """Thresholds in percentage points of self share, and the waivers."""

    new_hotspot_pct: float = 5.0
    max_self_growth_pct: float | None = None
    """None disables the self-growth rule."""
    noise_pct: float = 0.5
    """Deltas smaller than this are not regressions or improvements."""
    waivers: dict[str, str] = field(default_factory=dict)
    """Function (``path:qualname``, ``qualname``, or a path suffix of it) → justification."""


@dataclass
class GateFinding:
    """One rule broken by one function, waived or not."""

    rule: str
    function: FunctionKey
    value: float
    """The measured figure (branch self share, or its growth), percent or points."""
    threshold: float
    message: str
    waived: bool = False
    justification: str | None = None
    line: int | None = None
    """The line, when the diff is by line."""

    @property
    def where(self) -> str:
        """``path:qualname``, with ``:line`` when the diff is by line."""
        return f"{self.function}:{self.line}" if self.line is not None else str(self.function)

    def to_json(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            **key_json(self.function, self.line),
            "value": round(self.value, 4),
            "threshold": self.threshold,
            "message": self.message,
            "waived": self.waived,
            "justification": self.justification,
        }


@dataclass
class GateVerdict:
    """Passed when every finding is waived (or there is none)."""

    passed: bool
    findings: list[GateFinding]
    config: GateConfig | None = None

    @property
    def failures(self) -> list[GateFinding]:
        """Findings that are not waived: the reasons the gate failed."""
        return [finding for finding in self.findings if not finding.waived]

    @property
    def waived(self) -> list[GateFinding]:
        """Findings a waiver accepted."""
        return [finding for finding in self.findings if finding.waived]

    def to_json(self) -> dict[str, Any]:
        config = self.config
        return {
            "passed": self.passed,
            "verdict": "pass" if self.passed else "fail",
            "thresholds": None
            if config is None
            else {
                "new_hotspot_pct": config.new_hotspot_pct,
                "max_self_growth_pct": config.max_self_growth_pct,
                "noise_pct": config.noise_pct,
            },
            "findings": [finding.to_json() for finding in self.findings],
        }


def evaluate_gates(diff: ProfileDiff, config: GateConfig) -> GateVerdict:
    """Apply ``config``'s rules to ``diff``; the diff's own thresholds are not used."""
    findings: list[GateFinding] = []
    # By line, a line absent from the base may belong to a function that is there.
    in_base = {item.key for item in diff.functions if item.in_base}
    for item in diff.functions:
        if item.branch_self_pct >= config.new_hotspot_pct and (
            not item.in_base or item.base_self_pct < NEW_HOTSPOT_BASE_MAX_PCT
        ):
            findings.append(_new_hotspot(item, config, item.key in in_base))
        growth = config.max_self_growth_pct
        if growth is not None and item.delta_self_pct > growth:
            findings.append(
                GateFinding(
                    rule=SELF_GROWTH,
                    function=item.key,
                    line=item.line,
                    value=item.delta_self_pct,
                    threshold=growth,
                    message=(
                        f"self share grew by {item.delta_self_pct:.2f} points "
                        f"({item.base_self_pct:.2f}% → {item.branch_self_pct:.2f}%), "
                        f"more than the {growth:g} allowed"
                    ),
                )
            )
    for finding in findings:
        justification = waiver_for(finding.function, config.waivers)
        if justification is not None:
            finding.waived = True
            finding.justification = justification
    findings.sort(
        key=lambda finding: (finding.waived, -finding.value, finding.rule, finding.function)
    )
    return GateVerdict(
        passed=not any(not finding.waived for finding in findings),
        findings=findings,
        config=config,
    )


def _new_hotspot(item: FunctionDelta, config: GateConfig, function_in_base: bool) -> GateFinding:
    """``function_in_base``: by line, whether the base sampled the line's function at all."""
    if item.in_base:
        was = f"{item.base_self_pct:.2f}% in base"
    elif item.line is not None and function_in_base:
        was = f"line {item.line} not sampled in base, its function was"
    else:
        was = "absent from base"
    return GateFinding(
        rule=NEW_HOTSPOT,
        function=item.key,
        line=item.line,
        value=item.branch_self_pct,
        threshold=config.new_hotspot_pct,
        message=(
            f"new hotspot: {item.branch_self_pct:.2f}% of self time ({was}), "
            f"at or above {config.new_hotspot_pct:g}%"
        ),
    )


def waiver_for(function: FunctionKey, waivers: dict[str, str]) -> str | None:
    """The justification that covers ``function``, if any.

    A waiver names a function as ``path:qualname`` (exactly, or with a path
    that is a ``/``-suffix of the function's, or the other way round, so a
    waiver written against ``w.py`` covers ``/tmp/w.py``), or by bare qualname.
    """
    exact = waivers.get(str(function))
    if exact is not None:
        return exact
    for name, justification in waivers.items():
        waived = FunctionKey.parse(name)
        if waived.qualname != function.qualname:
            continue
        if not waived.path or _suffix_of(waived.path, function.path):
            return justification
    return None


def _suffix_of(one: str, other: str) -> bool:
    """True when one path ends the other at a ``/`` boundary (or they are equal)."""
    short, long = sorted((one, other), key=len)
    return long == short or long.endswith("/" + short)

"""Gate results as SARIF 2.1.0, so code-scanning UIs show hotspots on the diff.

One run, tool ``Triage Workbench``, three rules:

* ``new-hotspot`` (error) — the gate's rule: a function at or above the
  new-hotspot share in the branch and absent or below 1% in the base;
* ``self-growth`` (error) — the gate's optional rule: self share grew by more
  than allowed;
* ``regression`` (warning) — a function whose self share grew past the noise
  but broke no rule: worth a look, never a failure (the largest
  :data:`MAX_REGRESSIONS` only).

A waived finding stays a result with a ``suppressions`` entry holding the
justification (code scanning shows it as dismissed). Each result has a
physical location — the function's file (relative to ``%SRCROOT%``, the
project root, as the diff's stable paths are) and its line: the diff's line
when comparing by line, else the branch profile's hottest line of that
function — and a logical location with the qualified name. A frame without a
file (``(no Python frame)``) has only the logical one.

Validated in tests against the OASIS SARIF 2.1.0 JSON schema.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any
from urllib.parse import quote

from workbench import __version__
from workbench.profiles.diff import FunctionDelta, ProfileDiff
from workbench.profiles.gates import NEW_HOTSPOT, SELF_GROWTH, GateFinding, GateVerdict
from workbench.profiles.identity import FunctionKey, function_key
from workbench.profiles.model import Profile

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
REGRESSION = "regression"
MAX_REGRESSIONS = 50
SRCROOT = "%SRCROOT%"

RULES: dict[str, tuple[str, str, str, str]] = {
    # id: (name, level, short description, help)
    NEW_HOTSPOT: (
        "NewHotspot",
        "error",
        "A function became a hotspot in the branch",
        "The function takes at least the new-hotspot share of self time in the branch "
        "profile and was absent or below 1% in the base. Make it cheaper, or waive it with "
        "a justification ([tool.workbench.waivers] or --waive).",
    ),
    SELF_GROWTH: (
        "SelfGrowth",
        "error",
        "A function's self share grew more than allowed",
        "The function's share of self time grew by more points than --max-self-growth "
        "allows. Find what the change added to it (workbench diff, workbench history).",
    ),
    REGRESSION: (
        "Regression",
        "warning",
        "A function's self share grew past the noise",
        "Not a gate failure: the function's share of self time grew by more than the "
        "noise threshold. Check whether the growth was expected.",
    ),
}


def gate_sarif(verdict: GateVerdict, diff: ProfileDiff, branch: Profile) -> dict[str, Any]:
    """The SARIF log of one gate evaluation (see the module doc)."""
    lines = hottest_lines(branch)
    failing = {(f.function, f.line) for f in verdict.findings}
    results = [_finding_result(finding, lines) for finding in verdict.findings]
    regressions = [d for d in diff.regressions if (d.key, d.line) not in failing]
    results += [_regression_result(item, lines) for item in regressions[:MAX_REGRESSIONS]]
    rule_ids = list(RULES)
    for result in results:
        result["ruleIndex"] = rule_ids.index(result["ruleId"])
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "Triage Workbench",
                        "version": __version__,
                        "rules": [_rule(rule_id) for rule_id in rule_ids],
                    }
                },
                "invocations": [
                    {"executionSuccessful": True, "exitCode": 0 if verdict.passed else 1}
                ],
                "results": results,
                "properties": {
                    "verdict": "pass" if verdict.passed else "fail",
                    "base": diff.base.name,
                    "branch": diff.branch.name,
                    "by": diff.by,
                },
            }
        ],
    }


def _rule(rule_id: str) -> dict[str, Any]:
    name, level, short, help_text = RULES[rule_id]
    return {
        "id": rule_id,
        "name": name,
        "shortDescription": {"text": short},
        "help": {"text": help_text},
        "defaultConfiguration": {"level": level},
    }


def _finding_result(finding: GateFinding, lines: dict[FunctionKey, int]) -> dict[str, Any]:
    result = _result(
        finding.rule,
        "error",
        finding.message,
        finding.function,
        finding.line or lines.get(finding.function),
        {"value": round(finding.value, 4), "threshold": finding.threshold},
    )
    if finding.waived:
        result["suppressions"] = [
            {"kind": "external", "status": "accepted", "justification": finding.justification}
        ]
    return result


def _regression_result(item: FunctionDelta, lines: dict[FunctionKey, int]) -> dict[str, Any]:
    message = (
        f"self share grew by {item.delta_self_pct:.2f} points "
        f"({item.base_self_pct:.2f}% → {item.branch_self_pct:.2f}%)"
    )
    properties = {
        "baseSelfPct": round(item.base_self_pct, 4),
        "branchSelfPct": round(item.branch_self_pct, 4),
    }
    return _result(
        REGRESSION, "warning", message, item.key, item.line or lines.get(item.key), properties
    )


def _result(
    rule: str,
    level: str,
    message: str,
    function: FunctionKey,
    line: int | None,
    properties: dict[str, Any],
) -> dict[str, Any]:
    location: dict[str, Any] = {
        "logicalLocations": [
            {
                "name": function.qualname.rpartition(".")[2],
                "fullyQualifiedName": str(function),
                "kind": "function",
            }
        ]
    }
    if function.path and not function.path.startswith("<"):
        physical: dict[str, Any] = {"artifactLocation": _artifact(function.path)}
        if line is not None and line > 0:
            physical["region"] = {"startLine": line}
        location["physicalLocation"] = physical
    return {
        "ruleId": rule,
        "level": level,
        "message": {"text": f"{function.qualname}: {message}"},
        "locations": [location],
        "partialFingerprints": {"workbenchFunction/v1": str(function)},
        "properties": properties,
    }


def _artifact(path: str) -> dict[str, Any]:
    """An absolute path as a ``file://`` URI; a stable (project-relative) one under %SRCROOT%."""
    if path.startswith("/"):
        return {"uri": "file://" + quote(path)}
    return {"uri": quote(path), "uriBaseId": SRCROOT}


def hottest_lines(profile: Profile) -> dict[FunctionKey, int]:
    """Each function's line with the most self weight (else the first line seen of it)."""
    self_by_line: dict[FunctionKey, Counter[int]] = defaultdict(Counter)
    keys = [function_key(frame) for frame in profile.frames]
    for frame_ids, weight, _thread in profile.stacks():
        if frame_ids:
            leaf = profile.frames[frame_ids[-1]]
            if leaf.line is not None:
                self_by_line[keys[frame_ids[-1]]][leaf.line] += weight
    lines = {key: counter.most_common(1)[0][0] for key, counter in self_by_line.items()}
    for key, frame in zip(keys, profile.frames, strict=True):
        if key not in lines and frame.line is not None:
            lines[key] = frame.line
    return lines

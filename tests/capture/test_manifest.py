"""A capture's manifest.json read back: an edited, truncated or corrupt one is one line
naming the file and the field, exit 2 (never a traceback, never a gate verdict)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import workbench
from workbench.capture.manifest import Manifest, RunRecord, SideInfo, load_manifest
from workbench.errors import CaptureError


def written(folder: Path) -> dict[str, Any]:
    """A real manifest of two runs, as ``Manifest.write`` saves it, read back as JSON."""
    folder.mkdir()
    runs = [
        RunRecord(side, 1, "a" * 40, "2026-01-01T00:00:00", 1.5, 1.2, 0, 2**20, None, True)
        for side in ("base", "branch")
    ]
    Manifest(
        folder, "/repo", ["python", "bench.py"], "none", 100, 1,
        SideInfo("HEAD~1", "a" * 40), SideInfo("HEAD", "b" * 40), runs=runs,
    ).write()  # fmt: skip
    return json.loads((folder / "manifest.json").read_text())


def test_a_written_manifest_reads_back(tmp_path: Path) -> None:
    written(tmp_path / "cap")
    manifest = load_manifest(tmp_path / "cap")
    assert [run.side for run in manifest.runs] == ["base", "branch"]
    assert manifest.runs[0].wall_seconds == 1.5


@pytest.mark.parametrize(
    ("edit", "says"),
    [
        (lambda d: d["runs"][0].update(wall_seconds=-1), r"runs\[0\].wall_seconds = -1"),
        (lambda d: d["runs"][1].update(cpu_seconds=1e12), r"runs\[1\].cpu_seconds"),
        (lambda d: d["runs"][0].update(peak_rss_bytes="lots"), "peak_rss_bytes must be a number"),
        (lambda d: d["runs"][0].update(side="left"), "must be one of 'base', 'branch'"),
        (lambda d: d["runs"][0].update(profile="../../etc/passwd"), "inside the capture folder"),
        (lambda d: d.update(rate="100"), "manifest.rate must be a number"),
        (lambda d: d.pop("base"), "manifest has no 'base'"),
        (lambda d: d.update(runs={}), "manifest.runs must be a list"),
    ],
)
def test_an_edited_manifest_is_one_line_exit_2(tmp_path: Path, edit, says: str) -> None:
    data = written(tmp_path / "cap")
    edit(data)
    (tmp_path / "cap" / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(CaptureError, match=says):
        load_manifest(tmp_path / "cap")
    done = workbench("show", tmp_path / "cap")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1 and "manifest.json" in done.stderr


@pytest.mark.parametrize(
    ("text", "says"),
    [('{"schema": "workbench.capture/1", "runs": [', "truncated JSON"),
     ('{"schema": 1}', "not a workbench capture manifest"),
     ("\0\0", "binary")],
)  # fmt: skip
def test_an_unreadable_manifest_is_one_line(tmp_path: Path, text: str, says: str) -> None:
    (tmp_path / "cap").mkdir()
    (tmp_path / "cap" / "manifest.json").write_text(text)
    with pytest.raises(CaptureError, match=says):
        load_manifest(tmp_path / "cap")

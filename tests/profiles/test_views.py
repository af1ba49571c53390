"""A profile's view travels with it: ``show``/``diff`` say which, a wall view is not diffed
against a CPU view without being asked."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from workbench.cli import main
from workbench.profiles.io import read_profile, write_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta


def saved(folder: Path, name: str, view: str | None, fmt: str = "speedscope") -> Path:
    unit = "seconds" if view == "cpu" else "samples"
    profile = Profile(ProfileMeta(format="live", unit=unit, rate=100.0, view=view))  # type: ignore[arg-type]
    thread = profile.thread_index('Thread 7 "worker"')
    profile.add_frames([Frame("main", "app.py", 1), Frame("work", "app.py", 5)], 3, thread)
    profile.add_frames([Frame("main", "app.py", 1), Frame("wait", "app.py", 9)], 1, thread)
    path = folder / name
    write_profile(profile, path, fmt)
    return path


@pytest.mark.parametrize("fmt", ["speedscope", "collapsed"])
def test_the_view_round_trips_and_show_names_it(tmp_path: Path, fmt: str, capsys) -> None:
    path = saved(tmp_path, f"cpu.{fmt}", "cpu", fmt)
    assert read_profile(path).meta.view == "cpu"
    assert main(["show", str(path)]) == 0
    assert "CPU view]" in capsys.readouterr().out.splitlines()[0]


def test_diff_says_what_it_compares(tmp_path: Path, capsys) -> None:
    base, branch = saved(tmp_path, "a.json", "cpu"), saved(tmp_path, "b.json", "samples")
    assert main(["diff", str(base), str(branch)]) == 0
    out = capsys.readouterr().out
    assert "CPU view]" in out and "samples view]" in out
    assert main(["diff", str(base), str(branch), "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["base"]["view"], document["branch"]["view"]) == ("cpu", "samples")


@pytest.mark.parametrize("command", ["diff", "gate", "compare"])
def test_a_wall_view_against_a_cpu_view_is_refused(tmp_path: Path, command: str, capsys) -> None:
    base, branch = saved(tmp_path, "a.json", "cpu"), saved(tmp_path, "b.json", "wall")
    assert main([command, str(base), str(branch)]) == 2
    err = capsys.readouterr().err
    assert "CPU view and BRANCH a wall view" in err and "--mixed-views" in err
    assert len(err.strip().splitlines()) == 1


def test_mixed_views_compares_anyway_and_unknown_views_are_not_refused(
    tmp_path: Path, capsys
) -> None:
    base, branch = saved(tmp_path, "a.json", "wall"), saved(tmp_path, "b.json", "cpu")
    assert main(["diff", str(base), str(branch), "--mixed-views"]) == 0
    other = saved(tmp_path, "other.json", None)  # another tool's file: no view
    assert main(["diff", str(other), str(branch)]) == 0
    capsys.readouterr()


def test_an_unknown_view_in_a_file_is_ignored(tmp_path: Path) -> None:
    path = saved(tmp_path, "x.json", "cpu")
    document = json.loads(path.read_text())
    document["workbench"]["view"] = "[bold]made up[/]"
    path.write_text(json.dumps(document))
    assert read_profile(path).meta.view is None

"""Real load tests: locust's CLI against the tiny service on 127.0.0.1, py-spy on its PID."""

from __future__ import annotations

import csv
import json
import signal
import socket
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from tests.cycle.instance import Service
from tests.helpers import wait_until, workbench
from workbench.cycle.plans import DRAIN_S, make_plan
from workbench.errors import LoadTestError


def test_profiles_have_their_shapes() -> None:
    url = "http://127.0.0.1:8000/a"
    stress = make_plan("stress", url, users=10, duration_s=40)
    assert [(s.until_s, s.users) for s in stress.stages] == [(10, 5), (20, 10), (30, 15), (40, 20)]
    spike = make_plan("spike", url, users=4, duration_s=30)
    assert [(s.until_s, s.users) for s in spike.stages] == [(10, 4), (20, 20), (30, 4)]
    assert spike.stages[1].spawn_rate == 20  # the jump happens at once
    soak = make_plan("soak", url)
    assert soak.duration_s == 1800 and soak.stages[0].users == 10
    assert make_plan("baseline", url, extra_paths=["/b?q=1"]).paths == ["/a", "/b?q=1"]


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"duration_s": 0.5}, "--duration"),
        ({"duration_s": 90_000}, "--duration"),
        ({"users": 0}, "--users"),
        ({"profile": "spike", "users": 5000}, "peaks at 25000"),
        ({"wait_s": -1}, "--wait"),
        ({"url": "ftp://x/"}, "not an http(s) URL"),
        ({"url": "http://127.0.0.1:99999/"}, "invalid port"),
        ({"extra_paths": ["b"]}, "must start with '/'"),
    ],
)
def test_bad_plans_are_refused(kwargs: dict, words: str) -> None:
    profile = kwargs.pop("profile", "baseline")
    url = kwargs.pop("url", "http://127.0.0.1:8000/")
    with pytest.raises(LoadTestError) as caught:
        make_plan(profile, url, **kwargs)
    assert words in str(caught.value)


def _stats_rows(folder: Path) -> dict[str, dict[str, str]]:
    with (folder / "locust_stats.csv").open(newline="") as handle:
        return {row["Name"]: row for row in csv.DictReader(handle)}


@pytest.mark.slow
def test_loadtest_with_profile_keeps_locust_files_and_numbers(
    service: Service, tmp_path: Path
) -> None:
    out = tmp_path / "run"
    result = workbench(
        "loadtest", service.url("/fast"), "--path", "/slow", "--path", "/error",
        "--users", "3", "--duration", "3", "--out", out, "--pid", service.pid,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    for name in ("locust_stats.csv", "locust_stats_history.csv", "locust_failures.csv",
                 "locust.log", "plan.json", "locust_users.py", "locust_shape.py",
                 "result.json", "profile.speedscope.json"):  # fmt: skip
        assert (out / name).is_file(), name
    stored = json.loads((out / "result.json").read_text())
    rows = _stats_rows(out)
    assert stored["aggregate"]["requests"] == int(rows["Aggregated"]["Request Count"]) > 0
    assert stored["aggregate"]["failures"] == int(rows["/error"]["Failure Count"]) > 0
    assert stored["profile"] == "baseline" and stored["target"] == service.url("/fast")
    # The drain lets locust's last CSV write see every request: the console summary agrees.
    summary = (out / "locust-summary.txt").read_text()
    aggregated = [line for line in summary.splitlines() if line.strip().startswith("Aggregated")]
    assert aggregated and aggregated[0].split()[1] == rows["Aggregated"]["Request Count"]
    history = list(csv.DictReader((out / "locust_stats_history.csv").open()))
    assert int(history[-1]["User Count"]) == 0 and len(history) >= 3 + DRAIN_S - 1
    profile = json.loads((out / "profile.speedscope.json").read_text())
    names = {frame["name"] for frame in profile["shared"]["frames"]}
    assert "render_report" in names  # py-spy saw the slow endpoint's work
    assert f"{rows['Aggregated']['Request Count']:>7}" in result.stdout


def test_refused_connection_is_one_line_and_sends_nothing(tmp_path: Path) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    out = tmp_path / "run"
    result = workbench("loadtest", f"http://127.0.0.1:{port}/", "--duration", "2", "--out", out)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("workbench: error:")
    assert "refused the connection" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_remote_hosts_need_allow_remote(tmp_path: Path) -> None:
    result = workbench("loadtest", "http://192.0.2.1/", "--duration", "2", "--out", tmp_path / "r")
    assert result.returncode == 2 and "--allow-remote" in result.stderr


def test_an_existing_folder_is_not_overwritten(service: Service, tmp_path: Path) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / "mine.txt").write_text("keep me")
    result = workbench("loadtest", service.url(), "--duration", "2", "--out", out)
    assert result.returncode == 2 and "not an empty folder" in result.stderr
    assert [p.name for p in out.iterdir()] == ["mine.txt"]


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    for args in (["--users", "0"], ["--duration", "nan"], ["--profile", "burst"]):
        result = workbench("loadtest", "http://127.0.0.1:1/", *args, "--out", tmp_path / "r")
        assert result.returncode == 2, args


@pytest.mark.slow
def test_ctrl_c_keeps_the_results_so_far_and_stops_locust(service: Service, tmp_path: Path) -> None:
    out = tmp_path / "run"
    process = subprocess.Popen(
        [sys.executable, "-m", "workbench", "loadtest", service.url(), "--users", "2",
         "--duration", "60", "--out", str(out)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    locust = wait_until(lambda: _locust_child(process.pid), timeout=20)

    def requests_written() -> bool:
        try:
            row = _stats_rows(out).get("Aggregated")
        except (OSError, csv.Error):
            return False
        return bool(row) and int(row["Request Count"]) > 0

    wait_until(requests_written, timeout=30)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=30)
    assert process.returncode == 2
    assert stderr.strip().splitlines()[-1].startswith("workbench: error: interrupted after")
    assert "results so far" in stderr and "Traceback" not in stderr
    stored = json.loads((out / "result.json").read_text())
    assert stored["interrupted"] is True and stored["aggregate"]["requests"] > 0
    assert stored["aggregate"]["requests"] == int(_stats_rows(out)["Aggregated"]["Request Count"])
    assert not psutil.pid_exists(locust.pid) or locust.status() == psutil.STATUS_ZOMBIE


def _locust_child(pid: int) -> psutil.Process | None:
    try:
        for child in psutil.Process(pid).children(recursive=True):
            if "locust" in " ".join(child.cmdline()):
                return child
    except psutil.Error:
        return None
    return None

"""The one writer of user-named files: what it replaces, streams to, refuses and cleans up."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from workbench.errors import OutputError
from workbench.files import check_output, output_file, write_output
from workbench.output import json_text


def leftovers(folder: Path) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.endswith(".tmp"))


def test_new_file_follows_the_umask(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        write_output(tmp_path / "a.md", "hello\n")
    finally:
        os.umask(old)
    assert (tmp_path / "a.md").read_text() == "hello\n"
    assert stat.S_IMODE((tmp_path / "a.md").stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_replaced_file_keeps_its_mode_and_inode_changes(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_text("old")
    target.chmod(0o604)
    write_output(target, "new")
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o604


def test_a_failure_midway_keeps_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "a.md"
    target.write_text("good")
    with pytest.raises(RuntimeError), output_file(target) as out:
        out.write("half")
        raise RuntimeError("interrupted")
    assert target.read_text() == "good"
    assert leftovers(tmp_path) == []


def test_symlink_is_kept_and_its_target_written(tmp_path: Path) -> None:
    real = tmp_path / "real.md"
    real.write_text("old")
    link = tmp_path / "link.md"
    link.symlink_to(real)
    write_output(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


@pytest.mark.skipif(os.geteuid() != 0, reason="mknod of a character device needs root")
def test_character_device_is_streamed_not_replaced(tmp_path: Path) -> None:
    device = tmp_path / "null"
    os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))  # a private /dev/null
    write_output(device, "x" * 10_000)
    assert stat.S_ISCHR(device.lstat().st_mode)
    assert leftovers(tmp_path) == []


def test_fifo_is_streamed_to(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_output(fifo, "through the pipe\n")
    reader.join(timeout=10)
    assert received == [b"through the pipe\n"]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_dash_is_stdout(capsys: pytest.CaptureFixture[str]) -> None:
    write_output("-", "to stdout\n")
    assert capsys.readouterr().out == "to stdout\n"


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda path: path.mkdir(), "a folder"),
        (lambda path: None, "does not exist"),
    ],
)
def test_refused_before_writing(tmp_path: Path, make, said: str) -> None:  # type: ignore[no-untyped-def]
    target = tmp_path / "x"
    make(target)
    path = target if said != "does not exist" else tmp_path / "missing" / "x.md"
    with pytest.raises(OutputError, match=said):
        check_output(path)
    with pytest.raises(OutputError, match=said):
        write_output(path, "data")


def test_full_disk_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    """A file-size limit makes writes fail with EFBIG, as a full disk fails with ENOSPC."""
    target = tmp_path / "report.md"
    target.write_text("the last good report\n")
    script = f"""
import resource, sys
from workbench.files import write_output
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
write_output({str(target)!r}, "x" * 1_000_000)
"""
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0
    assert "OutputError: cannot write" in result.stderr
    assert "nothing was changed" in result.stderr
    assert target.read_text() == "the last good report\n"
    assert leftovers(tmp_path) == []


def test_json_text_is_strict() -> None:
    assert json.loads(json_text({"name": "a\ud800b"})) == {"name": "a\ufffdb"}
    with pytest.raises(Exception, match="not a finite number"):
        json_text({"value": float("inf")})


def test_export_and_convert_write_through_the_same_rules(tmp_path: Path) -> None:
    """End to end: an export to a FIFO streams, a convert over a symlink keeps the link,
    and ``--db`` on a FIFO is refused before SQLite sees it."""
    from workbench.cli import main

    db = tmp_path / "triage.db"
    assert main(["backlog", "add", "slow parse", "--db", str(db)]) == 0
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    assert main(["export", "markdown", "--db", str(db), "-o", str(fifo)]) == 0
    reader.join(timeout=10)
    assert b"slow parse" in received[0]
    assert stat.S_ISFIFO(fifo.lstat().st_mode)

    profile = tmp_path / "in.txt"
    profile.write_text("main;work 3\n")
    real = tmp_path / "out.txt"
    real.write_text("")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    assert main(["convert", str(profile), str(link), "--to", "collapsed"]) == 0
    assert link.is_symlink() and "main;work 3" in real.read_text()

    assert main(["backlog", "list", "--db", str(fifo)]) == 2
    assert leftovers(tmp_path) == []

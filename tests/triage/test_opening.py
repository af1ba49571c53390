"""Opening rules: reads never create, migrate or leave files; only a write creates a
backlog and says so; another application's file, devices, FIFOs and folders are
refused in one line with nothing changed."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.helpers import TRIAGE_FIXTURES, checksum, cli, cli_in, run_main, sample_item
from workbench.errors import StoreError
from workbench.triage.schema import APPLICATION_ID, SCHEMA_VERSION
from workbench.triage.store import Access, BacklogMissingError, BacklogStore


def _one_error_line(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("workbench: error: "), err
    for word in words:
        assert word in lines[0], (word, lines[0])


def _other_application(path: Path, *pragmas: str) -> Path:
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        conn.execute("INSERT INTO users(name) VALUES ('ada')")
    for pragma in pragmas:
        conn.execute(f"PRAGMA {pragma}")
    conn.close()
    return path


def test_a_read_of_a_missing_path_creates_nothing(tmp_path: Path, capsys) -> None:
    typo = tmp_path / "triag.db"
    for reading in (("backlog", "list"), ("backlog", "show", "1"), ("kpis",), ("export", "json")):
        code, out, err = run_main(capsys, *reading, "--db", typo)
        assert code == 2 and out == "", reading
        _one_error_line(err, "does not exist", "nothing was changed")
    with pytest.raises(BacklogMissingError):
        BacklogStore.open(typo, access=Access.EDIT)
    assert list(tmp_path.iterdir()) == []


def test_a_read_at_the_default_location_creates_no_folder(tmp_path: Path) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = cli_in(tmp_path, "backlog", "list")
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert not (tmp_path / ".workbench").exists()


def test_only_a_write_creates_and_it_says_so(db_path: Path, capsys) -> None:
    code, out, err = run_main(capsys, "backlog", "add", "first", "--db", db_path)
    assert code == 0 and out == "1\n"
    assert err == f"note: created a new backlog at {db_path}\n"
    code, out, err = run_main(capsys, "backlog", "add", "second", "--db", db_path)
    assert code == 0 and err == ""
    conn = sqlite3.connect(db_path)
    assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
    conn.close()


@pytest.mark.parametrize("verb", [("backlog", "list"), ("backlog", "add", "x")])
def test_another_applications_database_is_refused_untouched(
    tmp_path: Path, capsys, verb: tuple[str, ...]
) -> None:
    other = _other_application(tmp_path / "app.db")
    before = checksum(other)
    code, out, err = run_main(capsys, *verb, "--db", other)
    assert code == 2 and out == ""
    _one_error_line(err, "another application", "tables: users", "--add-to-existing")
    assert checksum(other) == before and sorted(p.name for p in tmp_path.iterdir()) == ["app.db"]


def test_the_backlog_is_added_to_another_file_only_when_asked(tmp_path: Path, capsys) -> None:
    other = _other_application(tmp_path / "app.db")
    code, out, err = run_main(capsys, "backlog", "init", "--add-to-existing", "--db", other)
    assert code == 0 and "0 open items" in out and "kept as" in err, err
    assert (tmp_path / "app.db.bak-before-backlog").is_file()
    code, out, _ = run_main(capsys, "backlog", "add", "slow login", "--db", other)
    assert code == 0
    conn = sqlite3.connect(other)
    assert conn.execute("SELECT name FROM users").fetchall() == [("ada",)]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_file_numbering_its_own_schema_is_never_added_to(tmp_path: Path, capsys) -> None:
    """Its user_version is the other application's: adding the backlog would overwrite it."""
    other = _other_application(tmp_path / "app.db", "user_version = 3")
    before = checksum(other)
    code, _, err = run_main(capsys, "backlog", "init", "--add-to-existing", "--db", other)
    assert code == 2
    _one_error_line(err, "another application's SQLite database", "user_version 3")
    assert checksum(other) == before


@pytest.mark.parametrize("version", [-1, -2147483648, 0])
def test_a_backlog_with_an_impossible_schema_number_is_one_line(
    db_path: Path, capsys, version: int
) -> None:
    with BacklogStore.open(db_path) as store:
        store.add(sample_item())
    conn = sqlite3.connect(db_path)
    conn.execute(f"PRAGMA user_version = {version}")
    conn.close()
    before = checksum(db_path)
    for verb in (("backlog", "list"), ("backlog", "add", "x")):
        code, _, err = run_main(capsys, *verb, "--db", db_path)
        assert code == 2
        _one_error_line(err, f"schema number {version}")
    assert checksum(db_path) == before


def test_paths_that_are_not_regular_files_are_refused(tmp_path: Path, capsys) -> None:
    fifo = tmp_path / "pipe.db"
    os.mkfifo(fifo)
    dangling = tmp_path / "link.db"
    dangling.symlink_to(tmp_path / "nowhere" / "triage.db")
    cases = {
        Path("/dev/null"): "a character device",
        fifo: "a FIFO",  # opening it for reading would block forever
        tmp_path: "a folder",
        dangling: "a symlink to nothing",
    }
    for path, words in cases.items():
        for verb in (("backlog", "list"), ("backlog", "add", "x")):
            code, out, err = run_main(capsys, *verb, "--db", path)
            assert code == 2 and out == "", (path, verb)
            _one_error_line(err, words)
    assert not Path("/dev/null-journal").exists() and not Path("/dev/null-wal").exists()
    assert Path("/dev/null").is_char_device()
    assert not (tmp_path / "nowhere").exists()


def test_a_read_leaves_no_wal_or_shm(db_path: Path, capsys) -> None:
    with BacklogStore.open(db_path) as store:
        store.add(sample_item())
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["triage.db"]
    before = checksum(db_path)
    for reading in (("backlog", "list"), ("backlog", "show", "1"), ("kpis",)):
        code, _, err = run_main(capsys, *reading, "--db", db_path)
        assert code == 0 and err == "", err
        assert sorted(p.name for p in db_path.parent.iterdir()) == ["triage.db"], reading
    with BacklogStore.open(db_path, access=Access.READ) as store:
        assert store.get(1).title == sample_item().title
        with pytest.raises(StoreError, match="opened for reading"):
            store.add(sample_item())
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["triage.db"]
    assert checksum(db_path) == before


def test_a_read_while_another_process_writes_goes_through_its_wal(db_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        store.add(sample_item())
    with BacklogStore.open(db_path) as writer:  # holds the WAL open, uncheckpointed
        writer.add(sample_item("Pre-warm the template cache"))
        listed = cli("backlog", "list", "--format", "json", "--db", db_path)
        assert listed.returncode == 0 and "Pre-warm the template cache" in listed.stdout
    assert sorted(p.name for p in db_path.parent.iterdir()) == ["triage.db"]


def test_a_read_without_locks_notices_a_write_meanwhile(db_path: Path) -> None:
    with BacklogStore.open(db_path) as store:
        store.add(sample_item())
    with BacklogStore.open(db_path, access=Access.READ) as reader:
        assert reader.opened.immutable_stamp is not None
        assert not reader.changed_while_read()
        with BacklogStore.open(db_path) as writer:  # closing checkpoints into the file
            writer.add(sample_item("Pre-warm the template cache"))
        assert reader.changed_while_read()


def test_an_older_backlog_is_read_from_an_upgraded_copy_and_upgraded_by_a_write(
    tmp_path: Path, capsys
) -> None:
    path = tmp_path / "triage.db"
    shutil.copy(TRIAGE_FIXTURES / "triage_v1.db", path)
    before = checksum(path)
    code, out, err = run_main(capsys, "backlog", "list", "--db", path)
    assert code == 0 and "Quadratic join in merge_rows" in out
    assert "older schema (1)" in err and err.count("\n") == 1
    assert checksum(path) == before and sorted(p.name for p in tmp_path.iterdir()) == [path.name]
    code, out, err = run_main(capsys, "backlog", "add", "new", "--db", path)
    assert code == 0 and f"upgraded the backlog {path} from schema 1" in err
    assert (tmp_path / "triage.db.bak-v1").is_file()


def test_a_failed_upgrade_leaves_the_file_as_it_was(tmp_path: Path) -> None:
    """Every migration step runs in one transaction (``executescript`` would commit the
    first steps): a table in the way of schema 3 rolls schema 2's steps back too."""
    path = tmp_path / "triage.db"
    shutil.copy(TRIAGE_FIXTURES / "triage_v1.db", path)
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE quadrant_counts (note TEXT)")
    conn.close()
    schema_before = _schema(path)
    with pytest.raises(StoreError, match="already exists"):
        BacklogStore.open(path)
    assert _schema(path) == schema_before


def _schema(path: Path) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(
            "SELECT type, name, sql FROM sqlite_master ORDER BY name"
        ).fetchall() + [conn.execute("PRAGMA user_version").fetchone()]
    finally:
        conn.close()

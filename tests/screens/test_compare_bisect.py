"""A performance bisect started from the Compare pane: the commit it names, filed as an
item with the commit linked, and a long one stopped with the capture's stop key or by
quitting."""

from __future__ import annotations

import sys
from pathlib import Path

import psutil
import pytest
from textual.widgets import Input, Static

from screens.app import WorkbenchApp
from screens.bisect_dialog import BisectDialog
from screens.capture_dialog import CaptureDialog
from screens.compare import CompareScreen
from screens.item_dialog import ItemDialog
from screens.widgets.bisect_view import BisectView
from tests.capture.repos import BENCH, FAST, UNIFORM_3X, commit, git, make_repo, worktrees
from tests.helpers import Notices, pane_complete, settle, wait_for, wait_until
from workbench.context import LaunchContext
from workbench.triage.model import EvidenceKind
from workbench.triage.store import BacklogStore

pytestmark = pytest.mark.slow
SIZE = (160, 50)
#: Commit text is anyone's: markup in a subject must be drawn as the characters it is.
CULPRIT_SUBJECT = "[bold red]do it three times[/] [/]"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """good (tagged v1) → unrelated → the culprit (every function 3x slower) → docs."""
    monkeypatch.setenv("WORKBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    repo = make_repo(tmp_path / "repo")
    commit(repo, {"pkg/__init__.py": FAST, "bench.py": BENCH}, "fast")
    git(repo, "tag", "v1")
    commit(repo, {"README": "a\n"}, "unrelated")
    commit(repo, {"pkg/__init__.py": UNIFORM_3X}, CULPRIT_SUBJECT)
    commit(repo, {"README": "b\n"}, "docs")
    return repo


def _text(app: WorkbenchApp, selector: str) -> str:
    return str(app.compare_pane.query_one(selector, Static).render())


async def _bisect(pilot, values: dict[str, str]) -> None:  # noqa: ANN001
    """B, the fields typed over what they were prefilled with, enter on the last one."""
    await pane_complete(pilot)
    await pilot.press("B")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, BisectDialog)
    for field_id, value in values.items():
        dialog.query_one(f"#{field_id}", Input).value = value
    dialog.query_one("#bisect-repeat", Input).focus()
    await pilot.press("enter")


async def test_bisect_names_the_commit_files_it_and_stops(repo: Path, tmp_path: Path) -> None:
    culprit = git(repo, "rev-parse", "HEAD~1")
    db = tmp_path / "triage.db"
    heard = Notices()
    app = WorkbenchApp(LaunchContext(mode="compare", repo=repo, db=db))
    async with app.run_test(size=SIZE, message_hook=heard) as pilot:
        await pane_complete(pilot)
        await pilot.press("B")
        await pilot.pause()
        assert app.screen.query_one("#bisect-repo", Input).value == str(repo)  # the session's
        await pilot.press("escape")
        # CPU seconds without a profiler, 2 runs a step: a 3x slower commit is far above 50%.
        values = {"bisect-good": "v1", "bisect-bad": "HEAD", "bisect-metric": "cpu",
                  "bisect-threshold": "50", "bisect-repeat": "2",
                  "bisect-command": f"{sys.executable} bench.py 1500000"}  # fmt: skip
        await _bisect(pilot, values)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        view = screen.query_one(BisectView)
        assert view.display and view.result is not None
        assert view.result.first_bad is not None and view.result.first_bad.sha == culprit
        shown = _text(app, "#bisect-result")
        assert culprit in shown and "Author: Workbench Tests" in shown
        assert CULPRIT_SUBJECT in shown  # literally, not as markup
        assert view.result.first_bad.date in shown
        for step in view.result.steps:  # the metric at every step
            assert step.metric is not None and step.commit.sha[:12] in shown
            assert f"{step.metric:.4g} s" in shown
        assert {s.verdict for s in view.result.steps} == {"good", "bad"}
        assert not screen.query_one("#capture-progress", Static).display
        assert worktrees(repo) == [str(repo)]

        # The capture dialog starts from what the bisect dialog was given.
        await pilot.press("n")
        await pilot.pause()
        assert isinstance(app.screen, CaptureDialog)
        assert app.screen.query_one("#capture-base", Input).value == "v1"
        assert app.screen.query_one("#capture-command", Input).value == values["bisect-command"]
        await pilot.press("escape")

        # P: the item `bisect --propose` files, in the Backlog pane's form; ctrl+s saves it.
        await pilot.press("P")
        await settle(pilot)
        assert app.current_mode == "backlog" and isinstance(app.screen, ItemDialog)
        await pilot.press("ctrl+s")
        await settle(pilot)
        with BacklogStore.open(db) as store:
            (item,) = store.items()
        assert culprit[:12] in item.title and CULPRIT_SUBJECT in item.title
        links = {(e.kind, e.ref) for e in item.evidence}
        assert (EvidenceKind.COMMIT, culprit) in links
        assert any(kind == EvidenceKind.URL and ref.endswith("bisect.json") for kind, ref in links)

        # Filed again: the form says which open item already holds the commit.
        await app.switch_mode("compare")
        await pilot.press("P")
        await settle(pilot)
        assert isinstance(app.screen, ItemDialog) and f"#{item.id}" in app.screen.heading
        await pilot.press("escape")
        await app.switch_mode("compare")

        # A long one: the line says the step, the revision and the verdicts so far; X stops it.
        await _bisect(pilot, {**values, "bisect-repeat": "100"})
        bad = git(repo, "rev-parse", "HEAD")[:12]
        await wait_for(
            pilot,
            lambda: (
                "run 2 of 100" in _text(app, "#capture-progress")
                and bad in _text(app, "#capture-progress")
            ),
            120,
        )
        line = _text(app, "#capture-progress")
        assert "Bisect: step 1 of ~" in line and "no verdict yet; 3 candidates left" in line
        await pilot.press("X")
        await settle(pilot)
        assert app.compare_pane.query_one(BisectView).result.interrupted
        assert "Bisect stopped" in str(heard)
        assert worktrees(repo) == [str(repo)]


async def test_quitting_mid_bisect_leaves_no_worktree_and_no_child(repo: Path) -> None:
    """q while a step runs: the pane going away stops the search as X does."""
    app = WorkbenchApp(LaunchContext(mode="compare", repo=repo, db=repo.parent / "t.db"))
    async with app.run_test(size=SIZE) as pilot:
        await _bisect(pilot, {"bisect-good": "v1", "bisect-bad": "HEAD", "bisect-metric": "cpu",
                              "bisect-repeat": "100",
                              "bisect-command": f"{sys.executable} bench.py 1500000"})  # fmt: skip
        await wait_for(pilot, lambda: "run 2 of 100" in _text(app, "#capture-progress"), 120)
        children = psutil.Process().children(recursive=True)
        assert children  # a run under way
        await pilot.press("q")
    wait_until(lambda: worktrees(repo) == [str(repo)], 60)
    wait_until(lambda: not any(_alive(child) for child in children), 60)


def _alive(process: psutil.Process) -> bool:
    try:
        return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False

"""The History pane on a real git repository built in a temp dir."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import DataTable, Static

from screens.app import WorkbenchApp
from screens.history import HistoryScreen
from screens.messages import HistoryRequested
from screens.prompt_dialog import PromptDialog
from tests.helpers import settle
from tests.history.gitrepo import GitRepo
from workbench.context import LaunchContext
from workbench.triage.model import EvidenceKind, Item
from workbench.triage.store import BacklogStore

SIZE = (160, 50)
HOSTILE = "[@click=app.quit]x [/] fix"


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> GitRepo:
    """``app.py:Cache.lookup`` changed by three commits, one with a markup-looking message."""
    repo = GitRepo(tmp_path_factory.mktemp("history-pane") / "repo")
    repo.write("app.py", "class Cache:\n    def lookup(self, k):\n        return k\n")
    repo.commit("add cache", author="alice")
    repo.write(
        "app.py", "class Cache:\n    def lookup(self, k):\n        k = str(k)\n        return k\n"
    )
    repo.commit(HOSTILE, author="bob")
    repo.write("README", "unrelated\n")
    repo.commit("docs only", author="alice")
    repo.write(
        "app.py",
        "class Cache:\n    def lookup(self, k):\n        k = str(k)\n"
        "        for _ in range(3):\n            k = k.strip()\n        return k\n",
    )
    repo.commit("loop in lookup", author="carol")
    return repo


def table_column(app: WorkbenchApp, selector: str, column: int) -> list[str]:
    table = app.screen.query_one(selector, DataTable)
    return [table.get_row_at(row)[column].plain for row in range(table.row_count)]




async def test_commits_patch_blame_and_authors(repo: GitRepo) -> None:
    app = WorkbenchApp(
        LaunchContext(mode="history", repo=repo.path, function="app.py:Cache.lookup")
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        summaries = table_column(app, "#history-commits", 5)
        assert summaries == ["loop in lookup", HOSTILE, "add cache"]
        assert app.is_running, "a markup-looking commit message must not act"
        status = str(app.screen.query_one("#history-status", Static).render())
        assert "3 commits" in status
        header = str(app.screen.query_one("#patch-header", Static).render())
        assert "loop in lookup" in header
        # Blame of the span: every line of lookup, with its last author.
        assert table_column(app, "#history-blame", 4)[-1].strip() == "return k"
        authors = table_column(app, "#history-authors", 0)
        assert set(authors) == {"Alice Example", "Bob | Builder", "Carol `Coder`"}
        # Moving down the list shows the older commit's patch.
        app.screen.query_one("#history-commits", DataTable).focus()
        await pilot.press("down")
        await pilot.pause()
        assert HOSTILE in str(app.screen.query_one("#patch-header", Static).render())


async def test_hot_lines_and_typed_function(repo: GitRepo) -> None:
    app = WorkbenchApp(LaunchContext(mode="history", repo=repo.path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.post_message(HistoryRequested("app.py:Cache.lookup", [3]))
        await settle(pilot)
        assert table_column(app, "#history-blame", 0) == ["3"]
        assert table_column(app, "#history-blame", 3) == ["Bob | Builder"]
        await pilot.press("f")
        await pilot.pause()
        assert isinstance(app.screen, PromptDialog)
        dialog_input = app.screen.query_one("#dialog-input")
        dialog_input.value = "app.py:Cache.missing"
        await pilot.press("enter")
        await settle(pilot)
        status = app.screen.query_one("#history-status", Static)
        assert status.has_class("-error")
        assert "lookup" in str(status.render()), "the error names what exists nearby"
        # Nothing of lookup's answer stays on screen under the error about another function.
        assert table_column(app, "#history-commits", 5) == []
        assert table_column(app, "#history-blame", 0) == []
        assert str(app.screen.query_one("#patch-header", Static).render()) == ""
        assert app.screen.selected_commit() is None


async def test_link_selected_commit_to_backlog_item(repo: GitRepo, tmp_path: Path) -> None:
    db = tmp_path / "triage.db"
    store = BacklogStore.open(db)
    item = store.add(Item(title="lookup got slow", impact=4, effort=2))
    store.close()
    context = LaunchContext(mode="history", repo=repo.path, function="app.py:Cache.lookup", db=db)
    app = WorkbenchApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        app.screen.query_one("#dialog-input").value = str(item.id)
        await pilot.press("enter")
        await settle(pilot)
    store = BacklogStore.open(db)
    evidence = store.get(item.id).evidence
    store.close()
    assert [(e.kind, e.ref) for e in evidence] == [
        (EvidenceKind.COMMIT, repo.commits["loop in lookup"])
    ]


async def test_outside_a_repository_says_so(tmp_path: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="history", repo=tmp_path, function="a.py:f"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        status = app.screen.query_one("#history-status", Static)
        assert status.has_class("-error")
        assert "git" in str(status.render()).lower()


async def test_control_characters_in_messages_and_names_are_drawn_escaped(
    tmp_path: Path,
) -> None:
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "def f():\n    return 1\n")
    repo.commit("\x1b[31mred\x1b[0m alert", author="alice")
    app = WorkbenchApp(LaunchContext(mode="history", repo=repo.path, function="app.py:f"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_column(app, "#history-commits", 5) == ["\\x1b[31mred\\x1b[0m alert"]
        screen = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "\x1b" not in screen and "\\x1b[31mred" in screen


async def test_opened_from_another_pane_asks_git_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app names a function at launch (as the demo does) and another pane asks about
    a second one before History was ever shown: git log runs for the second one only."""
    repo = GitRepo(tmp_path / "repo")
    repo.write("app.py", "def first():\n    return 1\n\n\ndef second():\n    return 2\n")
    repo.commit("add both", author="alice")
    trace = tmp_path / "git-trace.txt"
    monkeypatch.setenv("GIT_TRACE", str(trace))
    db = tmp_path / "triage.db"
    context = LaunchContext(mode="backlog", repo=repo.path, function="app.py:first", db=db)
    app = WorkbenchApp(context)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.post_message(HistoryRequested("app.py:second", []))
        await settle(pilot)
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        assert table_column(app, "#history-commits", 5) == ["add both"]
    logs = [line for line in trace.read_text().splitlines() if "built-in: git log" in line]
    assert len(logs) == 1, logs


async def test_tables_move_with_vim_keys(repo: GitRepo) -> None:
    app = WorkbenchApp(
        LaunchContext(mode="history", repo=repo.path, function="app.py:Cache.lookup")
    )
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        commits = app.screen.query_one("#history-commits", DataTable)
        commits.focus()
        rows = []
        for key in ("j", "j", "k", "G", "g"):
            await pilot.press(key)
            rows.append(commits.cursor_row)
        assert rows == [1, 2, 1, 2, 0]


async def test_commits_found_by_the_tolerant_scanner_are_marked(tmp_path: Path) -> None:
    """A Python 2 version (tabs, print statement) is scanned; its commits say so."""
    legacy = GitRepo(tmp_path / "legacy")
    legacy.write("old.py", "def area(r):\n\tprint r\n\treturn 3 * r * r\n")
    legacy.commit("python 2 era")
    legacy.write("old.py", "def area(r):\n    return 3.14 * r * r\n")
    legacy.commit("python 3 at last")
    app = WorkbenchApp(LaunchContext(mode="history", repo=legacy.path, function="old.py:area"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        shas = table_column(app, "#history-commits", 1)
        assert [sha.endswith("*") for sha in shas] == [True, True]
        status = str(app.screen.query_one("#history-status", Static).render())
        assert "found by indentation (marked *)" in status

async def test_candidates_rank_the_range_between_the_compare_profiles(tmp_path: Path) -> None:
    from screens.widgets.candidates import CandidatesView
    from tests.analysis.test_attribution import RENDER_V1, _caller_profiles

    repo = GitRepo(tmp_path / "repo")
    repo.write("app/render.py", RENDER_V1)
    repo.commit("v1")
    text = RENDER_V1.replace(
        "def is_block_level(tag):\n", "def is_block_level(tag: str) -> bool:\n"
    )
    repo.write("app/render.py", text)
    repo.commit("Annotate is_block_level", "bob")
    repo.write(
        "app/render.py",
        text.replace(
            "        out.append(item)\n", "        out.append(is_block_level(item))\n"
        ).replace("sum(range(n))", "n * (n - 1) // 2"),
    )
    repo.commit(HOSTILE, "carol")
    base, branch = _caller_profiles(repo, tmp_path)
    app = WorkbenchApp(LaunchContext(mode="history", repo=repo.path, base=base, branch=branch))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, PromptDialog)
        await pilot.press(*f"{repo.commits['v1']}..HEAD", "enter")
        await settle(pilot)
        view = app.screen.query_one(CandidatesView)
        assert view.answer is not None, str(view.query_one("#candidates-status", Static).render())
        rows = table_column(app, "#candidates-table", 0)
        summaries = table_column(app, "#candidates-table", 6)
        whys = table_column(app, "#candidates-table", 7)
        # The markup-looking commit both made render call is_block_level and sped up other:
        # a regression first (its evidence there is stronger); the annotation scores nothing.
        assert (rows, summaries) == (["slower"], [HOSTILE])
        assert whys[0].startswith("render: now calls is_block_level")
        status = str(view.query_one("#candidates-status", Static).render())
        assert "cosmetic" in status and "Annotate is_block_level (no score)" in status
        assert app.is_running
    # `workbench candidates ... --open` hands the range over: ranked on arrival.
    opened = LaunchContext(
        mode="history", repo=repo.path, base=base, branch=branch,
        rev_range=f"{repo.commits['v1']}..HEAD",
    )  # fmt: skip
    app = WorkbenchApp(opened)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert table_column(app, "#candidates-table", 6) == [HOSTILE]

"""The Compare pane driven through the real app, on profiles real py-spy runs recorded."""

from __future__ import annotations

import random
import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual.message import Message
from textual.widgets import Footer, Static

from screens.app import WorkbenchApp
from screens.compare import CompareScreen
from screens.dialogs import PathDialog
from screens.messages import BacklogItemRequested, HistoryRequested
from screens.widgets.delta_table import MORE_ROW, DeltaTable
from screens.widgets.diff_summary import GateVerdictView, verdict_text
from screens.widgets.icicle import Icicle
from screens.widgets.pane_bar import PaneBar
from tests.helpers import settle, skip_without_ptrace, wait_for
from workbench.context import LaunchContext
from workbench.paths import data_dir
from workbench.profiles.diff import diff_profiles
from workbench.profiles.gates import GateConfig, evaluate_gates
from workbench.profiles.io import write_profile
from workbench.profiles.model import Frame, Profile, ProfileMeta
from workbench.profiles.readers import NO_PYTHON_FRAME

WORKLOAD = Path(__file__).with_name("compare_workload.py")
PY_SPY = Path(sys.executable).with_name("py-spy")
SIZE = (160, 50)
MARKUP_NAMES = ("[/]", "[@click=app.quit]x")


def _record(mode: str, out: Path) -> Path:
    """``py-spy record`` of the workload in ``mode``, as py-spy's raw collapsed stacks."""
    subprocess.run(
        [str(PY_SPY), "record", "--format", "raw", "--rate", "250", "-o", str(out), "--"]
        + [sys.executable, str(WORKLOAD), mode, "2"],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return out


@pytest.fixture(scope="session")
def profiles(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(base, branch): branch makes ``parse`` slower and adds the ``slow_join`` hotspot."""
    skip_without_ptrace()
    folder = tmp_path_factory.mktemp("compare")
    return _record("base", folder / "base.txt"), _record("branch", folder / "branch.txt")


def _app(base: Path | None, branch: Path | None, repo: Path | None = None) -> WorkbenchApp:
    return WorkbenchApp(LaunchContext(mode="compare", base=base, branch=branch, repo=repo))


def _functions(table: DeltaTable) -> list[str]:
    return [delta.key.qualname for delta in table.shown()]


def _plain(widget: Static) -> str:
    return str(widget.render())


def _focused_deltas(app: WorkbenchApp) -> DeltaTable:
    table = app.screen.query_one("#deltas", DeltaTable)
    table.focus()
    return table


async def test_regressions_hotspots_and_verdict(profiles: tuple[Path, Path]) -> None:
    app = _app(*profiles)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, CompareScreen)
        regressions = screen.query_one("#deltas", DeltaTable)
        assert regressions.category == "regressions"
        assert _functions(regressions)[0] == "parse"
        assert "slow_join" in _functions(regressions)
        assert _functions(screen.query_one("#hotspots", DeltaTable)) == ["slow_join"]
        verdict = screen.query_one(GateVerdictView)
        assert "FAIL" in _plain(verdict) and "slow_join" in _plain(verdict)
        assert verdict.has_class("-fail")
        assert "samples" in _plain(screen.query_one("#summary-base", Static))


async def test_waiver_turns_failure_into_documented_pass(
    profiles: tuple[Path, Path], tmp_path: Path
) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.workbench.waivers]\nslow_join = "batching moved here on purpose"\n'
    )
    app = _app(*profiles, repo=tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        verdict = app.screen.query_one(GateVerdictView)
        text = _plain(verdict)
        assert "PASS" in text and "waived" in text and "batching moved here on purpose" in text
        assert verdict.has_class("-pass")


async def test_table_sorts_and_filters(profiles: tuple[Path, Path]) -> None:
    app = _app(*profiles)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _focused_deltas(app)
        await pilot.press("v")
        assert table.category == "improvements"
        assert all(delta.delta_self_pct < 0 for delta in table.shown())
        await pilot.press("v")
        assert table.category == "all"
        assert table.sort_column == "Δ self"
        await pilot.press("s", "s")  # Δ self → Base total → Branch total
        assert table.sort_column == "Branch total"
        shares = [delta.branch_total_pct for delta in table.shown()]
        assert shares == sorted(shares, reverse=True)
        await pilot.press("S")
        assert [delta.branch_total_pct for delta in table.shown()] == sorted(shares)


async def test_icicle_keys_move_selection_and_zoom(profiles: tuple[Path, Path]) -> None:
    app = _app(*profiles)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        icicle = app.screen.query_one(Icicle)
        icicle.focus()
        root = icicle.root
        assert root is not None and icicle.selected is root
        await pilot.press("down", "down", "down")  # all → <module> → main → widest callee
        selected = icicle.selected
        assert selected is not None and selected.label == "parse"
        await pilot.press("right")
        neighbour = icicle.selected
        assert neighbour is not None and neighbour is not selected
        assert neighbour.parent is selected.parent
        await pilot.press("left", "enter")
        assert icicle.zoom is selected
        assert icicle.rows[0][0].node is selected
        assert (icicle.rows[0][0].x0, icicle.rows[0][0].x1) == (0, icicle.size.width)
        status = _plain(app.screen.query_one("#icicle-status", Static))
        assert "parse" in status and "→" in status and "pts" in status
        await pilot.press("escape")
        assert icicle.zoom is selected.parent
        await pilot.press("0")
        assert icicle.zoom is root


async def test_history_and_backlog_keys_post_requests(
    profiles: tuple[Path, Path], tmp_path: Path
) -> None:
    posted: list[Message] = []
    app = WorkbenchApp(
        LaunchContext(mode="compare", base=profiles[0], branch=profiles[1], db=tmp_path / "t.db")
    )
    async with app.run_test(size=SIZE, message_hook=posted.append) as pilot:
        await settle(pilot)
        _focused_deltas(app)
        await pilot.press("b")
        await pilot.pause()
        backlog = [m for m in posted if isinstance(m, BacklogItemRequested)]
        assert backlog and backlog[0].title == "Regression in parse"
        assert backlog[0].profile == profiles[1]
        assert "parse" in (backlog[0].function or "") and "pts" in backlog[0].hypothesis
        await app.switch_mode("compare")
        await pilot.press("h")
        await pilot.pause()
        history = [m for m in posted if isinstance(m, HistoryRequested)]
        assert history and history[0].function.endswith("compare_workload.py:parse")
        assert history[0].lines, "hot lines of parse come from the branch profile"
        assert app.current_mode == "history"


async def test_markup_looking_names_render_as_text(profiles: tuple[Path, Path]) -> None:
    app = _app(*profiles)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _focused_deltas(app)
        await pilot.press("v", "v")  # all functions
        assert set(MARKUP_NAMES) <= set(_functions(table))
        drawn = "\n".join(
            str(cell) for row in range(table.row_count) for cell in table.get_row_at(row)
        )
        assert all(name in drawn for name in MARKUP_NAMES)
        icicle = app.screen.query_one(Icicle)
        labels = {cell.node.label for row in icicle.rows for cell in row}
        assert set(MARKUP_NAMES) <= labels
        icicle.focus()
        await pilot.press("down", "down", "down")
        while icicle.selected is not None and icicle.selected.label not in MARKUP_NAMES:
            before = icicle.selected
            await pilot.press("right")
            assert icicle.selected is not before, "markup names not reachable"
        await pilot.press("enter")
        await pilot.pause()
        status = _plain(app.screen.query_one("#icicle-status", Static))
        assert icicle.selected.label in status
        screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert any(name[:8] in screen_text for name in MARKUP_NAMES)
        assert app.is_running and app.current_mode == "compare"


async def test_bad_file_shows_error_then_dialog_loads_a_good_one(
    profiles: tuple[Path, Path], tmp_path: Path
) -> None:
    bad = tmp_path / "bad.bin"
    bad.write_bytes(b"\x00\x01\x02 not a profile \xff" * 10)
    app = _app(bad, profiles[1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        error = app.screen.query_one("#compare-error", Static)
        assert error.display and str(bad) in _plain(error)
        assert app.is_running
        await pilot.press("o")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog)
        field = app.screen.query_one("Input")
        field.value = str(tmp_path / "missing.txt")
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, PathDialog), "a missing file keeps the dialog open"
        field.value = str(profiles[0])
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CompareScreen)
        assert not app.screen.query_one("#compare-error", Static).display
        assert _functions(app.screen.query_one("#deltas", DeltaTable))[0] == "parse"
        app.screen.load_profile("branch", bad)  # as CompareProfileChosen does
        await settle(pilot)
        assert app.screen.query_one("#compare-error", Static).display
        assert _functions(app.screen.query_one("#deltas", DeltaTable)) == []
        assert app.screen.query_one(Icicle).root is None, "no stale icicle for the old pair"


async def test_bundled_demo_pair_opens() -> None:
    """The README's first command opens the pane on these two files."""
    app = _app(data_dir() / "compare_demo" / "base.txt", data_dir() / "compare_demo" / "branch.txt")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert _functions(app.screen.query_one("#hotspots", DeltaTable)) == ["validate_rows"]
        assert "FAIL" in _plain(app.screen.query_one(GateVerdictView))


async def test_empty_pane_says_how_to_load() -> None:
    app = _app(None, None)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "press o" in _plain(app.screen.query_one("#summary-base", Static))
        assert "press O" in _plain(app.screen.query_one("#summary-branch", Static))
        await pilot.press("h")  # nothing selected: a hint, not a crash
        assert app.current_mode == "compare"
        palette = {command.title for command in app.get_system_commands(app.screen)}
        assert {"History (h)", "Open base (o)", "Reload (r)", "Zoom (⏎)"} <= palette
        await pilot.press("question_mark")
        await pilot.pause()
        help_text = str(app.screen.query_one("HelpPanel #widget-help").source)
        assert "red grew" in help_text


async def test_line_level_toggle(profiles: tuple[Path, Path]) -> None:
    app = _app(*profiles)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("l")
        await settle(pilot)
        table = app.screen.query_one("#deltas", DeltaTable)
        # py-spy sometimes records a sample with no frame at all (start-up, exit):
        # its "(no Python frame)" leaf has no line, at either level.
        with_code = [d for d in table.shown() if d.key.qualname != NO_PYTHON_FRAME.function]
        assert with_code and all(delta.line is not None for delta in with_code)


def _synthetic(path: Path, seed: int, functions: int, stacks: int) -> Path:
    """A collapsed profile with many distinct functions (deterministic)."""
    rng = random.Random(seed)
    lines = []
    for _ in range(stacks):
        depth = rng.randint(3, 12)
        picks = [rng.randrange(functions) for _ in range(depth)]
        frames = [f"f{pick} (pkg/m{pick % 50}.py)" for pick in picks]
        lines.append(f"main (pkg/app.py);{';'.join(frames)} {rng.randint(1, 20)}")
    path.write_text("\n".join(lines) + "\n")
    return path


async def test_large_diff_shows_top_rows_only(tmp_path: Path) -> None:
    base = _synthetic(tmp_path / "base.txt", 1, 3000, 10_000)
    branch = _synthetic(tmp_path / "branch.txt", 2, 3000, 10_000)
    app = _app(base, branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _focused_deltas(app)
        await pilot.press("v", "v")
        assert table.category == "all"
        assert table.row_count == table.limit + 1
        more = table.get_row(MORE_ROW)[0]
        assert str(more).startswith("… ") and str(more).endswith(" more")
        icicle = app.screen.query_one(Icicle)
        width = icicle.size.width
        assert icicle.rows and all(len(row) <= width for row in icicle.rows)


async def test_control_characters_in_names_are_shown_escaped(tmp_path: Path) -> None:
    # An ANSI escape in a function name must not reach the terminal: it recoloured
    # the screen and shifted every table column after it.
    red = "\x1b[31mred\x1b[0m"
    base, branch = tmp_path / "base.txt", tmp_path / "branch.txt"
    base.write_text("main (app.py:1);other (app.py:9) 20\n")
    branch.write_text(f"main (app.py:1);other (app.py:9) 10\nmain (app.py:1);{red} (app.py:5) 10\n")
    app = _app(base, branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = _focused_deltas(app)
        assert red in _functions(table)  # the data keeps the name as it is
        icicle = app.screen.query_one(Icicle)
        icicle.focus()
        await pilot.press("down", "down")
        while icicle.selected is not None and icicle.selected.label != red:
            before = icicle.selected
            await pilot.press("right")
            assert icicle.selected is not before
        await pilot.pause()
        screen_text = "\n".join(strip.text for strip in app.screen._compositor.render_strips())
        assert "\x1b" not in screen_text
        assert "\\x1b[31m" in screen_text  # table, gate verdict, icicle and status line
        verdict = _plain(app.screen.query_one(GateVerdictView))
        assert "\\x1b[31mred\\x1b[0m: new hotspot" in verdict
        assert "\\x1b[31mred" in _plain(app.screen.query_one("#icicle-status", Static))


async def test_table_columns_fit_the_longest_name_from_the_first_frame(tmp_path: Path) -> None:
    # DataTable's auto width is applied on idle without a repaint: in a real
    # terminal a small table kept header-wide columns ("Function" → "[@click=").
    long_name = "render_report_with_a_long_name"
    base, branch = tmp_path / "base.txt", tmp_path / "branch.txt"
    base.write_text("main (app.py:1);other (app.py:9) 20\n")
    branch.write_text(
        f"main (app.py:1);other (app.py:9) 10\nmain (app.py:1);{long_name} (app.py:5) 10\n"
    )
    app = _app(base, branch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for table in app.screen.query(DeltaTable):
            function = table.columns[next(iter(table.columns))]
            assert not function.auto_width and function.width >= len(long_name)
        await pilot.press("l")
        await settle(pilot)
        table = app.screen.query_one("#deltas", DeltaTable)
        where = next(column for column in table.columns.values() if column.label.plain == "File")
        assert where.width >= len("app.py:5")


async def test_line_level_without_line_numbers_says_so_and_function_level_comes_back(
    profiles: tuple[Path, Path], tmp_path: Path
) -> None:
    # A py-spy --nolineno capture has no lines: `t` must say so, not call every line new.
    no_lines = tmp_path / "nolineno.txt"
    no_lines.write_text(
        "".join(
            f"{re.sub(r':[0-9]+[)]', ')', stack)} {count}\n"
            for stack, _, count in (
                line.rpartition(" ") for line in profiles[0].read_text().splitlines() if line
            )
        )
    )
    app = _app(no_lines, profiles[1])
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.screen.comparison is not None
        await pilot.press("l")
        await settle(pilot)
        error = app.screen.query_one("#compare-error", Static)
        assert (
            error.display and "no line numbers" in _plain(error) and str(no_lines) in _plain(error)
        )
        assert app.screen.comparison is None
        assert "could not read" not in _plain(app.screen.query_one("#summary-branch"))
        await pilot.press("l")
        await settle(pilot)
        assert not app.screen.query_one("#compare-error", Static).display
        assert _functions(app.screen.query_one("#deltas", DeltaTable))


def test_the_compare_pane_verdict_names_the_line() -> None:
    base, branch = Profile(), Profile()
    base.add_frames([Frame("main", "pkg/app.py", 2)], 10)
    branch.add_frames([Frame("main", "pkg/app.py", 2), Frame("parse", "pkg/app.py", 7)], 10)
    text = verdict_text(evaluate_gates(diff_profiles(base, branch, by="line"), GateConfig())).plain
    assert "parse:7: new hotspot" in text and "absent from base" in text


async def test_the_pane_paints_its_bar_first_then_mounts_the_rest(tmp_path: Path) -> None:
    """The first frame holds the bar, the sides and the verdict; the icicle, the tables
    and the footer come right after, and the pane's keys wait for them."""
    app = WorkbenchApp(LaunchContext(mode="compare", db=tmp_path / "t.db"))
    pane = app.compare_pane  # made before it is on screen
    assert not pane.complete and pane.check_action("filter", ()) is False
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: pane.complete)
        assert "F2 Compare" in str(pane.query_one(PaneBar).render())
        assert pane.query(Footer) and pane.query(DeltaTable)
        assert isinstance(app.focused, Icicle)  # the first frame had nothing to focus
        assert pane.check_action("filter", ())
        await pilot.press("slash")
        assert pane.query_one("#compare-filter").has_focus


def _view_profile(path: Path, view: str) -> Path:
    """A profile our writer marks as ``view``: a worker busy in ``parse``, one waiting."""
    profile = Profile(ProfileMeta(format="live", unit="seconds", rate=100.0, view=view))
    profile.add_frames([Frame("main", "app.py", 1), Frame("parse", "app.py", 7)], 3.0)
    if view == "wall":
        profile.add_frames([Frame("main", "app.py", 1), Frame("wait", "app.py", 12)], 5.0)
    write_profile(profile, path, "speedscope")
    return path


async def test_a_wall_view_against_a_cpu_view_is_refused_until_asked(tmp_path: Path) -> None:
    cpu = _view_profile(tmp_path / "cpu.speedscope.json", "cpu")
    wall = _view_profile(tmp_path / "wall.speedscope.json", "wall")
    app = _app(cpu, wall)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        error = screen.query_one("#compare-error", Static)
        said = _plain(error)
        assert error.display and "CPU view" in said and "wall view" in said
        assert "press c to compare them anyway" in said and "--mixed-views" not in said
        assert screen.comparison is None and not _functions(screen.query_one("#deltas", DeltaTable))
        await pilot.press("c")
        await settle(pilot)
        assert not error.display
        assert screen.comparison is not None
        assert "wait" in _functions(screen.query_one("#deltas", DeltaTable))
        # Choosing another file asks again: the permission was for that pair.
        screen.load_profile("branch", _view_profile(tmp_path / "wall2.speedscope.json", "wall"))
        await settle(pilot)
        assert error.display and screen.comparison is None


@pytest.mark.parametrize(
    ("branch_view", "mixed_views"),
    [("samples", False), ("wall", True)],  # the second: workbench compare --mixed-views
)
async def test_comparable_or_mixed_views_open_compared(
    tmp_path: Path, branch_view: str, mixed_views: bool
) -> None:
    base = _view_profile(tmp_path / "cpu.speedscope.json", "cpu")
    branch = _view_profile(tmp_path / f"{branch_view}.speedscope.json", branch_view)
    launch = LaunchContext(mode="compare", base=base, branch=branch, mixed_views=mixed_views)
    app = WorkbenchApp(launch)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert not app.screen.query_one("#compare-error", Static).display
        assert app.screen.comparison is not None

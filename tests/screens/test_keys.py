"""One key language: a verb has one key in every pane, a key one meaning (docs/keys.md)."""

from __future__ import annotations

import re
from collections import defaultdict
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.dom import DOMNode
from textual.screen import ModalScreen

from screens.app import PANES, WorkbenchApp
from screens.dialogs import PathDialog
from screens.keymap import KEYMAP_ENV, keyed_classes, own_bindings, read_keymap
from screens.keys import KEYS
from tests.helpers import cli, settle
from workbench.context import LaunchContext
from workbench.errors import ConfigError
from workbench.paths import data_dir

DOCS = Path(__file__).resolve().parents[2] / "docs" / "keys.md"


def _verb(binding: Binding) -> str:
    return (binding.id or "").rpartition(".")[2]


def _pane_classes() -> list[type[DOMNode]]:
    """Screens and widgets of the panes (dialogs have keys of their own while open)."""
    return [cls for cls in keyed_classes() if not issubclass(cls, ModalScreen)]


def test_every_binding_has_an_id_a_description_and_a_tooltip() -> None:
    missing = [
        f"{cls.__name__}: {binding.key} → {binding.action}"
        for cls in keyed_classes()
        for binding in own_bindings(cls)
        if not (binding.id and binding.description and binding.tooltip)
    ]
    assert not missing


def test_no_verb_on_two_keys() -> None:
    wrong = [
        f"{cls.__name__}: {binding.id} is on {binding.key!r}, the verb's key is "
        f"{KEYS.get(_verb(binding))!r}"
        for cls in _pane_classes()
        for binding in own_bindings(cls)
        if KEYS.get(_verb(binding)) != binding.key
    ]
    assert not wrong


def test_no_key_with_two_meanings_across_panes() -> None:
    meanings: dict[str, set[str]] = defaultdict(set)
    for cls in _pane_classes():
        for binding in own_bindings(cls):
            for key in binding.key.split(","):
                meanings[key.strip()].add(_verb(binding))
    assert {key: verbs for key, verbs in meanings.items() if len(verbs) > 1} == {}


def test_the_docs_table_names_every_verb_and_its_key() -> None:
    docs = DOCS.read_text(encoding="utf-8")
    documented = set(re.findall(r"`(?:[a-z_]+)?\.([a-z_0-9*]+)`", docs))
    undocumented = [
        verb
        for verb in {_verb(b) for cls in _pane_classes() for b in own_bindings(cls)}
        if verb not in documented and f"{verb.rpartition('_')[0]}_*" not in documented
    ]
    assert not undocumented, f"add these verbs to docs/keys.md: {sorted(undocumented)}"


async def test_every_pane_on_screen_keeps_the_language(tmp_path: Path) -> None:
    """Walk every pane with each of its widgets focused: the keys that act follow the map."""
    app = WorkbenchApp(LaunchContext(db=tmp_path / "triage.db"))
    meanings: dict[str, set[str]] = defaultdict(set)
    async with app.run_test(size=(120, 40)) as pilot:
        for mode in PANES:
            await app.switch_mode(mode)
            await settle(pilot)
            while isinstance(app.screen, ModalScreen):  # Live with no target asks for one
                app.pop_screen()
                await settle(pilot)
            screen = app.screen
            focusable = [w for w in screen.walk_children() if w.focusable]
            assert focusable, f"{mode}: nothing takes focus"
            for widget in [None, *focusable]:
                screen.set_focus(widget)
                await pilot.pause()
                for key, active in screen.active_bindings.items():
                    if active.binding.id is not None:  # Textual's own keys have no id
                        meanings[key].add(_verb(active.binding))
    assert {key: verbs for key, verbs in meanings.items() if len(verbs) > 1} == {}
    assert {"slash", "escape", "q", "f1"} <= set(meanings)


def test_a_keymap_file_names_binding_ids(tmp_path: Path) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_text('[keys]\n"compare.level" = "L"\n"app.quit" = "ctrl+q"\n')
    assert read_keymap(keymap) == {"compare.level": "L", "app.quit": "ctrl+q"}
    assert read_keymap(tmp_path / "absent.toml") == {}


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[keys]\n"compare.nope" = "L"\n', "no binding has the id compare.nope"),
        ("[keys\n", "not valid TOML"),
        ('[keys]\n"compare.level" = 3\n', "maps binding ids to key names"),
        (b'[keys]\n"compare.level" = "\xff"\n', "not UTF-8"),
        (b"\0\1binary", "binary"),
        ("x = " + "[" * 50_000, "nested too deeply|not valid TOML"),
    ],
)
def test_a_bad_keymap_is_refused_in_one_line(tmp_path: Path, text: str | bytes, says: str) -> None:
    keymap = tmp_path / "keymap.toml"
    keymap.write_bytes(text if isinstance(text, bytes) else text.encode())
    with pytest.raises(ConfigError, match=says) as caught:
        read_keymap(keymap)
    assert "\n" not in str(caught.value)


async def test_a_remapped_key_does_the_action(tmp_path: Path) -> None:
    app = WorkbenchApp(LaunchContext(mode="compare", db=tmp_path / "triage.db"))
    app.set_keymap(read_keymap(_write(tmp_path, '[keys]\n"compare.level" = "L"\n')))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = app.screen
        await pilot.press("l")
        assert screen.by == "function", "the old key no longer acts"
        await pilot.press("L")
        assert screen.by == "line"


def _write(folder: Path, text: str) -> Path:
    path = folder / "keymap.toml"
    path.write_text(text)
    return path


def test_the_app_refuses_a_bad_keymap_before_drawing(tmp_path: Path) -> None:
    keymap = _write(tmp_path, '[keys]\n"live.nope" = "p"\n')
    demo = data_dir() / "compare_demo"
    done = cli("compare", demo / "base.txt", demo / "branch.txt", env={KEYMAP_ENV: str(keymap)})
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"workbench: error: keymap {keymap}: no binding has the id live.nope "
        "(docs/keys.md lists them)"
    ]


async def test_keys_typed_before_the_pane_is_complete_are_replayed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The Compare pane mounts its tables after its first frame and its keys wait for
    them; a key typed as the window appears is kept and acted on, not lost."""
    monkeypatch.chdir(tmp_path)
    app = WorkbenchApp(LaunchContext(mode="compare", db=tmp_path / "backlog.db"))
    async with app.run_test(size=(120, 36)) as pilot:
        first = app.screen
        assert not first.complete  # the key below arrives before the rest is mounted
        await pilot.press(KEYS["open_base"])
        await settle(pilot)
        assert first.complete
        assert isinstance(app.screen, PathDialog)

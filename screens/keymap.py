"""Users' own keys: a TOML keymap read at start-up and handed to Textual.

Every binding of the app has an id (``live.pause``, ``backlog.status``…, see
:mod:`screens.keys`); a keymap gives an id other keys, and Textual's
``App.set_keymap`` applies it. A keymap naming an id no binding has would
silently do nothing, so it is refused with the id named, before anything is
drawn.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

from textual.binding import Binding
from textual.dom import DOMNode

from workbench.errors import ConfigError

#: Environment variable naming a keymap file instead of the default one.
KEYMAP_ENV = "WORKBENCH_KEYMAP"


def default_keymap_path() -> Path:
    """``keymap.toml`` in the user's config folder (``~/.config/workbench`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("workbench")) / "keymap.toml"


def keymap_path() -> Path:
    """The file ``WORKBENCH_KEYMAP`` names, else the default location."""
    named = os.environ.get(KEYMAP_ENV)
    return Path(named) if named else default_keymap_path()


def keyed_classes() -> Iterator[type[DOMNode]]:
    """Every screen, dialog and widget of ours that declares bindings."""
    import screens.app  # noqa: F401 - imports every pane, and so every widget and dialog

    pending: list[type[DOMNode]] = [DOMNode]
    seen: set[type[DOMNode]] = set()
    while pending:
        cls = pending.pop()
        for sub in cls.__subclasses__():
            if sub not in seen:
                seen.add(sub)
                pending.append(sub)
                if sub.__module__.startswith("screens.") and "BINDINGS" in sub.__dict__:
                    yield sub


def own_bindings(cls: type[DOMNode]) -> list[Binding]:
    """The bindings ``cls`` declares itself (not those it inherits), keys unsplit."""
    return [
        item if isinstance(item, Binding) else Binding(*item) for item in cls.__dict__["BINDINGS"]
    ]


def binding_ids() -> set[str]:
    """The id of every binding of the app."""
    return {
        binding.id
        for cls in keyed_classes()
        for binding in own_bindings(cls)
        if binding.id is not None
    }


def read_keymap(path: Path) -> dict[str, str]:
    """The ``[keys]`` table of ``path`` (id -> keys); {} when the file does not exist."""
    if not path.exists() and not path.is_symlink():
        return {}
    from workbench.documents import read_toml  # most users have no keymap file

    table = read_toml(path, ConfigError, what="keymap").get("keys", {})
    if not isinstance(table, dict) or not all(
        isinstance(keys, str) and keys.strip() for keys in table.values()
    ):
        raise ConfigError(
            f'keymap {path}: [keys] maps binding ids to key names, e.g. "live.pause" = "p"'
        )
    unknown = sorted(set(table) - binding_ids())
    if unknown:
        raise ConfigError(
            f"keymap {path}: no binding has the id {', '.join(unknown)} (docs/keys.md lists them)"
        )
    return {binding_id: keys.strip() for binding_id, keys in table.items()}


def user_keymap() -> dict[str, str]:
    """The user's keymap, from :func:`keymap_path`."""
    return read_keymap(keymap_path())

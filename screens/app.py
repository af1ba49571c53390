"""The Workbench app: one Textual mode per pane, global keys, palette.

Modes (Compare, Live, Backlog, History, Cycle) each keep their own screen stack, so
switching panes never loses a pane's state. Global bindings live here; every
other binding lives on the screen that owns its action. The command palette
lists every binding active on the current screen, so each action is reachable
by name as well as by key.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable

from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.screen import Screen

from screens.messages import BacklogItemRequested, CompareProfileChosen, HistoryRequested
from screens.placeholder import PlaceholderScreen
from workbench.context import LaunchContext
from workbench.paths import styles_dir

#: mode name -> (module, factory function name, title). The factory takes the
#: LaunchContext and returns the pane's base screen.
PANES: dict[str, tuple[str, str, str]] = {
    "compare": ("screens.compare", "make_screen", "Compare"),
    "live": ("screens.live", "make_screen", "Live"),
    "backlog": ("screens.backlog", "make_screen", "Backlog"),
    "history": ("screens.history", "make_screen", "History"),
    "cycle": ("screens.cycle", "make_screen", "Cycle"),
}


class WorkbenchApp(App[int]):
    """Triage Workbench."""

    TITLE = "Triage Workbench"
    CSS_PATH = [styles_dir() / "app.tcss"]
    BINDINGS = [
        Binding(
            "f1", "switch_mode('live')", "Live", id="pane.live", tooltip="Sample a running process"
        ),
        Binding(
            "f2",
            "switch_mode('compare')",
            "Compare",
            id="pane.compare",
            tooltip="Baseline vs branch profiles",
        ),
        Binding(
            "f3",
            "switch_mode('history')",
            "History",
            id="pane.history",
            tooltip="Git archaeology of a function",
        ),
        Binding(
            "f4",
            "switch_mode('backlog')",
            "Backlog",
            id="pane.backlog",
            tooltip="Triage matrix and KPIs",
        ),
        Binding(
            "f5",
            "switch_mode('cycle')",
            "Cycle",
            id="pane.cycle",
            tooltip="SLOs, load tests, before/after and reports",
        ),
        Binding(
            "question_mark",
            "toggle_help",
            "Help",
            id="app.help",
            tooltip="Show or hide the keys of this pane",
        ),
        Binding("q", "quit", "Quit", id="app.quit", tooltip="Quit the workbench"),
    ]

    def __init__(self, context: LaunchContext | None = None) -> None:
        super().__init__()
        self.context = context or LaunchContext()
        """What the app was opened on; panes read their part when first shown."""
        for mode, (module, factory, title) in PANES.items():
            self.add_mode(mode, self._pane_factory(module, factory, title))

    def _pane_factory(self, module: str, factory: str, title: str) -> Callable[[], Screen]:
        def make() -> Screen:
            try:
                make_screen = getattr(importlib.import_module(module), factory)
            except (ImportError, AttributeError):
                return PlaceholderScreen(title)
            return make_screen(self.context)

        return make

    def on_mount(self) -> None:
        self.switch_mode(self.context.mode if self.context.mode in PANES else "compare")

    def action_toggle_help(self) -> None:
        if self.screen.query("HelpPanel"):
            self.action_hide_help_panel()
        else:
            self.action_show_help_panel()

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        seen: set[str] = set()
        for active in screen.active_bindings.values():
            binding = active.binding
            if not binding.description or binding.action in seen:
                continue
            seen.add(binding.action)
            key = self.get_key_display(binding)
            help_text = binding.tooltip or binding.description
            yield SystemCommand(
                f"{binding.description} ({key})",
                help_text,
                lambda node=active.node, action=binding.action: self.run_action(action, node),
            )

    # -- context travelling between panes --------------------------------
    async def _pane_screen(self, mode: str) -> Screen:
        await self.switch_mode(mode)
        return self.screen

    async def on_history_requested(self, message: HistoryRequested) -> None:
        # A History pane made now reads both from the context and asks git on
        # mount; one that exists already takes them through open_function, which
        # does not ask the same question twice.
        self.context.function, self.context.lines = message.function, list(message.lines)
        screen = await self._pane_screen("history")
        if hasattr(screen, "open_function"):
            screen.open_function(message.function, message.lines)

    async def on_backlog_item_requested(self, message: BacklogItemRequested) -> None:
        screen = await self._pane_screen("backlog")
        if hasattr(screen, "propose_item"):
            screen.propose_item(message)

    async def on_compare_profile_chosen(self, message: CompareProfileChosen) -> None:
        screen = await self._pane_screen("compare")
        if hasattr(screen, "load_profile"):
            screen.load_profile(message.role, message.path)

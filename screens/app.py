"""The Workbench app: one Textual mode per pane, global keys, palette.

Modes (Compare, Live, Backlog, History, Cycle) each keep their own screen stack, so
switching panes never loses a pane's state. Global bindings live here; every
other binding lives on the screen that owns its action. The command palette
lists every binding active on the current screen, so each action is reachable
by name as well as by key.
"""

from __future__ import annotations

import asyncio
import importlib
import signal
import sys
import termios
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import events
from textual.app import App, SystemCommand
from textual.reactive import reactive
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from screens.keys import bind
from screens.messages import (
    BacklogItemRequested,
    CompareProfileChosen,
    EvidenceLinkRequested,
    HistoryRequested,
)
from screens.session import Session
from screens.text_dialog import TextDialog
from screens.widgets.pane_bar import PANE_TITLES
from workbench.context import LaunchContext, Preparation
from workbench.errors import WorkbenchError
from workbench.paths import styles_dir

if TYPE_CHECKING:
    from screens.backlog import BacklogScreen
    from screens.compare import CompareScreen
    from screens.cycle import CycleScreen
    from screens.history import HistoryScreen
    from screens.live import LiveScreen

#: The panes, by mode name (each is ``screens/<mode>.py`` with a ``make_screen``).
PANES = ("compare", "live", "backlog", "history", "cycle")
#: Work that runs longer than this is named in the pane bar while it runs.
BUSY_AFTER = 0.2


def told(worker: Worker) -> str:
    """What ``@work(description=...)`` said ``worker`` does, or "" when it said nothing.

    Textual describes an undescribed ``@work`` method by its call's repr
    (``run_feed(<Feed object at 0x…>)``): a debugging aid, never a line for the
    pane bar, and it may quote untrusted arguments.
    """
    described = worker.description
    return "" if described == "<worker>" or described.startswith(f"{worker.name}(") else described


class WorkbenchApp(App[int]):
    """Triage Workbench."""

    TITLE = "Triage Workbench"
    CSS_PATH = [styles_dir() / "app.tcss"]
    # Each pane's stylesheet gives way by priority below these sizes (80×24 must work).
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (120, "-wide")]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]
    BINDINGS = [
        *(
            bind(
                "app",
                f"pane_{mode}",
                f"switch_mode('{mode}')",
                title,
                f"The {title} pane",
                show=False,
            )
            for mode, title in PANE_TITLES.items()
        ),
        bind("app", "help", "toggle_help", "Help", "Show or hide the keys of this pane"),
        bind("app", "quit", "quit", "Quit", "Quit the workbench"),
    ]

    busy: reactive[str] = reactive("")
    """What slow work is running (every pane's bar shows it); '' when nothing is."""

    def __init__(self, context: LaunchContext | None = None) -> None:
        session = Session(context)
        first = session.launch.mode
        first = first if first in PANES else "compare"
        # The app starts in the pane's mode, with the pane as that mode's default
        # screen (``get_default_screen``): no other screen is mounted (and its CSS
        # applied) only to be switched away from before the first frame. A mode
        # Textual makes from ``MODES`` re-parses every stylesheet once made (a new
        # screen's CSS count differs from the app's), and that clears the parse cache
        # the pane's widgets would use, so the first pane's mode is added once the
        # app is mounted. Its stylesheet is read with the app's (``styles/<mode>.tcss``).
        self.DEFAULT_MODE = first  # type: ignore[misc]
        self.CSS_PATH = [*self.CSS_PATH, styles_dir() / f"{first}.tcss"]
        super().__init__()
        self._running_since: dict[Worker, float] = {}
        self.session = session
        """What every pane shares (the backlog, the repository); handed to each pane."""
        self._panes: dict[str, Screen] = {}
        for mode in PANES:
            if mode != first:
                self._add_pane_mode(mode)

    async def run_async(self, **kwargs: Any) -> int | None:
        """Textual's, with SIGHUP (the terminal closed) and SIGTERM quitting the app as
        ``q`` does: the panes stop their samplers and the commands they launched.

        The command line's handler turns those signals into ``KeyboardInterrupt``
        (:func:`workbench.cli.stopping_like_ctrl_c`), raised wherever the main thread
        is, Textual's own code included. A hangup also brings a SIGCONT, on which
        Textual's driver resumes the terminal (its Ctrl-Z support): in the middle of
        the shutdown that started a second output thread, and the first one's stop
        waited forever, the app hung with its launched command still running. The
        SIGHUP handler is a plain one, so it runs before that SIGCONT's (pending
        signals run in number order) and takes the resume away first.
        """
        loop = asyncio.get_running_loop()

        def hung_up(signum: int, frame: object) -> None:
            signal.signal(signal.SIGCONT, signal.SIG_DFL)
            loop.call_soon_threadsafe(self.exit, None, 128 + signum)

        previous = signal.signal(signal.SIGHUP, hung_up)
        self.call_later(self._resume_only_on_a_live_terminal)
        loop.add_signal_handler(signal.SIGTERM, self.exit, None, 128 + signal.SIGTERM)
        try:
            return await super().run_async(**kwargs)
        finally:
            loop.remove_signal_handler(signal.SIGTERM)
            signal.signal(signal.SIGHUP, previous)

    @staticmethod
    def _resume_only_on_a_live_terminal() -> None:
        """Wrap the driver's SIGCONT handler (Textual's Ctrl-Z resume): a SIGCONT that
        comes with a hangup, whatever the order, finds no terminal and resumes nothing."""
        resume = signal.getsignal(signal.SIGCONT)
        if not callable(resume):
            return  # a headless driver: no resume to guard

        def continued(signum: int, frame: object) -> None:
            try:
                termios.tcgetattr(sys.__stdin__.fileno())
            except (termios.error, OSError, ValueError, AttributeError):
                return  # hung up (or no stdin): nothing to resume on
            resume(signum, frame)

        signal.signal(signal.SIGCONT, continued)

    def _add_pane_mode(self, mode: str) -> None:
        self.add_mode(mode, lambda: self.pane(mode))

    def get_default_screen(self) -> Screen:
        """The first pane (the app starts in its mode)."""
        return self.pane(self.DEFAULT_MODE)

    def pane(self, mode: str) -> Screen:
        """The pane of ``mode``, made (its module imported) the first time it is needed.

        A pane can be handed a request before it has ever been on screen, and
        answers it once it is. Made on demand rather than all at start: the first
        frame then imports only the pane it shows, not every pane's profile
        readers, NumPy and psutil.
        """
        screen = self._panes.get(mode)
        if screen is None:
            module = importlib.import_module(f"screens.{mode}")
            screen = self._panes[mode] = module.make_screen(self.session)
        return screen

    @property
    def live_pane(self) -> LiveScreen:
        return self.pane("live")  # type: ignore[return-value]

    @property
    def compare_pane(self) -> CompareScreen:
        return self.pane("compare")  # type: ignore[return-value]

    @property
    def history_pane(self) -> HistoryScreen:
        return self.pane("history")  # type: ignore[return-value]

    @property
    def backlog_pane(self) -> BacklogScreen:
        return self.pane("backlog")  # type: ignore[return-value]

    @property
    def cycle_pane(self) -> CycleScreen:
        return self.pane("cycle")  # type: ignore[return-value]

    def on_key(self, event: events.Key) -> None:
        """A key that comes back while a text dialog is open was typed ahead of it: it
        went to the pane below before the dialog opened. The dialog takes it.

        This runs before the app looks up the key's binding (a subclass's handler
        comes first), so the key that opens a dialog still finds the pane current
        here, and a typed-ahead ``q`` is typed, not a quit.
        """
        if isinstance(self.screen, TextDialog) and self.screen.type_ahead(event):
            event.prevent_default()

    def on_mount(self) -> None:
        self._add_pane_mode(self.DEFAULT_MODE)  # its stack, made at start, stays
        self.set_interval(BUSY_AFTER / 2, self._check_busy)
        preparation = self.session.launch.preparation
        if preparation is not None:
            # Once the first frame is painted: the app's queue runs after start-up's hold.
            self.call_later(self.call_after_refresh, preparation.start)

    @property
    def _preparing(self) -> Preparation | None:
        """The launch's files while they are still being made (``workbench demo``), else None."""
        preparation = self.session.launch.preparation
        return None if preparation is None or preparation.ready else preparation

    async def _prepared(self) -> bool:
        """Whether the files the launch names exist, waiting for them in a thread (the
        panes keep drawing) while they are still being made; False, told, when they
        could not be made."""
        preparation = self._preparing
        if preparation is None:
            return True
        try:
            await asyncio.to_thread(preparation.wait)
        except WorkbenchError as error:
            self.notify(str(error), title="Workbench", severity="error", markup=False)
            return False
        return True

    async def action_switch_mode(self, mode: str) -> None:
        """Switch panes; until the launch's files are made, from a worker that waits for them
        (the pane bar says so, and the last pane asked for wins)."""
        preparation = self._preparing
        if preparation is None:
            self.switch_mode(mode)
            return

        async def switch_when_prepared() -> None:
            if await self._prepared():
                await self.switch_mode(mode)

        self.run_worker(
            switch_when_prepared(),
            group="panes",
            exclusive=True,
            description=f"making {preparation.what}",
        )

    def _check_busy(self) -> None:
        """Name the first described worker that has run for ``BUSY_AFTER`` seconds.

        Workers are described where a key starts them (``@work(description=...)``);
        the endless ones (the sampler) have no description and never show.
        """
        now = time.monotonic()
        running = [w for w in self.workers if told(w) and w.state is WorkerState.RUNNING]
        self._running_since = {w: self._running_since.get(w, now) for w in running}
        slow = [w for w in running if now - self._running_since[w] >= BUSY_AFTER]
        self.busy = told(slow[0]) if slow else ""

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
    async def on_history_requested(self, message: HistoryRequested) -> None:
        if not await self._prepared():
            return
        self.history_pane.open_function(message.function, message.lines, message.where)
        await self.switch_mode("history")

    async def on_backlog_item_requested(self, message: BacklogItemRequested) -> None:
        if not await self._prepared():
            return
        await self.switch_mode("backlog")
        self.backlog_pane.propose_item(message)

    async def on_evidence_link_requested(self, message: EvidenceLinkRequested) -> None:
        if not await self._prepared():
            return
        await self.switch_mode("backlog")
        self.backlog_pane.link_evidence(message.item_id, message.evidence)

    async def on_compare_profile_chosen(self, message: CompareProfileChosen) -> None:
        if not await self._prepared():
            return
        self.compare_pane.load_profile(message.role, message.path)
        await self.switch_mode("compare")
        side = "baseline" if message.role == "base" else "branch"
        self.notify(f"{message.path.name} is the {side} now.", title="Compare", markup=False)

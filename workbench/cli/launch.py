"""Open the Textual app: the one place the core reaches into ``screens``.

Imported lazily by subcommands that open the app, so ``workbench diff`` in CI
never loads Textual.
"""

from __future__ import annotations

from workbench.context import LaunchContext


def open_app(context: LaunchContext) -> int:
    """Run the app on ``context`` until it quits; its return code is the exit code.

    The user's keymap (docs/keys.md) is read first: a bad one is a one-line
    error before anything is drawn.
    """
    import gc

    # What these imports make (Textual, Rich, the app: ~300k objects) lives as long
    # as the app: the collector, run every few hundred allocations while it piles
    # up, would traverse it again and again and free nothing. Frozen once imported,
    # it is left out of every later full collection too.
    gc.disable()
    try:
        from screens.app import WorkbenchApp
        from screens.keymap import user_keymap
    finally:
        gc.enable()
    gc.freeze()
    app = WorkbenchApp(context)
    app.set_keymap(user_keymap())
    app.run()
    return app.return_code or 0

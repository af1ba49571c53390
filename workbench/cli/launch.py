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

    from screens.app import WorkbenchApp
    from screens.keymap import user_keymap

    # What is imported by now (Textual, Rich, the app) lives as long as the app:
    # frozen, the collector stops traversing it in every full collection.
    gc.freeze()
    app = WorkbenchApp(context)
    app.set_keymap(user_keymap())
    app.run()
    return app.return_code or 0

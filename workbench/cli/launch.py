"""Open the Textual app: the one place the core reaches into ``screens``.

Imported lazily by subcommands that open the app, so ``workbench diff`` in CI
never loads Textual.
"""

from __future__ import annotations

from workbench.context import LaunchContext


def open_app(context: LaunchContext) -> int:
    """Run the app on ``context`` until it quits; its return code is the exit code."""
    from screens.app import WorkbenchApp

    app = WorkbenchApp(context)
    app.run()
    return app.return_code or 0

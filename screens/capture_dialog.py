"""The dialog that starts a capture from the Compare pane: revisions, command, repeats."""

from __future__ import annotations

from screens.run_dialog import Field, RunDialog, command_field, new_folder, repo_field, runs_field
from workbench.capture.runner import CaptureRequest


class CaptureDialog(RunDialog[CaptureRequest]):
    """Ask what to capture; dismiss with a :class:`CaptureRequest`, or None on escape.

    The profiles go to a new folder under the workbench's cache
    (``captures/YYYYmmdd-HHMMSS``); the pane names it when it is done.
    """

    HEADING = "Capture at two revisions"
    FIELDS = (
        repo_field("capture-repo"),
        Field("capture-base", "Base revision", "e.g. main, v1.2, a sha", "old"),
        Field("capture-branch", "Branch revision", "e.g. HEAD, my-branch", "new"),
        command_field("capture-command"),
        runs_field("capture-repeat", "Runs per revision", 6),
    )

    def request(self) -> CaptureRequest:
        repo = self.repo("capture-repo")
        base, branch = self.revisions("capture-base", "capture-branch")
        argv = self.command("capture-command")
        repeat = self.count("capture-repeat", "Runs per revision", 6)
        out = new_folder("captures")
        return CaptureRequest(repo, base, branch, argv, out, repeat=repeat)

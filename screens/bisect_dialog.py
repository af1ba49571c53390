"""The dialog that starts a performance bisect from the Compare pane.

It asks what ``workbench bisect`` asks: the repository, the good and bad
revisions, the command, the metric, the threshold and the runs a step. The
repository, revisions and command start as last typed in a capture (the
capture's base is the good revision, its branch the bad one).
"""

from __future__ import annotations

import math

from screens.run_dialog import (
    Field,
    FieldError,
    RunDialog,
    command_field,
    new_folder,
    repo_field,
    runs_field,
)
from workbench.capture.bisect_request import BisectRequest, check_metric
from workbench.errors import CaptureError


class BisectDialog(RunDialog[BisectRequest]):
    """Ask what to bisect; dismiss with a :class:`BisectRequest`, or None on escape.

    The result (``bisect.json``, and each step's profiles for a function's
    metric) is kept in a new folder under the workbench's cache
    (``bisects/YYYYmmdd-HHMMSS``), so the item filed from it can link it.
    """

    HEADING = "Bisect: the first commit that made the command slower"
    FIELDS = (
        repo_field("bisect-repo"),
        Field("bisect-good", "Good revision (fast)", "e.g. v1.2, a sha", "old"),
        Field("bisect-bad", "Bad revision (slow)", "e.g. HEAD, v1.3", "new"),
        command_field("bisect-command"),
        Field(
            "bisect-metric", "Metric", "wall, cpu, self:FUNCTION or total:FUNCTION", default="wall"
        ),
        Field("bisect-threshold", "Bad when slower by more than (%)", "10", default="10"),
        runs_field("bisect-repeat", "Runs a step (and of good)", 5),
    )

    def request(self) -> BisectRequest:
        repo = self.repo("bisect-repo")
        good, bad = self.revisions("bisect-good", "bisect-bad")
        request = BisectRequest(
            repo,
            good,
            bad,
            self.command("bisect-command"),
            metric=self.value("bisect-metric") or "wall",
            threshold_pct=self._threshold(),
            repeat=self.count("bisect-repeat", "Runs a step", 5),
            out=new_folder("bisects"),
        )
        try:
            check_metric(request)
        except CaptureError as error:
            raise FieldError("bisect-metric", error.in_app()) from None
        return request

    def _threshold(self) -> float:
        text = self.value("bisect-threshold") or "10"
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not 0 <= value <= 100:  # NaN too
            raise FieldError("bisect-threshold", "Threshold: a percentage from 0 to 100.")
        return value

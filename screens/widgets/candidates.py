"""The History pane's candidates: which commits of a range made the profile slower or faster.

The question (two profiles and ``BASE..BRANCH``) is answered by
:func:`workbench.analysis.attribution.attribute` in a thread worker, as
``workbench candidates`` answers it; the widget draws regressions, then
improvements, each ranked, with its score and its one-line why, and names the
cosmetic commits and the notes under the table. Commit messages, names and
hunks are untrusted: drawn as ``Text``, control characters as escapes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static
from textual.worker import get_current_worker

from screens.widgets.table import Table
from workbench.errors import WorkbenchError
from workbench.output import counted, plain

if TYPE_CHECKING:  # the pane loads fast; attribution (numpy, git) comes with the first question
    from workbench.analysis.attribution import Attribution, Candidate

COLUMNS = ("", "#", "sha", "date", "author", "score", "summary", "why")


@dataclass(frozen=True)
class AttributionQuestion:
    """What the worker is asked: everything it needs, nothing from the UI."""

    repo: Path | None
    base: Path
    branch: Path
    rev_range: str


@dataclass
class CandidatesLoaded(Message):
    """The commits of the range, ranked both ways."""

    question: AttributionQuestion
    answer: Attribution


@dataclass
class CandidatesFailed(Message):
    """The question could not be answered; one line for the user."""

    question: AttributionQuestion
    error: str


def answer(question: AttributionQuestion) -> Attribution:
    """Blocking: read both profiles, rank the range's commits."""
    from workbench.analysis.attribution import attribute
    from workbench.profiles.io import read_profile

    return attribute(
        question.repo,
        read_profile(question.base),
        read_profile(question.branch),
        question.rev_range,
    )


def candidate_rows(answer: Attribution) -> list[tuple[str, Candidate, int]]:
    """``(direction, candidate, rank)``: regressions first, then improvements."""
    return [
        (direction, candidate, rank)
        for direction, ranked in (("slower", answer.regressions), ("faster", answer.improvements))
        for rank, candidate in enumerate(ranked, 1)
    ]


def summary_line(answer: Attribution) -> str:
    """The counts, the cosmetic commits and the notes, in one line."""
    parts = [
        f"{answer.rev_range}: {counted(len(answer.regressions), 'regression candidate')}, "
        f"{counted(len(answer.improvements), 'improvement candidate')}"
    ]
    parts += [f"cosmetic {c.sha[:10]} {c.summary} (no score)" for c in answer.cosmetic]
    parts += answer.notes
    return plain(" · ".join(parts))


class CandidatesView(Vertical):
    """Ranked commits of a range with their why; :meth:`ask` starts the question."""

    def compose(self) -> ComposeResult:
        yield Static(
            "i ranks the commits between the Compare pane's two profiles", id="candidates-status",
            markup=False,
        )  # fmt: skip
        yield Table(id="candidates-table", cursor_type="row", zebra_stripes=True)

    def __init__(self, *, id: str | None = None) -> None:  # noqa: A002 - Textual's name
        super().__init__(id=id)
        self.question: AttributionQuestion | None = None
        """The question asked last (an older answer arriving later is dropped)."""
        self.answer: Attribution | None = None
        """The answer on screen."""

    def on_mount(self) -> None:
        self.query_one("#candidates-table", Table).fill(COLUMNS, [])

    def ask(self, question: AttributionQuestion) -> None:
        """Rank the commits of ``question`` off the UI thread."""
        self.question = question
        self._status(f"Ranking the commits of {question.rev_range} …")
        self._attribute(question)

    @work(thread=True, exclusive=True, group="candidates", exit_on_error=False)
    def _attribute(self, question: AttributionQuestion) -> None:
        worker = get_current_worker()
        try:
            result: Message = CandidatesLoaded(question, answer(question))
        except WorkbenchError as error:
            result = CandidatesFailed(question, str(error))
        except Exception as error:  # noqa: BLE001 - a bug must show, not leave "Ranking…"
            result = CandidatesFailed(question, f"{type(error).__name__}: {error}")
        if not worker.is_cancelled:
            self.post_message(result)

    def on_candidates_failed(self, message: CandidatesFailed) -> None:
        if message.question == self.question:
            self.answer = None
            self.query_one("#candidates-table", Table).fill(COLUMNS, [])
            self._status(message.error, error=True)

    def on_candidates_loaded(self, message: CandidatesLoaded) -> None:
        if message.question != self.question:
            return
        self.answer = message.answer
        found = candidate_rows(message.answer)
        rows = [
            [
                Text(direction, style="red" if direction == "slower" else "green"),
                Text(str(rank)),
                Text(c.sha[:10]),
                Text(f"{c.date:%Y-%m-%d}"),
                Text(plain(c.author)),
                Text(f"{c.score:.2f}"),
                Text(plain(c.summary)),
                Text(plain(c.why)),
            ]
            for direction, c, rank in found
        ]
        keys = [f"{direction}-{c.sha}" for direction, c, _ in found]
        self.query_one("#candidates-table", Table).fill(COLUMNS, rows, keys=keys)
        self._status(summary_line(message.answer))

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#candidates-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

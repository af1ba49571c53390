"""The History pane: who changed a hot function, when, and why.

The pane asks :mod:`workbench.history` one question at a time in an exclusive
thread worker (git can take seconds on a large repository) and shows the
answer: the commits that changed the function's span with their churn, the
selected commit's patch, blame of the span (or of the profile's hot lines),
the authors' shares and churn over time; and, between the Compare pane's two
profiles, the commits of ``BASE..BRANCH`` ranked as the likely causes of what
got slower or faster (:mod:`screens.widgets.candidates`). Commit messages, author names and
patches are untrusted text and are drawn as ``Text``/``Syntax``, never markup.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from rich.syntax import Syntax
from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.widgets import DataTable, Footer, Sparkline, Static, TabbedContent, TabPane
from textual.worker import get_current_worker

from screens.keys import bind
from screens.messages import EvidenceLinkRequested
from screens.pane import PaneScreen
from screens.prompt_dialog import PromptDialog
from screens.session import Session, git_root
from screens.widgets.candidates import AttributionQuestion, CandidatesView
from screens.widgets.pane_bar import PaneBar
from screens.widgets.table import Table
from workbench.errors import WorkbenchError
from workbench.history.blame import (
    AuthorShare,
    BlameLine,
    author_shares,
    blame_history,
    blame_label,
)
from workbench.history.log import FunctionCommit, FunctionHistory, function_history
from workbench.history.render import FALLBACK_MARK, blame_code
from workbench.output import counted, plain_text
from workbench.paths import styles_dir
from workbench.triage.model import Evidence, EvidenceKind

COMMIT_COLUMNS = ("date", "sha", "author", "+", "-", "summary")
BLAME_COLUMNS = ("line", "sha", "date", "author", "code")
AUTHOR_COLUMNS = ("author", "lines", "share", "commits")


@dataclass
class HistoryLoaded(Message):
    """A worker answered the question for ``function``."""

    function: str
    history: FunctionHistory
    blame: list[BlameLine] = field(default_factory=list)
    authors: list[AuthorShare] = field(default_factory=list)
    copies: bool = False


@dataclass
class HistoryFailed(Message):
    """The question could not be answered; ``error`` is one line for the user."""

    function: str
    error: str


@dataclass(frozen=True)
class HistoryQuestion:
    """What the worker is asked: everything it needs, nothing from the UI."""

    repo: Path | None
    function: str
    hot_lines: tuple[int, ...] = ()
    copies: bool = False


def answer(question: HistoryQuestion) -> HistoryLoaded:
    """Blocking: history of the function, then blame of its hot lines or whole span."""
    history = function_history(question.repo, question.function)
    blame = blame_history(question.repo, history, question.hot_lines, copies=question.copies)
    return HistoryLoaded(question.function, history, blame, author_shares(blame), question.copies)


def churn_series(commits: list[FunctionCommit]) -> list[float]:
    """Lines changed per commit, oldest first: the shape of churn over time."""
    return [float(commit.added + commit.removed) for commit in reversed(commits)]


class HistoryScreen(PaneScreen):
    """Git archaeology of one function."""

    CSS_PATH = [styles_dir() / "history.tcss"]
    HELP = """
### History
The commits that changed the function's own text (its `ast` span judged in
every commit that touched the file, followed across moves and renames), the
selected commit's patch, blame of the span or of the profile's hot lines,
authors and churn. `f` asks about another function. `i` ranks the commits of
a range (`BASE..BRANCH`) between the Compare pane's two profiles: regressions
and improvements, each with its score and why; cosmetic commits score zero.
"""
    BINDINGS: ClassVar[list[BindingType]] = [
        bind(
            "history",
            "function",
            "ask_function",
            "Function",
            "Type a function key (path:Class.method) to dig into",
        ),
        bind("history", "view", "next_tab", "View", "Patch, blame or authors of the function"),
        bind(
            "history",
            "backlog",
            "link_commit",
            "Link to item",
            "Attach the selected commit to a backlog item as evidence",
        ),
        bind("history", "copy", "copy_sha", "Copy sha", "Copy the selected commit's sha"),
        bind(
            "history",
            "copies",
            "toggle_copies",
            "Blame -C",
            "Blame through lines moved or copied from other files (changes attribution)",
        ),
        bind("history", "repository", "choose_repo", "Repository", "Choose the repository to ask"),
        bind("history", "reload", "reload", "Reload", "Ask git again (answers are cached)"),
        bind(
            "history",
            "candidates",
            "candidates",
            "Candidates",
            "Rank the commits of BASE..BRANCH that made the Compare profiles differ",
        ),
    ]

    def __init__(self, session: Session) -> None:
        super().__init__()
        self.session = session
        self.function: str | None = session.launch.function
        """The function key asked about."""
        self.where: Path | None = None
        """Where the pane that asked saw the function's code (see :meth:`Session.repo_for`)."""
        self._asked = False
        """Whether git has been asked yet (the pane asks on mount when it has a function)."""
        self.hot_lines: tuple[int, ...] = tuple(sorted(set(session.launch.lines)))
        """Profile hot lines to blame instead of the whole span."""
        self.copies = False
        """Whether blame follows lines across files (``-C``)."""
        self.loaded: HistoryLoaded | None = None
        """The answer on screen."""

    def compose(self) -> ComposeResult:
        yield PaneBar("history")
        yield Static("", id="history-title", markup=False)
        yield Static("", id="history-status", markup=False)
        with Horizontal(id="history-body"):
            with Vertical(id="history-left"):
                yield Table(id="history-commits", cursor_type="row", zebra_stripes=True)
                yield Static("Churn per commit, oldest → newest", id="churn-caption", markup=False)
                yield Sparkline([], id="history-churn")
            with TabbedContent(id="history-tabs"):
                with TabPane("Patch", id="tab-patch"):
                    yield Static("", id="patch-header", markup=False)
                    with VerticalScroll(id="patch-scroll"):
                        yield Static("", id="history-patch")
                with TabPane("Blame", id="tab-blame"):
                    yield Static("", id="blame-label", markup=False)
                    yield Table(id="history-blame", cursor_type="row")
                with TabPane("Authors", id="tab-authors"):
                    yield Table(id="history-authors", cursor_type="row")
                with TabPane("Candidates", id="tab-candidates"):
                    yield CandidatesView(id="history-candidates")
        yield Footer()

    def on_mount(self) -> None:
        self._fill_commits([])
        self._fill_blame([], self.copies)
        self._fill_authors([], None)
        session = self.session
        if session.rev_range and all(session.profiles.values()):
            self._rank(session.rev_range)
        if self.function and not self._asked:
            self._ask()
        elif not self.function and not session.rev_range:
            self._status(
                "Press f and type a function key, or press h on a hotspot in Compare or Live."
            )

    # -- questions --------------------------------------------------------
    def open_function(
        self, function: str, lines: list[int] | None = None, where: Path | None = None
    ) -> None:
        """Dig into ``function`` (called by the app when another pane asks).

        ``where`` is where that pane saw the code: the repository holding it is
        asked, unless the user chose one. The question on screen is not asked
        again: git work on a large repository takes seconds.
        """
        hot_lines = tuple(sorted(set(lines or ())))
        question = (function, hot_lines, self.session.repo_for(where))
        if question == (self.function, self.hot_lines, self._repo()) and self._asked:
            return
        self.function, self.hot_lines, self.where = function, hot_lines, where
        if self.is_mounted:  # else mounting asks
            self._ask()

    def _repo(self) -> Path | None:
        return self.session.repo_for(self.where)

    def _ask(self) -> None:
        if not self.function:
            return
        self._asked = True
        self.query_one("#history-title", Static).update(Text(self.function))
        what = f"hot lines {', '.join(map(str, self.hot_lines))}" if self.hot_lines else "span"
        repo = self._repo()
        self._status(
            f"Asking git in {repo or Path.cwd()} about {self.function} (blame of the {what})…"
        )
        self._dig(HistoryQuestion(repo, self.function, self.hot_lines, self.copies))

    @work(
        thread=True,
        exclusive=True,
        group="history",
        exit_on_error=False,
        description="Asking git…",
    )
    def _dig(self, question: HistoryQuestion) -> None:
        """Run the git questions off the UI thread; post the answer or the error."""
        worker = get_current_worker()
        try:
            result: Message = answer(question)
        except WorkbenchError as error:
            result = HistoryFailed(question.function, error.in_app())
        except Exception as error:  # noqa: BLE001 - a bug must show, not leave "Asking git…"
            result = HistoryFailed(question.function, f"{type(error).__name__}: {error}")
        if not worker.is_cancelled:
            self.post_message(result)

    def on_history_failed(self, message: HistoryFailed) -> None:
        if message.function == self.function:
            self._status(message.error, error=True)
            self._clear_answer()  # the last function's commits are not this one's

    def _clear_answer(self) -> None:
        self.loaded = None
        self._fill_commits([])
        self._fill_blame([], self.copies)
        self._fill_authors([], None)
        self.query_one("#history-churn", Sparkline).data = []
        self.query_one("#patch-header", Static).update("")
        self.query_one("#history-patch", Static).update("")

    def on_history_loaded(self, message: HistoryLoaded) -> None:
        if message.function != self.function:
            return
        self.loaded = message
        history = message.history
        span = history.span
        notes = " · ".join(history.notes)
        self._status(
            f"{history.path}:{span.start}-{span.end} at {history.rev[:12]} · "
            f"{counted(len(history.commits), 'commit')} · +{history.added} −{history.removed} lines"
            + (f" · {notes}" if notes else "")
        )
        self._fill_commits(history.commits)
        self._fill_blame(message.blame, message.copies)
        self._fill_authors(message.authors, history)
        self.query_one("#history-churn", Sparkline).data = churn_series(history.commits)
        self._show_patch(history.commits[0] if history.commits else None)

    # -- drawing ----------------------------------------------------------
    def _fill_commits(self, commits: list[FunctionCommit]) -> None:
        rows = [
            [
                Text(f"{commit.date:%Y-%m-%d}"),
                Text(commit.sha[:10] + (FALLBACK_MARK if commit.fallback else "")),
                Text(plain_text(commit.author)),
                Text(f"+{commit.added}", style="green"),
                Text(f"-{commit.removed}", style="red"),
                Text(plain_text(commit.summary)),
            ]
            for commit in commits
        ]
        self.query_one("#history-commits", Table).fill(
            COMMIT_COLUMNS, rows, [commit.sha for commit in commits]
        )

    def _fill_blame(self, blame: list[BlameLine], copies: bool) -> None:
        """As the command line shows it: a run of lines from one commit names it once,
        the code keeps its indentation."""
        self.query_one("#blame-label", Static).update(blame_label(copies))
        rows = []
        previous = ""
        for line, code in zip(blame, blame_code(blame), strict=True):
            first = line.sha != previous
            previous = line.sha
            rows.append(
                [
                    Text(str(line.line), justify="right"),
                    Text(line.sha[:10] if first else ""),
                    Text(f"{line.date:%Y-%m-%d}" if first else ""),
                    Text(plain_text(line.author) if first else ""),
                    Text(plain_text(code)),
                ]
            )
        self.query_one("#history-blame", Table).fill(BLAME_COLUMNS, rows)

    def _fill_authors(self, shares: list[AuthorShare], history: FunctionHistory | None) -> None:
        commits_by_author = history.commits_by_author() if history is not None else {}
        rows = [
            [
                Text(plain_text(share.author)),
                Text(str(share.lines)),
                Text(f"{share.share:.0%}"),
                Text(str(commits_by_author.get(share.author, 0))),
            ]
            for share in shares
        ]
        self.query_one("#history-authors", Table).fill(AUTHOR_COLUMNS, rows)

    def _show_patch(self, commit: FunctionCommit | None) -> None:
        patch = self.query_one("#history-patch", Static)
        header = self.query_one("#patch-header", Static)
        if commit is None:
            header.update(Text("No commit changed this span in the range asked."))
            patch.update("")
            return
        header.update(
            Text(
                f"{commit.sha}  {plain_text(commit.author)}  {commit.date:%Y-%m-%d %H:%M}\n"
                + plain_text(commit.summary)
            )
        )
        patch.update(Syntax(plain_text(commit.patch), "diff", word_wrap=False, theme="ansi_dark"))

    def _status(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#history-status", Static)
        status.update(Text(text))
        status.set_class(error, "-error")

    def selected_commit(self) -> FunctionCommit | None:
        """The commit under the cursor of the commit list, if any."""
        if self.loaded is None or not self.loaded.history.commits:
            return None
        row = self.query_one("#history-commits", DataTable).cursor_row
        commits = self.loaded.history.commits
        return commits[row] if 0 <= row < len(commits) else None

    @on(DataTable.RowHighlighted, "#history-commits")
    def _commit_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_patch(self.selected_commit())

    # -- actions ----------------------------------------------------------
    def action_ask_function(self) -> None:
        def chosen(function: str | None) -> None:
            if function:
                self.open_function(function)

        self.app.push_screen(
            PromptDialog(
                "Function to dig into",
                placeholder="path/to/module.py:Class.method",
                initial=self.function or "",
            ),
            chosen,
        )

    def action_candidates(self) -> None:
        """Ask for the range (the last one prefilled), then rank its commits."""
        if not all(self.session.profiles.values()):
            self.notify(
                "Open a base and a branch profile in Compare first (o / O).", severity="warning"
            )
            return

        def chosen(rev_range: str | None) -> None:
            if rev_range:
                self.session.rev_range = rev_range
                self._rank(rev_range)

        self.app.push_screen(
            PromptDialog(
                "Commits between the profiles (BASE..BRANCH)",
                placeholder="e.g. v1.2..HEAD",
                initial=self.session.rev_range or "",
                validate=lambda text: None if ".." in text else "Give a range: BASE..BRANCH.",
            ),
            chosen,
        )

    def _rank(self, rev_range: str) -> None:
        base, branch = self.session.profiles["base"], self.session.profiles["branch"]
        assert base is not None and branch is not None
        question = AttributionQuestion(self.session.repo, base, branch, rev_range)
        self.query_one(TabbedContent).active = "tab-candidates"
        self.query_one(CandidatesView).ask(question)

    def action_toggle_copies(self) -> None:
        self.copies = not self.copies
        self.notify(blame_label(self.copies))
        self._ask()

    def action_reload(self) -> None:
        self._ask()

    def action_next_tab(self) -> None:
        """Patch → blame → authors → candidates → patch."""
        tabs = self.query_one(TabbedContent)
        panes = [pane.id for pane in tabs.query(TabPane)]
        tabs.active = panes[(panes.index(tabs.active) + 1) % len(panes)]

    def action_copy_sha(self) -> None:
        commit = self.selected_commit()
        if commit is None:
            self.notify("No commit selected.", severity="warning")
            return
        self.app.copy_to_clipboard(commit.sha)
        self.notify(f"Copied {commit.sha[:12]}")

    def action_link_commit(self) -> None:
        commit = self.selected_commit()
        if commit is None:
            self.notify("No commit selected.", severity="warning")
            return

        def chosen(answer: str | None) -> None:
            if answer:
                evidence = Evidence(EvidenceKind.COMMIT, commit.sha, commit.date.isoformat())
                self.post_message(EvidenceLinkRequested(int(answer), evidence))

        self.app.push_screen(
            PromptDialog(
                f"Link {commit.sha[:12]} to backlog item #",
                placeholder="item id, e.g. 12",
                validate=lambda text: None if text.isdigit() else "An item id is a number.",
            ),
            chosen,
        )

    def action_choose_repo(self) -> None:
        """Name the repository of the profiled code: every later question asks it."""

        def chosen(answer: str | None) -> None:
            if answer:
                self.session.choose_repo(git_root(Path(answer).expanduser()) or Path(answer))
                self._ask()

        def check(text: str) -> str | None:
            folder = Path(text).expanduser()
            if not folder.is_dir():
                return f"{folder} is not a folder."
            return None if git_root(folder) else f"{folder} is in no git repository."

        current = self._repo()
        self.app.push_screen(
            PromptDialog(
                "Repository of the profiled code",
                placeholder="/path/to/checkout",
                initial=str(current or Path.cwd()),
                validate=check,
            ),
            chosen,
        )


def make_screen(session: Session) -> HistoryScreen:
    """The History pane's base screen (the app's mode factory)."""
    return HistoryScreen(session)

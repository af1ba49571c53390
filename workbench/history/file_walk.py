"""One walk of a file's history, judging every function asked about in it.

``git log --raw`` of the file names each commit's versions before and after;
``git cat-file --batch`` reads them; each function's
:class:`~workbench.history.finder.FunctionFinder` says whether its text
differs. Several functions of one file (the hot ones of a profile) share the
walk, the versions and the comparisons between them. A function that appears
in its file from nowhere is looked for in the files its commit renamed,
deleted or changed (a rename, or a function cut and pasted into another
module), and followed there with a walk of its own.
"""

from __future__ import annotations

import subprocess
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass

from workbench.errors import HistoryError
from workbench.history.blobs import BlobStore, SourceTooLarge
from workbench.history.finder import FunctionFinder, Version, located_version
from workbench.history.function_patch import function_patch
from workbench.history.locate import choose_def, definitions
from workbench.history.log import Asked, FunctionCommit, FunctionHistory
from workbench.history.log_stream import NULL, Change, FileLog
from workbench.history.repo import Pinned, repo_path, shallow_boundary

#: Moves to another file followed before giving up (each costs one more walk).
_MAX_MOVES = 20
#: Commits read ahead of the one judged, so git reads their versions meanwhile.
_LOOKAHEAD = 16


@dataclass
class _Judge:
    """One function's answer as the walk goes, and what it needs to go on."""

    answer: FunctionHistory
    finder: FunctionFinder
    boundary: frozenset[str]
    created: tuple[Change, bytes] | None = None
    """The commit that brought the function into its file, with its text then."""
    done: bool = False

    def judge(self, change: Change) -> None:
        """List ``change`` when the function's text before and after it differs."""
        finder = self.finder
        new = finder.version(change.new_blob, change.path)
        old = finder.older(change.new_blob, new, change.old_blob, change.path)
        if old.text == new.text:
            return
        if old.text is None and change.sha in self.boundary:
            self.answer.truncated_at = change.sha
            self.answer.notes.append(
                f"shallow clone: history is cut at {change.sha[:12]} ({change.date:%Y-%m-%d}); "
                "whether it or older commits changed the function is unknown "
                "(git fetch --unshallow for the rest)"
            )
            self.done = True
            return
        added, removed, patch = function_patch(old, new, change.path, change.path)
        self.answer.commits.append(
            FunctionCommit(
                change.sha,
                change.author,
                change.email,
                change.date,
                change.summary,
                added,
                removed,
                patch,
                change.path,
                old.fallback or new.fallback,
            )
        )
        created = old.text is None and new.text is not None
        self.created = (change, new.text) if created and new.text is not None else None


def walk_file(
    pinned: Pinned, path: str, asked: Sequence[Asked], since: str | None
) -> list[FunctionHistory | HistoryError]:
    """The histories of ``asked`` functions of ``path`` at ``pinned`` (tip, then base if a range).

    Raises :class:`HistoryError` for what concerns the whole file (not in the
    repository, too large or too deep for the parser at the tip).
    """
    tip, base = pinned.shas[0], (pinned.shas[1] if len(pinned.shas) > 1 else None)
    boundary = shallow_boundary(pinned.git_dir)
    blobs = BlobStore(pinned.root)
    log = FileLog(pinned.root, path, tip, base, since)  # git walks while the tip is parsed
    try:
        read = _read_tip(blobs, tip, path)
        if read is None:  # a path from a profile or another checkout: map it, start again
            log.cancel()
            path = repo_path(pinned.root, path, tip)
            log = FileLog(pinned.root, path, tip, base, since)
            read = _read_tip(blobs, tip, path)
        if read is None:
            raise HistoryError(f"{path} is not a file in the repository at {tip[:12]}")
        tip_blob, data = read
        defs, fallback = definitions(data, path)
        answers: list[FunctionHistory | HistoryError] = []
        judges: list[_Judge] = []
        regions: dict[tuple[str, str], tuple[int, int, int]] = {}
        for question in asked:
            try:
                found = choose_def(defs, question.qualname, path, question.near)
            except HistoryError as error:
                answers.append(error)
                continue
            version = located_version(data, path, found, fallback)
            assert version.span is not None
            answer = FunctionHistory(
                question.function, path, version.span, tip, shallow=bool(boundary), since=since
            )
            if fallback:
                answer.notes.append(
                    f"{path} does not parse as Python 3 at {tip[:12]}: "
                    "the function was found by indentation (the tolerant scanner)"
                )
            finder = FunctionFinder(found.qualname, blobs, regions)
            finder.learn(tip_blob, version)
            judges.append(_Judge(answer, finder, boundary))
            answers.append(answer)
        if judges:
            _judge_log(log, blobs, judges)
        _follow_moves(pinned.root, judges, blobs, base, since)
        for judge in judges:
            _sum_up(judge)
        return answers
    finally:
        log.cancel()
        blobs.close()


def _read_tip(blobs: BlobStore, tip: str, path: str) -> tuple[str, bytes] | None:
    try:
        return blobs.read_file(tip, path)
    except SourceTooLarge as error:
        raise HistoryError(f"{path} at {tip[:12]} {error}") from None


def _judge_log(log: FileLog, blobs: BlobStore, judges: list[_Judge]) -> None:
    """Feed every commit of ``log`` to the judges still going, reading versions ahead."""
    window: deque[Change] = deque()

    def judge_next() -> bool:
        change = window.popleft()
        for judge in judges:
            if not judge.done:
                judge.judge(change)
        return not all(judge.done for judge in judges)

    try:
        for change in log.changes():
            for blob in (change.new_blob, change.old_blob):
                if blob != NULL:
                    blobs.want(blob)
            window.append(change)
            if len(window) > _LOOKAHEAD and not judge_next():
                return
        while window and judge_next():
            pass
    except SourceTooLarge as error:
        for judge in judges:
            judge.answer.notes.append(
                f"a version of {judge.answer.path} {error}: older history is not searched"
            )


def _follow_moves(
    root: str, judges: list[_Judge], blobs: BlobStore, base: str | None, since: str | None
) -> None:
    """Follow each function into the file it came from, as long as it came from one.

    Functions that came from the same file in the same commit (a module
    split, a rename) share the walk of that file.
    """
    sources: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
    pending = judges
    for _ in range(_MAX_MOVES):
        walks: dict[tuple[str, str], list[_Judge]] = {}
        for judge in pending:
            if judge.created is None or judge.done or not judge.created[0].parents:
                continue
            change, text = judge.created
            judge.created = None
            parent = change.parents[0]
            key = (parent, change.sha)
            if key not in sources:
                sources[key] = _changed_sources(root, parent, change.sha, change.path)
            moved = _moved_from(blobs, parent, sources[key], judge.finder.qualname)
            if moved is None:
                continue
            blob, version, renamed = moved
            assert version.span is not None
            unchanged = version.text == text
            if unchanged:
                judge.answer.commits.pop()
            verb = "renamed" if renamed else "moved"
            how = "unchanged" if unchanged else "and changed"
            judge.answer.notes.append(
                f"{verb} {how} in {change.sha[:12]} from {version.span.path}:{version.span.start}"
            )
            judge.finder = FunctionFinder(version.span.qualname, blobs)
            judge.finder.learn(blob, version)
            walks.setdefault((parent, version.span.path), []).append(judge)
        if not walks:
            return
        for (parent, path), walkers in walks.items():
            regions: dict[tuple[str, str], tuple[int, int, int]] = {}
            for judge in walkers:
                judge.finder.regions = regions
            _judge_log(FileLog(root, path, parent, base, since), blobs, walkers)
        pending = [judge for walkers in walks.values() for judge in walkers]


def _sum_up(judge: _Judge) -> None:
    answer = judge.answer
    if answer.fallback_commits:
        answer.notes.append(
            f"{answer.fallback_commits} of {len(answer.commits)} commits were judged on "
            "versions of the file that do not parse as Python 3, with the function found by "
            "indentation (marked *)"
        )
    if answer.shallow and answer.truncated_at is None:
        answer.notes.append("shallow clone: older history may be missing")


def _moved_from(
    blobs: BlobStore, parent: str, sources: tuple[list[str], list[str]], qualname: str
) -> tuple[str, Version, bool] | None:
    """Where the function was before a commit created it in its file: in another file.

    A function cut from one module and pasted into another (a file split)
    looks newly written; ``sources`` are the files that commit renamed into
    this one, then those it renamed away, deleted or changed; the first that
    defines the same qualified name in ``parent`` is it. Returns the version
    there (blob id, the function in it) and whether it was the file's own rename.
    """
    renamed, others = sources
    for path in renamed + others:
        try:
            read = blobs.read_file(parent, path)
        except SourceTooLarge:
            continue  # no function of ours comes from a generated giant
        if read is None or not FunctionFinder(qualname, blobs).defines(read[1]):
            continue  # cheap text test before parsing
        blob, data = read
        defs, fallback = definitions(data, path, tolerant_of_depth=True)
        try:
            found = choose_def(defs, qualname, path)
        except HistoryError:
            continue
        return blob, located_version(data, path, found, fallback), path in renamed
    return None


def _changed_sources(root: str, parent: str, sha: str, path: str) -> tuple[list[str], list[str]]:
    """Files ``sha`` renamed to ``path``, and Python files it renamed away, deleted or changed."""
    output = subprocess.run(
        ["git", "diff-tree", "-r", "-M", "--name-status", "--no-commit-id", "-z", parent, sha],
        cwd=root,
        capture_output=True,
        check=False,
    ).stdout.decode("utf-8", "surrogateescape")
    fields = output.split("\x00")
    renamed: list[str] = []
    others: list[str] = []
    index = 0
    while index < len(fields) - 1:
        status = fields[index]
        if status.startswith(("R", "C")):
            old, new = fields[index + 1], fields[index + 2]
            (renamed if new == path else others).append(old)
            index += 3
            continue
        if status[:1] in ("M", "D") and fields[index + 1].endswith(".py"):
            others.append(fields[index + 1])
        index += 2
    return renamed, [p for p in dict.fromkeys(others) if p != path and p not in renamed]

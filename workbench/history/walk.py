"""The exact function history: compare the function's own text in every version of its file.

``git log -L`` follows *lines* through diffs, and diffs align lines, not
functions: when functions swap places, or a method moves with its class next
to a twin of the same name, the diff can pair the function's lines with a
neighbour's and ``-L`` goes on following the neighbour (listing its commits,
missing the function's). Here each commit that touched the file is judged on
its own: the function (found by qualified name with ``ast``) is looked up in
the file before and after the commit, and the commit is listed when the two
texts differ. One ``git log --raw`` names the file versions, one
``git cat-file --batch`` reads them all, and each version is parsed once.
"""

from __future__ import annotations

import difflib
import re
import subprocess
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from workbench.errors import HistoryError
from workbench.history.locate import Span, locate_in_source

if TYPE_CHECKING:
    import git

_MARK = "\x1e"
#: Header of each commit; the raw file changes follow it, NUL-separated (``-z``).
_FORMAT = f"{_MARK}%H%x00%P%x00%an%x00%ae%x00%aI%x00%s"
_NULL = "0" * 40


@dataclass(frozen=True, slots=True)
class Change:
    """One commit's change to the file, as ``git log --raw`` reports it."""

    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    date: datetime
    summary: str
    old_blob: str
    new_blob: str
    old_path: str
    new_path: str


@dataclass
class Version:
    """The function in one version of the file: its text and span, or why it is absent."""

    text: str | None
    span: Span | None = None
    unparsable: bool = False


def file_changes(
    repo: git.Repo, path: str, tip: str, base: str | None, since: str | None
) -> list[Change]:
    """Non-merge commits that changed ``path`` (followed across renames), newest first."""
    args = ["--no-merges", "--follow", "--raw", "--no-abbrev", "-z", f"--format={_FORMAT}"]
    if since:
        args.append(f"--since={since}")
    args += [f"{base}..{tip}" if base else tip, "--", path]
    output = repo.git.log(*args, strip_newline_in_stdout=False)
    changes = []
    for record in output.split(_MARK)[1:]:
        tokens = record.split("\x00")
        sha, parents, author, email, date, summary = tokens[:6]
        raw = tokens[6].strip().split()
        if len(raw) < 5:
            continue  # a commit --follow lists without a change to the file
        status = raw[4]
        old_path = tokens[7]
        new_path = tokens[8] if status[:1] in ("R", "C") else old_path
        changes.append(
            Change(
                sha,
                tuple(parents.split()),
                author,
                email,
                datetime.fromisoformat(date),
                summary,
                raw[2],
                raw[3],
                old_path,
                new_path,
            )
        )
    return changes


def read_blobs(repo: git.Repo, blobs: set[str]) -> dict[str, str]:
    """The text of every blob, from one ``git cat-file --batch``."""
    wanted = sorted(blob for blob in blobs if blob != _NULL)
    if not wanted:
        return {}
    result = subprocess.run(
        ["git", "cat-file", "--batch"],
        cwd=repo.git_dir,
        input=("\n".join(wanted) + "\n").encode(),
        capture_output=True,
        check=True,
    )
    data, texts, offset = result.stdout, {}, 0
    for blob in wanted:
        header_end = data.index(b"\n", offset)
        header = data[offset:header_end].split()
        if len(header) < 3 or header[1] != b"blob":
            offset = header_end + 1
            continue
        size = int(header[2])
        start = header_end + 1
        texts[blob] = data[start : start + size].decode("utf-8", "replace")
        offset = start + size + 1
    return texts


class FunctionFinder:
    """The function's text in each blob, parsed at most once per blob."""

    def __init__(self, qualname: str, texts: dict[str, str]) -> None:
        self.qualname = qualname
        self.texts = texts
        self.cache: dict[str, Version] = {}
        name = re.escape(qualname.rsplit(".", 1)[-1])
        self._defined = re.compile(rf"\bdef\s+{name}\b")

    def version(self, blob: str, path: str) -> Version:
        if blob == _NULL:
            return Version(None)
        found = self.cache.get(blob)
        if found is None:
            found = self.cache[blob] = self._locate(self.texts.get(blob, ""), path)
        return found

    def _locate(self, source: str, path: str) -> Version:
        if not self._defined.search(source):
            return Version(None)  # not even the name: no need to parse
        try:
            span = locate_in_source(source, self.qualname, path)
        except HistoryError as error:
            return Version(None, unparsable="does not parse" in str(error))
        lines = source.split("\n")
        return Version("\n".join(lines[span.start - 1 : span.end]), span)


def function_patch(
    old: Version, new: Version, old_path: str, new_path: str
) -> tuple[int, int, str]:
    """Lines added and removed inside the function; its diff, the whole function as context."""
    before = old.text.split("\n") if old.text is not None else []
    after = new.text.split("\n") if new.text is not None else []
    added = removed = 0
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(
        None, before, after, autojunk=False
    ).get_opcodes():
        if tag in ("replace", "delete"):
            removed += i2 - i1
        if tag in ("replace", "insert"):
            added += j2 - j1
    context = max(len(before), len(after))
    diff = list(
        difflib.unified_diff(
            before,
            after,
            f"a/{old_path}" if old.text is not None else "/dev/null",
            f"b/{new_path}",
            n=context,
            lineterm="",
        )
    )
    if len(diff) > 2:
        old_start = old.span.start if old.span else 0
        new_start = new.span.start if new.span else 0
        diff[2] = f"@@ -{old_start},{len(before)} +{new_start},{len(after)} @@"
    return added, removed, "\n".join(diff)

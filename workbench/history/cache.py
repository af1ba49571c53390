"""Answers already computed, so asking again is instant.

A small SQLite file per repository, ``workbench/history-cache.db`` inside its
git directory: derived data about the repository belongs with it, never shows
in ``git status`` and is shared by its worktrees. Keys hold the resolved
commit shas, the path, the function and the question's options, so a moved
branch or a new commit is a new key and a stale answer is never served;
values are JSON. The cache is an accelerator: if it cannot be opened or
written (read-only repository, locked file) the answer is computed anyway.
"""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

from workbench.history.repo import cache_dir
from workbench.output import json_text

_SCHEMA = "CREATE TABLE IF NOT EXISTS answers (key TEXT PRIMARY KEY, value TEXT NOT NULL)"


class HistoryCache:
    """Key/value JSON store in one SQLite table; failures to read or write are not fatal."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, timeout=2)
        # No fsync: a lost or torn answer is only recomputed (see put).
        connection.execute("PRAGMA synchronous=OFF")
        connection.execute(_SCHEMA)
        return connection

    def get(self, key: str) -> Any | None:
        """The stored value for ``key``, or None."""
        if not self.path.exists():
            return None
        try:
            with closing(self._connect()) as connection:
                row = connection.execute(
                    "SELECT value FROM answers WHERE key = ?", (key,)
                ).fetchone()
        except sqlite3.Error:
            return None
        return json.loads(row[0]) if row else None

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable) under ``key``."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with closing(self._connect()) as connection, connection:
                connection.execute(
                    "INSERT OR REPLACE INTO answers (key, value) VALUES (?, ?)",
                    (key, json_text(value)),
                )
        except sqlite3.OperationalError:
            pass  # locked or read-only: an unwritten answer only costs speed
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)  # torn by a crash (no fsync): start afresh
        except OSError:
            pass

    def clear(self) -> None:
        """Forget every answer (the benchmark's cold runs); the file stays."""
        if self.path.exists():
            with closing(self._connect()) as connection, connection:
                connection.execute("DELETE FROM answers")


def cache_for(git_dir: str | Path) -> HistoryCache:
    """The cache of the repository whose common git directory is ``git_dir``."""
    return HistoryCache(cache_dir(git_dir) / "history-cache.db")

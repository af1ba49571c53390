"""Answers already computed, so asking again is instant.

A small SQLite file per repository (``.workbench/history-cache.db`` at its
root, beside the backlog store). Keys hold the resolved commit sha, the path,
the function and the question's options, so a moved branch or an edited file
is a new key and a stale answer is never served; values are JSON.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


class HistoryCache:
    """Key/value JSON store in one SQLite table; failures to write are not fatal."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def get(self, key: str) -> Any | None:
        """The stored value for ``key``, or None."""
        raise NotImplementedError

    def put(self, key: str, value: Any) -> None:
        """Store ``value`` (JSON-serialisable) under ``key``."""
        raise NotImplementedError

    def clear(self) -> None:
        """Forget every answer (the benchmark's cold runs)."""
        raise NotImplementedError


def cache_for(root: str | Path) -> HistoryCache:
    """The cache of the repository whose root is ``root``."""
    raise NotImplementedError

"""The Backlog pane's one connection to the backlog, and the order its writes run in.

Used from worker threads only; nothing here touches a widget.

- :class:`BacklogSession` opens the backlog for editing when first needed. A
  backlog that does not exist yet, or has an older schema, is read (an empty
  or upgraded copy in memory, no file touched) until the pane's first write,
  which opens it for writing: that creates or upgrades it, and the session
  keeps the line saying so for the pane to show.
- It also remembers the version each of the pane's own writes left, so the
  version a write expects is the pane's latest, read when the write runs: its
  own earlier writes are never taken for someone else's.
- :class:`WriteQueue` runs writes one at a time in the order the keys were
  pressed: three quick presses of ``-`` are three moves, each on the last.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

from workbench.triage.model import Item
from workbench.triage.opening import in_memory
from workbench.triage.store import Access, BacklogMissingError, BacklogStore, default_db_path

T = TypeVar("T")
Job = TypeVar("Job")


class BacklogSession:
    """The store behind the pane, opened lazily, shared by its workers under one lock."""

    def __init__(self, db: Path | None, store_type: type[BacklogStore] = BacklogStore) -> None:
        self.db = db
        """Database path; None is the default location (resolved when first opened)."""
        self.store_type = store_type
        self._store: BacklogStore | None = None
        self._lock = threading.Lock()
        self._versions: dict[int, int] = {}
        self.missing = False
        """No backlog file yet: the pane shows an empty one, the first write creates it."""
        self.notices: list[str] = []
        """What opening for writing did (created, upgraded), for the pane to show once."""

    def read(self, call: Callable[[BacklogStore], T]) -> T:
        """``call`` on the store as it is (opened for editing, else for reading)."""
        with self._lock:
            if self._store is None:
                self._store = self._open_for_editing()
            return call(self._store)

    def write(self, call: Callable[[BacklogStore], T]) -> T:
        """``call`` on a store that may write: a missing or older backlog is opened for
        writing first (created or upgraded)."""
        with self._lock:
            store = self._store
            if store is None or (store.access is Access.READ and not store.read_only):
                if store is not None:
                    store.close()
                self._store = None
                self._store = store = self.store_type.open(self.db, access=Access.WRITE)
                self.db, self.missing = store.path, False
                self.notices.extend(_write_notices(store))
            return call(store)

    def _open_for_editing(self) -> BacklogStore:
        if self.db is None:
            self.db = default_db_path()
        try:
            store = self.store_type.open(self.db, access=Access.EDIT)
        except BacklogMissingError:
            self.missing = True
            return self.store_type(self.db, in_memory())
        return store

    def expected(self, item: Item) -> int:
        """The version of ``item`` this pane last saw: its own writes count, others' do
        not. Read when the write runs, after the pane's earlier writes."""
        return max(item.version, self._versions.get(item.id or 0, 0))

    def remember(self, items: list[Item]) -> None:
        """The versions the pane's own write left."""
        for item in items:
            if item.id is not None:
                self._versions[item.id] = item.version

    def take_notices(self) -> list[str]:
        with self._lock:
            notices, self.notices = self.notices, []
            return notices

    def close(self) -> None:
        with self._lock:
            if self._store is not None:
                self._store.close()
                self._store = None


def _write_notices(store: BacklogStore) -> list[str]:
    opened = store.opened
    if opened.created:
        return [f"created a new backlog at {store.path}"]
    if opened.upgraded_from is not None:
        return [
            f"upgraded {store.path} from schema {opened.upgraded_from}; "
            f"the file as it was is kept as {opened.backup}"
        ]
    return []


class WriteQueue(Generic[Job]):
    """Jobs run one at a time, first in first out, by whichever worker drains them."""

    def __init__(self) -> None:
        self._jobs: deque[Job] = deque()
        self._lock = threading.Lock()
        self._draining = False

    def put(self, job: Job) -> bool:
        """Queue ``job``; True when no drain is running (the caller starts one)."""
        with self._lock:
            self._jobs.append(job)
            if self._draining:
                return False
            self._draining = True
            return True

    def drain(self, run: Callable[[Job, int], bool]) -> None:
        """Run queued jobs in order until none is left (jobs queued meanwhile included).
        ``run(job, queued)`` gets how many jobs wait behind ``job``; when it returns
        False (the write was refused) or raises, those are dropped: they were pressed
        on a view that no longer holds, and ``run`` says so."""
        try:
            while (job := self._next()) is not None:
                if not run(job, self.waiting):
                    self._clear()
        except BaseException:
            self._clear()
            with self._lock:
                self._draining = False
            raise

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._jobs)

    def _clear(self) -> None:
        with self._lock:
            self._jobs.clear()

    def _next(self) -> Job | None:
        with self._lock:
            if self._jobs:
                return self._jobs.popleft()
            self._draining = False
            return None

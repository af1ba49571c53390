"""The pane's write queue and session, without a terminal: order, refusals, opening."""

from __future__ import annotations

import threading
from pathlib import Path

from screens.backlog_session import BacklogSession, WriteQueue
from workbench.triage.model import Item
from workbench.triage.store import Access


def test_jobs_run_in_order_and_a_refusal_drops_the_ones_behind_it() -> None:
    queue: WriteQueue[str] = WriteQueue()
    ran: list[tuple[str, int]] = []
    assert queue.put("a") is True  # the caller starts the drain
    assert queue.put("b") is False and queue.put("c") is False  # a drain is running

    def run(job: str, queued: int) -> bool:
        ran.append((job, queued))
        return job != "b"

    queue.drain(run)
    assert ran == [("a", 2), ("b", 1)]  # b was refused: c, pressed after it, is dropped
    assert queue.put("d") is True  # the drain ended: the next job starts a new one


def test_jobs_queued_while_draining_run_in_the_same_drain() -> None:
    queue: WriteQueue[int] = WriteQueue()
    ran: list[int] = []
    started, release = threading.Event(), threading.Event()

    def run(job: int, queued: int) -> bool:
        ran.append(job)
        if job == 1:
            started.set()
            release.wait(10)
        return True

    queue.put(1)
    drain = threading.Thread(target=queue.drain, args=(run,))
    drain.start()
    started.wait(10)
    assert queue.put(2) is False and queue.put(3) is False
    release.set()
    drain.join(10)
    assert ran == [1, 2, 3]


def test_the_first_write_creates_the_backlog_the_session_was_reading(tmp_path: Path) -> None:
    db = tmp_path / "triage.db"
    session = BacklogSession(db)
    assert session.read(lambda store: (store.count(), store.access)) == (0, Access.READ)
    assert session.missing and not db.exists()
    item = session.write(lambda store: store.add(Item(title="first")))
    assert session.take_notices() == [f"created a new backlog at {db}"]
    assert session.read(lambda store: store.get(item.id).title) == "first"
    session.close()

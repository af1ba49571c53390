"""Is the backlog sound enough to write into?

``PRAGMA quick_check`` proves every b-tree well formed, but not that an index
still matches its table: a byte changed inside an index entry leaves a
well-formed page whose key no longer leads to its row. Of 300 single-bit
flips in a 3,000-item backlog, 118 passed ``quick_check`` and failed
``integrity_check`` ("row N missing from index"); comparing the number of
entries through each index with the rows of its table caught none of them (a
changed key is still one entry), and fingerprints of the keys read through
each index cost more than ``integrity_check`` itself. A further 54 flips
damaged only the full-text index, which neither pragma reads.

So before a write the store runs SQLite's full ``integrity_check`` and FTS5's
own check when the file has at most :data:`FULL_CHECK_PAGES` pages (about
8,000 items). A bigger backlog gets ``quick_check`` before a CLI write (the
full check grows with every row of every index); what it misses cannot
spread, because SQLite refuses to change a row whose index entry is damaged
("database disk image is malformed": 12 of 12 tries), and the app (at open)
and ``workbench backlog check`` run the full check whatever the size. The
rule counts pages, not seconds, so the verdict is the same on a loaded machine.
"""

from __future__ import annotations

import sqlite3

FULL_CHECK_PAGES = 1_000
"""Pages (of 4 KiB by default) up to which a CLI write runs the full check: about
8,000 items, or 4 MB (the check grows with every row of every index)."""


def problems(
    conn: sqlite3.Connection, *, thorough: bool = False, search_index: bool = True
) -> list[str]:
    """What is wrong with the database, in SQLite's words ([] when it is sound).

    The full check runs when ``thorough`` or when the file is small enough
    (:data:`FULL_CHECK_PAGES`); otherwise ``quick_check`` decides.
    ``search_index``: also check the full-text index against the items (not
    when its triggers are missing: it is rebuilt then). SQLite's messages may
    quote damaged bytes: they are decoded with replacement characters instead
    of failing. Needs a connection that may write (FTS5's check is an
    ``INSERT`` that changes nothing).
    """
    pages = conn.execute("PRAGMA page_count").fetchone()[0]
    if not thorough and pages > FULL_CHECK_PAGES:
        return quick_problems(conn)
    text_factory = conn.text_factory
    conn.text_factory = _lenient_text
    try:
        found = _pragma(conn, "integrity_check")
    finally:
        conn.text_factory = text_factory
    return found or (_search_index_problems(conn) if search_index else [])


def quick_problems(conn: sqlite3.Connection) -> list[str]:
    """``quick_check`` alone: every b-tree well formed (what a read relies on)."""
    text_factory = conn.text_factory
    conn.text_factory = _lenient_text
    try:
        return _pragma(conn, "quick_check")
    finally:
        conn.text_factory = text_factory


def _lenient_text(data: bytes) -> str:
    return data.decode("utf-8", errors="replace")


def _pragma(conn: sqlite3.Connection, pragma: str) -> list[str]:
    """The first problems ``PRAGMA integrity_check``/``quick_check`` reports, or []."""
    rows = conn.execute(f"PRAGMA {pragma}(20)").fetchall()
    # SQLite puts "*** in database main ***" on a line of its own: one line a problem.
    return [] if rows == [("ok",)] else [" ".join(row[0].split()) for row in rows]


def _search_index_problems(conn: sqlite3.Connection) -> list[str]:
    """FTS5's check of the search index against the items it indexes (``rank`` 1:
    the content too, not only the index's own structure)."""
    present = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE name = 'items_fts' AND type = 'table'"
    ).fetchone()
    if not present:
        return []
    try:
        conn.execute("INSERT INTO items_fts(items_fts, rank) VALUES ('integrity-check', 1)")
    except sqlite3.OperationalError:
        raise  # locked, busy, read-only: not a verdict on the file
    except sqlite3.DatabaseError as error:
        return [f"search index: {error}"]
    return []

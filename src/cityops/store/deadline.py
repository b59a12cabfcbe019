"""Bounded database work: a time limit per request on both databases, lock waits that end,
and statements that a shutdown can stop.

- SQLite: a progress handler on each read connection interrupts the statement once the
  deadline of the current read has passed (``sqlite3.Connection.interrupt`` from another
  thread stops it at once, for a shutdown). SQLite's own busy wait cannot be interrupted,
  so the writer waits for the database lock in short steps (``begin_immediate``) and gives
  up at the deadline or when the store is closing.
- PostgreSQL: ``statement_timeout`` set on each read connection (only when it changed, so
  no round trip per request); a shutdown cancels running statements (``cancel()``).

A statement stopped by either is reported as ``Unavailable`` (503 with Retry-After): the
request did no harm and may be tried again.
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from cityops.errors import Unavailable

PROGRESS_STEPS = 20_000  # SQLite VM instructions between two deadline checks (~0.1 ms)
LOCK_STEP_MS = 50  # SQLite writer: one busy wait before checking deadline and shutdown
_DEADLINE = "cityops_deadline"
_PG_TIMEOUT = "cityops_statement_ms"
_PG_STATES = {"57014", "55P03", "57P01", "57P03"}  # canceled, lock timeout, shutdown


def install_progress_handler(dbapi_conn: sqlite3.Connection, info: dict[str, Any]) -> None:
    """Interrupt a SQLite statement once the deadline in ``info`` has passed."""
    holder = [math.inf]
    info[_DEADLINE] = holder
    monotonic = time.monotonic
    dbapi_conn.set_progress_handler(lambda: monotonic() > holder[0], PROGRESS_STEPS)


def arm(conn: Connection, seconds: float | None) -> None:
    """Start the time limit of one read on ``conn`` (before its transaction begins)."""
    info = conn.connection.info
    holder = info.get(_DEADLINE)
    if holder is not None:
        holder[0] = math.inf if seconds is None else time.monotonic() + seconds
        return
    if conn.dialect.name == "postgresql":
        ms = 0 if seconds is None else max(1, int(seconds * 1000))
        if info.get(_PG_TIMEOUT) != ms:
            conn.exec_driver_sql(f"SET statement_timeout = {ms}")
            conn.commit()
            info[_PG_TIMEOUT] = ms


def renew(conn: Connection, seconds: float | None) -> None:
    """Give a long streamed read (an export) a fresh deadline after each chunk it produced:
    the limit then bounds the time to the next chunk, not the client's download time.
    (PostgreSQL applies its limit to each FETCH of the server-side cursor already.)"""
    holder = conn.connection.info.get(_DEADLINE)
    if holder is not None:
        holder[0] = math.inf if seconds is None else time.monotonic() + seconds


def disarm(conn: Connection) -> None:
    holder = conn.connection.info.get(_DEADLINE)
    if holder is not None:
        holder[0] = math.inf


def begin_immediate(dbapi_conn: sqlite3.Connection, wait: float, closing: threading.Event) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock at most ``wait`` seconds, and not at
    all once the store is closing (a shutdown must not hang on another process's lock)."""
    deadline = time.monotonic() + wait
    while True:
        try:
            dbapi_conn.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) and "busy" not in str(exc):
                raise
            if closing.is_set() or time.monotonic() >= deadline:
                raise


def unavailable(exc: BaseException) -> Unavailable | None:
    """The ``Unavailable`` that a database error means, or None if it means something else."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(orig, sqlite3.OperationalError):
        text = str(orig)
        if "interrupted" in text:
            return Unavailable("the request took longer than the statement time limit")
        if "locked" in text or "busy" in text:
            return Unavailable("the database is busy (locked longer than the wait)")
        return None
    state = getattr(orig, "sqlstate", None)
    if state in _PG_STATES:
        return Unavailable("the request took longer than the statement time limit")
    return None


def cancel(dbapi_conn: Any) -> None:
    """Stop what ``dbapi_conn`` is running, from another thread."""
    try:
        if isinstance(dbapi_conn, sqlite3.Connection):
            dbapi_conn.interrupt()
        else:
            dbapi_conn.cancel()
    except Exception:  # already closed or finished: nothing to stop
        pass

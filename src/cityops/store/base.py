"""The generic SQL store: engines, the group-commit writer, and change events.

Callers never see which database is behind it. Reads run on pooled read connections
(``store.read()`` in threads, ``await store.read_async(fn)`` in async code); writes are jobs
given to the single writer (``await store.write(job)`` in async code, ``store.write_sync(job)``
in scripts), which commits many of them in one transaction and publishes their events after
the commit.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy.engine import Connection

from cityops.errors import Unavailable
from cityops.store import deadline
from cityops.store.dialect import Dialect, backend_for
from cityops.store.writer import Event, GroupCommitWriter, Job

R = TypeVar("R")
Listener = Callable[[list[Event]], None]


class Store:
    """One database: a dialect, a write engine behind the writer, and a read engine."""

    def __init__(self, url: str, *, read_pool_size: int = 8, group_commit_max: int = 2000):
        self.url = url
        self.dialect: Dialect = backend_for(url)
        self.write_engine, self.read_engine = self.dialect.make_engines(url, read_pool_size)
        # As many reader threads as pooled read connections: no thread waits for a connection.
        self._readers = ThreadPoolExecutor(read_pool_size, thread_name_prefix="cityops-read")
        self._listeners: list[Listener] = []
        self._listeners_lock = threading.Lock()
        self.writer = GroupCommitWriter(
            self.write_engine, self._dispatch, group_commit_max, self.dialect
        )
        self.statement_timeout: float | None = None
        self.closing: threading.Event = getattr(self.dialect, "closing", threading.Event())
        self._active: set[Any] = set()
        self._active_lock = threading.Lock()

    def set_statement_timeout(self, seconds: float | None) -> None:
        """Bound each read (and, on SQLite, each wait for the write lock) to ``seconds``;
        work stopped by the limit raises ``Unavailable``."""
        self.statement_timeout = seconds
        if hasattr(self.dialect, "lock_wait"):
            self.dialect.lock_wait = 30.0 if seconds is None else seconds

    @property
    def kind(self) -> str:
        return self.dialect.name

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read connection inside one transaction (a consistent snapshot), within the
        statement time limit; ``Unavailable`` when the limit or a shutdown stopped it."""
        if self.closing.is_set():
            raise Unavailable("the server is shutting down")
        try:
            with self.read_engine.connect() as conn:
                raw = conn.connection.dbapi_connection
                deadline.arm(conn, self.statement_timeout)
                with self._active_lock:
                    self._active.add(raw)
                try:
                    with conn.begin():
                        yield conn
                finally:
                    with self._active_lock:
                        self._active.discard(raw)
                    deadline.disarm(conn)
        except Exception as exc:
            stopped = deadline.unavailable(exc)
            if stopped is not None:
                raise stopped from exc
            raise

    async def read_async(self, fn: Callable[[Connection], R]) -> R:
        """``fn(conn)`` on a read connection in a reader thread, for async code.

        The event loop also runs MQTT ingest and live events, so async code never waits on
        the database itself (tests/test_event_loop.py checks the handlers).
        """
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._readers, self._read_with, fn)

    def _read_with(self, fn: Callable[[Connection], R]) -> R:
        with self.read() as conn:
            return fn(conn)

    async def write(self, job: Job[R]) -> R:
        """Run a write job in the next group commit; return after it committed."""
        try:
            return await self.writer.submit_async(job)
        except Exception as exc:
            stopped = deadline.unavailable(exc)
            if stopped is not None:
                raise stopped from exc
            raise

    def write_sync(self, job: Job[R]) -> R:
        """Like ``write`` for code that is not async (CLI, importers)."""
        try:
            return self.writer.submit(job).result()
        except Exception as exc:
            stopped = deadline.unavailable(exc)
            if stopped is not None:
                raise stopped from exc
            raise

    def renew_deadline(self, conn: Connection) -> None:
        """Restart the time limit of the read on ``conn`` (see ``deadline.renew``)."""
        deadline.renew(conn, self.statement_timeout)

    def interrupt(self) -> None:
        """Stop every running read and any wait for a lock, now (a shutdown): the requests
        they serve end with ``Unavailable`` instead of holding the process."""
        self.closing.set()
        with self._active_lock:
            active = list(self._active)
        for raw in active:
            deadline.cancel(raw)

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener(events)`` after every commit (in the writer thread: be quick)."""
        with self._listeners_lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._listeners_lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _dispatch(self, events: list[Event]) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(events)

    def close(self) -> None:
        self._readers.shutdown(wait=True)
        self.writer.close()
        self.write_engine.dispose()
        self.read_engine.dispose()

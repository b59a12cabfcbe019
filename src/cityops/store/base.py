"""The generic SQL store: engines, the group-commit writer, and change events.

Callers never see which database is behind it. Reads run on pooled read connections
(``store.read()`` in threads, ``await store.read_async(fn)`` in async code); writes are jobs
given to the single writer (``await store.write(job)`` in async code, ``store.write_sync(job)``
in scripts), which commits many of them in one transaction and publishes their events after
the commit.

Read replica (``read_url``, a PostgreSQL streaming standby): reads go to it only inside
``replica_reads()`` (the HTTP layer opens that scope for GET requests) and only until the
same context writes: a request that wrote reads its own write back from the primary
(read-your-writes). Everything else (background workers, CLI, a POST's answer) reads the
primary, because it acts on what was just committed and a standby may lag behind.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError

from cityops.errors import Unavailable
from cityops.store import deadline
from cityops.store.dialect import Dialect, backend_for
from cityops.store.writer import Event, GroupCommitWriter, Job

R = TypeVar("R")
log = logging.getLogger(__name__)
REPLICA_RETRY = 10.0  # seconds the primary serves reads after the replica failed to connect
Listener = Callable[[list[Event]], None]

# Per request (task) context: may reads use the replica, and has this context written?
_replica_ok: ContextVar[bool] = ContextVar("cityops_replica_ok", default=False)
_wrote: ContextVar[bool] = ContextVar("cityops_wrote", default=False)


class Store:
    """One database: a dialect, a write engine behind the writer, and a read engine."""

    def __init__(
        self,
        url: str,
        *,
        read_pool_size: int = 8,
        group_commit_max: int = 2000,
        read_url: str | None = None,
    ):
        self.url = url
        self.dialect: Dialect = backend_for(url)
        self.write_engine, self.read_engine = self.dialect.make_engines(url, read_pool_size)
        self.replica_engine: Engine | None = None
        self._replica_down_until = 0.0
        if read_url:
            if self.dialect.name != "postgresql":
                raise ValueError(
                    "database_read_url: a read replica needs a postgresql:// database_url"
                )
            # A replica that does not answer is given up after 3 s (libpq waits for ever).
            url_ = make_url(read_url)
            if "connect_timeout" not in url_.query:
                url_ = url_.update_query_dict({"connect_timeout": "3"})
            unused, self.replica_engine = backend_for(read_url).make_engines(
                url_.render_as_string(hide_password=False), read_pool_size
            )
            unused.dispose()
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
    def replica_reads(self) -> Iterator[None]:
        """Within this scope (one GET request) reads may go to the replica, until the
        scope writes."""
        ok, wrote = _replica_ok.set(True), _wrote.set(False)
        try:
            yield
        finally:
            _replica_ok.reset(ok)
            _wrote.reset(wrote)

    def _reader(self) -> Engine:
        """The replica inside ``replica_reads()`` before any write there (and unless it
        just failed to connect), else the primary."""
        if (
            self.replica_engine is not None
            and _replica_ok.get()
            and not _wrote.get()
            and time.monotonic() >= self._replica_down_until
        ):
            return self.replica_engine
        return self.read_engine

    def _connect(self, engine: Engine) -> Connection:
        """A connection of ``engine``; when the replica cannot be reached, one of the
        primary, and the primary serves the replica's reads for ``REPLICA_RETRY`` seconds:
        a replica outage must not take the dashboards (or the balancer's /health) down."""
        try:
            return engine.connect()
        except DBAPIError:
            if engine is not self.replica_engine or self.closing.is_set():
                raise
            self._replica_down_until = time.monotonic() + REPLICA_RETRY
            log.warning("read replica unreachable: reading the primary for %.0f s", REPLICA_RETRY)
            return self.read_engine.connect()

    @contextmanager
    def read(self, engine: Engine | None = None) -> Iterator[Connection]:
        """A read connection inside one transaction (a consistent snapshot), within the
        statement time limit; ``Unavailable`` when the limit or a shutdown stopped it."""
        if self.closing.is_set():
            raise Unavailable("the server is shutting down")
        try:
            with self._connect(engine or self._reader()) as conn:
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
        # The engine is chosen here: the reader thread does not see this context.
        return await loop.run_in_executor(self._readers, self._read_with, fn, self._reader())

    def _read_with(self, fn: Callable[[Connection], R], engine: Engine) -> R:
        with self.read(engine) as conn:
            return fn(conn)

    async def write(self, job: Job[R]) -> R:
        """Run a write job in the next group commit; return after it committed."""
        _wrote.set(True)
        try:
            return await self.writer.submit_async(job)
        except Exception as exc:
            stopped = deadline.unavailable(exc)
            if stopped is not None:
                raise stopped from exc
            raise

    def write_sync(self, job: Job[R]) -> R:
        """Like ``write`` for code that is not async (CLI, importers)."""
        _wrote.set(True)
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
        if self.replica_engine is not None:
            self.replica_engine.dispose()

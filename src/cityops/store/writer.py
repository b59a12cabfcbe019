"""The single writer with group commit.

Every write in a process goes through one writer thread. Jobs that arrive while a
transaction is being written wait in a queue; the writer then runs all of them in one
transaction, commits once, and only then answers each job. It first runs them without
savepoints (the common case, where every job succeeds); if a job raises, the transaction
is rolled back and the batch runs again with a SAVEPOINT per job, so that the failing job
fails alone and the others commit.

SQLite allows one writer at a time, so this is how many concurrent requests share one
fsync; on PostgreSQL it saves round trips and commits just the same.

Several processes may write to one PostgreSQL database. Row updates that many jobs make
to the same rows (a Datastream's derived times and latest value) are therefore not run
inside each job: a job records a ``Deferred`` change under a key, the writer merges the
changes of the jobs that succeeded and applies them just before the commit, in key order.
Every writer locks those rows in the same order, for the shortest time: no deadlocks
between workers, and one UPDATE per row per transaction.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from contextlib import nullcontext
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any, Generic, Protocol, Self, TypeVar

from sqlalchemy.engine import Connection, Engine

from cityops.store.dialect import Dialect

log = logging.getLogger(__name__)
R = TypeVar("R")


@dataclass
class Event:
    """Something that changed, published after its transaction committed."""

    kind: str  # "created", "updated", "deleted"
    entity: str  # entity type name, e.g. "Observation", or "Incident"
    id: int
    data: dict[str, Any] = field(default_factory=dict)


class Deferred(Protocol):
    """A change applied once per transaction, just before the commit (see module doc)."""

    def merge(self, other: Self) -> None:
        """Fold in the same kind of change from a later job (jobs defer one class of
        change per key)."""

    def flush(self, conn: Connection, dialect: Dialect) -> None:
        """Apply the change (inside the transaction)."""


DeferKey = tuple[str, int]


def _flush_deferred(conn: Connection, dialect: Dialect, changes: dict[DeferKey, Deferred]) -> None:
    """Apply the changes in key order; a run of changes of one class that has
    ``flush_many(conn, dialect, changes)`` goes in one call (one executemany: 32
    Datastreams touched by one commit are one statement, not 32)."""
    ordered = [changes[k] for k in sorted(changes)]
    for kind, run in groupby(ordered, key=type):
        flush_many = getattr(kind, "flush_many", None)
        if flush_many is not None:
            flush_many(conn, dialect, list(run))
        else:
            for change in run:
                change.flush(conn, dialect)


class Observer(Protocol):
    """A writer-thread cache: told the events of every commit, to drop what changed."""

    def observe(self, events: list[Event]) -> None:
        """Forget whatever ``events`` may have made stale."""


ObserverT = TypeVar("ObserverT", bound=Observer)


class WriterState:
    """Caches that live in the writer thread across transactions (only it touches them,
    so they need no locks). Fill them from ``Tx.after_commit`` callbacks, never with
    what a job that may still roll back has written."""

    def __init__(self) -> None:
        self._items: dict[str, Observer] = {}

    def get(self, key: str, factory: Callable[[], ObserverT]) -> ObserverT:
        """The cache named ``key``, made by ``factory`` on first use."""
        item = self._items.get(key)
        if item is None:
            item = self._items[key] = factory()
        return item  # type: ignore[return-value]

    def observe(self, events: list[Event]) -> None:
        for item in self._items.values():
            item.observe(events)


class Tx:
    """What a write job gets: the connection inside its savepoint, the store's dialect
    hooks (least, greatest, bulk_insert), the writer's caches, and the lists of what to
    publish and do after the commit. Every job is a ``Job[R]``: a function of a ``Tx``."""

    def __init__(
        self,
        conn: Connection,
        dialect: Dialect,
        state: WriterState | None = None,
        defer_inserts: bool = False,
    ) -> None:
        self.conn = conn
        self.dialect = dialect
        # May a job's small INSERT wait for the flush before the commit (ids reserved
        # now)? Only in the writer's first, optimistic attempt: see ``GroupCommitWriter``.
        self.defer_inserts = defer_inserts
        self.state = state if state is not None else WriterState()
        self.events: list[Event] = []
        self.after_commit: list[Callable[[], None]] = []
        self.deferred: dict[DeferKey, Deferred] = {}

    def emit(self, kind: str, entity: str, id: int, **data: Any) -> None:
        self.events.append(Event(kind, entity, id, data))

    def defer(self, key: DeferKey, change: Deferred) -> None:
        """Apply ``change`` before the commit, merged with other changes under ``key``."""
        if key in self.deferred:
            self.deferred[key].merge(change)
        else:
            self.deferred[key] = change


Job = Callable[[Tx], R]


class AsyncWaiter(Generic[R]):
    """The writer's side of an asyncio future, for ``Store.write``.

    The writer thread records the outcome; after the commit the outcomes of a whole group
    commit are handed to the event loop in one ``call_soon_threadsafe`` (``_settle``).
    Why: with a concurrent ``Future`` per job wrapped by ``asyncio.wrap_future``, each job
    cost a ``Future`` with its ``Condition``, two chained callbacks and one wake-up of the
    loop through its self-pipe (a system call) - 12 % of the server's samples in a py-spy
    profile of single POSTs from 32 clients (docs/benchmarks.md, "Profiling").
    """

    __slots__ = ("future", "loop", "outcome")

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.future: asyncio.Future[R] = loop.create_future()
        self.outcome: tuple[Any, BaseException | None] | None = None

    def set_running_or_notify_cancel(self) -> bool:
        """False if the waiting request was cancelled before its job ran: skip the job."""
        return not self.future.cancelled()

    def done(self) -> bool:
        return self.outcome is not None

    def set_result(self, result: R) -> None:
        self.outcome = (result, None)

    def set_exception(self, error: BaseException) -> None:
        self.outcome = (None, error)


def _deliver(waiters: list[AsyncWaiter[Any]]) -> None:
    """On the event loop: resolve the futures of one group commit."""
    for w in waiters:
        if w.future.cancelled() or w.outcome is None:
            continue
        result, error = w.outcome
        if error is None:
            w.future.set_result(result)
        else:
            w.future.set_exception(error)


def _settle(batch: list[_Pending[Any]]) -> None:
    """Hand the outcomes of a batch's async waiters to their loops, one call per loop."""
    by_loop: dict[asyncio.AbstractEventLoop, list[AsyncWaiter[Any]]] = {}
    for item in batch:
        if isinstance(item.future, AsyncWaiter) and item.future.outcome is not None:
            by_loop.setdefault(item.future.loop, []).append(item.future)
    for loop, waiters in by_loop.items():
        try:
            loop.call_soon_threadsafe(_deliver, waiters)
        except RuntimeError:  # the loop was closed meanwhile: nobody waits any more
            pass


@dataclass
class _Pending(Generic[R]):
    job: Job[R]
    future: Future[R] | AsyncWaiter[R]


_STOP = object()


class _FlushFailed(Exception):
    """The deferred changes failed in the optimistic attempt: retry job by job."""


class _JobFailed(Exception):
    """A job failed in a transaction without savepoints: roll back and retry the batch."""

    def __init__(self, item: _Pending[Any], error: BaseException) -> None:
        super().__init__(str(error))
        self.item, self.error = item, error


class GroupCommitWriter:
    """Runs write jobs on one connection, many jobs per transaction."""

    def __init__(
        self,
        engine: Engine,
        on_commit: Callable[[list[Event]], None],
        max_batch: int,
        dialect: Dialect,
    ) -> None:
        self._engine = engine
        self._dialect = dialect
        self._on_commit = on_commit
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="cityops-writer", daemon=True)
        self._started = False
        self._lock = threading.Lock()
        self.state = WriterState()

    def submit(self, job: Job[R]) -> Future[R]:
        """Queue a job; the future resolves after the job's transaction committed."""
        self._ensure_started()
        fut: Future[R] = Future()
        self._queue.put(_Pending(job, fut))
        return fut

    def submit_async(self, job: Job[R]) -> asyncio.Future[R]:
        """Queue a job from the event loop; the asyncio future resolves after the commit."""
        self._ensure_started()
        waiter: AsyncWaiter[R] = AsyncWaiter(asyncio.get_running_loop())
        self._queue.put(_Pending(job, waiter))
        return waiter.future

    def _ensure_started(self) -> None:
        if not self._started:
            with self._lock:
                if not self._started:
                    self._thread.start()
                    self._started = True

    def close(self) -> None:
        """Finish the queued jobs and stop the thread."""
        if self._started:
            self._queue.put(_STOP)
            self._thread.join()

    def _run(self) -> None:
        with self._engine.connect() as conn:
            while True:
                batch, stop = self._take()
                if batch:
                    try:
                        self._write(conn, batch)
                    finally:
                        _settle(batch)
                if stop:
                    return

    def _take(self) -> tuple[list[_Pending[Any]], bool]:
        first = self._queue.get()
        if first is _STOP:
            return [], True
        batch = [first]
        while len(batch) < self._max_batch:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                return batch, True
            batch.append(item)
        return batch, False

    def _write(self, conn: Connection, batch: list[_Pending[Any]]) -> None:
        """Commit a batch: first optimistically without savepoints (the common case, where
        every job succeeds); if a job fails, the transaction is rolled back and the batch
        runs again with a savepoint per job, so that the failing job fails alone."""
        live = [item for item in batch if item.future.set_running_or_notify_cancel()]
        if not live:
            return
        try:
            try:
                done = self._attempt(conn, live, savepoints=False)
                retry = done is None and len(live) > 1
            except _FlushFailed:  # e.g. a deferred row whose Datastream a later job deleted
                done, retry = None, True
            if retry:
                done = self._attempt(conn, live, savepoints=True)
        except Exception as exc:  # the commit itself failed: nobody is stored
            log.exception("group commit failed")
            for item in live:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        if done is None:  # a single job that failed: its error is its answer
            return
        outcomes, events, callbacks = done
        for item, result, error in outcomes:
            if error is None:
                item.future.set_result(result)
            else:
                item.future.set_exception(error)
        self._publish(events, callbacks)

    def _attempt(
        self, conn: Connection, batch: list[_Pending[Any]], savepoints: bool
    ) -> (
        tuple[
            list[tuple[_Pending[Any], Any, BaseException | None]],
            list[Event],
            list[Callable[[], None]],
        ]
        | None
    ):
        """Run the jobs in one transaction. Without savepoints, the first failing job
        rolls everything back and None is returned (a lone job gets its error first)."""
        outcomes: list[tuple[_Pending[Any], Any, BaseException | None]] = []
        events: list[Event] = []
        callbacks: list[Callable[[], None]] = []
        deferred = Tx(conn, self._dialect)  # collects the deferred changes of good jobs
        try:
            with conn.begin():
                for item in batch:
                    tx = Tx(conn, self._dialect, self.state, defer_inserts=not savepoints)
                    try:
                        if savepoints:
                            with conn.begin_nested():
                                result = item.job(tx)
                        else:
                            result = item.job(tx)
                    except Exception as exc:
                        if not savepoints:
                            raise _JobFailed(item, exc) from exc
                        outcomes.append((item, None, exc))  # the job fails alone
                        continue
                    outcomes.append((item, result, None))
                    events.extend(tx.events)
                    callbacks.extend(tx.after_commit)
                    for key, change in tx.deferred.items():
                        deferred.defer(key, change)
                if savepoints:
                    self._flush(conn, deferred.deferred)
                else:
                    try:
                        self._flush(conn, deferred.deferred)
                    except Exception as exc:
                        if ("rows", 0) not in deferred.deferred:
                            raise
                        raise _FlushFailed(str(exc)) from exc
        except _JobFailed as failed:  # rolled back; retried with savepoints
            if len(batch) == 1:
                failed.item.future.set_exception(failed.error)
            return None
        return outcomes, events, callbacks

    def _flush(self, conn: Connection, changes: dict[DeferKey, Deferred]) -> None:
        """The deferred changes, in one pipeline where the dialect has one (PostgreSQL)."""
        pipeline = getattr(self._dialect, "pipeline", None)
        with pipeline(conn) if pipeline is not None and changes else nullcontext():
            _flush_deferred(conn, self._dialect, changes)

    def _publish(self, events: list[Event], callbacks: list[Callable[[], None]]) -> None:
        for cb in callbacks:
            try:
                cb()
            except Exception:
                log.exception("after-commit callback failed")
        # After the callbacks: a cache filled by one job of this commit is then cleared
        # when another job of the same commit changed what it holds.
        self.state.observe(events)
        if events:
            try:
                self._on_commit(events)
            except Exception:
                log.exception("commit listener failed")

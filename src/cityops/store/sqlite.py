"""SQLite: WAL, one writer connection, a pool of readers, shapely functions for geometry."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Table, create_engine, event, func, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from cityops.store.deadline import LOCK_STEP_MS, begin_immediate, install_progress_handler
from cityops.store.types import UTCDateTime

_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    # NORMAL is durable in WAL mode against a process crash (kill -9): a committed
    # transaction is in the WAL file; only a power loss can lose the last commits.
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
    "PRAGMA cache_size=-65536",
    "PRAGMA temp_store=MEMORY",
)
# The writer appends: the pages it touches are the right edges of the indexes and the
# rows it checks foreign keys against, a small set. 16 MB holds them; the 64 MB of the
# readers would only add resident memory as the database grows (bench/memory.py).
_WRITER_CACHE = "PRAGMA cache_size=-16384"


def _configure(engine: Engine, immediate: bool, owner: SQLiteDialect) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that SAVEPOINTs work (SQLAlchemy docs).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in _PRAGMAS:
            cur.execute(pragma)
        if immediate:
            cur.execute(_WRITER_CACHE)
            # short busy waits, repeated by begin_immediate until its deadline
            cur.execute(f"PRAGMA busy_timeout={LOCK_STEP_MS}")
        else:
            install_progress_handler(dbapi_conn, _record.info)
        cur.close()
        try:
            from cityops.store.sqlfuncs import register_sqlite_functions
        except ImportError:  # query functions not present yet
            return
        register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        if immediate:
            raw = conn.connection.dbapi_connection
            begin_immediate(raw, owner.lock_wait, owner.closing)  # type: ignore[arg-type]
        else:
            conn.exec_driver_sql("BEGIN")


class SQLiteDialect:
    name = "sqlite"

    def __init__(self) -> None:
        self.lock_wait = 30.0  # seconds a write waits for another process's lock
        self.closing = threading.Event()  # set by Store.interrupt: stop waiting at once

    def make_engines(self, url: str, read_pool_size: int) -> tuple[Engine, Engine]:
        args = {"check_same_thread": False, "timeout": 30}
        writer = create_engine(url, connect_args=args, poolclass=QueuePool, pool_size=1)
        reader = create_engine(
            url,
            connect_args=args,
            poolclass=QueuePool,
            pool_size=read_pool_size,
            max_overflow=read_pool_size * 2,
        )
        _configure(writer, immediate=True, owner=self)
        _configure(reader, immediate=False, owner=self)
        return writer, reader

    def least(self, *args: Any) -> ColumnElement[Any]:
        # SQLite's multi-argument min() returns NULL if any argument is NULL.
        return func.min(*[func.coalesce(a, *[b for b in args if b is not a]) for a in args])

    def greatest(self, *args: Any) -> ColumnElement[Any]:
        return func.max(*[func.coalesce(a, *[b for b in args if b is not a]) for a in args])

    @staticmethod
    def run_many(conn: Connection, stmt: ClauseElement, params: Sequence[dict[str, Any]]) -> None:
        run_many(conn, stmt, params)

    def bulk_insert(
        self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], returning: bool
    ) -> list[int]:
        if not rows:
            return []
        if returning and "id" in rows[0]:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return [r[0] for r in conn.execute(stmt, list(rows))]
        cur = _executemany(conn, table, rows)
        if not returning:
            return []
        if len(rows) == 1:  # a single POST: the cursor knows the id, no second statement
            return [int(cur.lastrowid)]
        # One executemany instead of RETURNING row by row (which SQLite needs to keep the
        # order): in this transaction we are the only writer and give no ids, so each row
        # got the previous row's id + 1, the last one last_insert_rowid().
        last = int(cur.execute("SELECT last_insert_rowid()").fetchone()[0])
        return list(range(last - len(rows) + 1, last + 1))


def _executemany(conn: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> Any:
    """``INSERT`` many rows with one DB-API executemany (one row: execute); the cursor.

    The statement is compiled once and each column's bind processor applied directly, and
    it runs on the DB-API cursor itself: SQLAlchemy's per-statement set-up (execution
    context, events, result metadata) cost more than SQLite's insert of one row (py-spy
    of POST /v1.1/Observations, 32 clients: ``exec_driver_sql`` and the separate
    ``SELECT last_insert_rowid()`` were 11 % of the server's samples; see
    docs/benchmarks.md). Errors are raised as SQLAlchemy's, as ``exec_driver_sql`` did.
    Rows must all have the keys of the first."""
    return _run_plan(conn, _plan(conn, table, tuple(rows[0])), rows)


def run_many(conn: Connection, stmt: ClauseElement, params: Sequence[dict[str, Any]]) -> None:
    """``conn.execute(stmt, params)`` for a statement of bound parameters only, run as one
    DB-API executemany with the statement compiled once (cached per statement object).

    Why: the Datastream UPDATE of each group commit through ``conn.execute`` spent more in
    SQLAlchemy's per-row parameter processing than SQLite spent updating (py-spy, single
    POSTs from 32 clients: ``flush_many`` 16 % of the writer's samples, most of it in bind
    processors). The values stored are the same: UTC datetimes become the same text."""
    if not params:
        return
    plan = _STMT_PLANS.get(stmt)
    if plan is None:
        compiled = stmt.compile(dialect=conn.dialect)
        assert isinstance(compiled, SQLCompiler)
        procs = []
        for key in compiled.positiontup or ():
            col_type = compiled.binds[key].type
            proc = (
                _utc_text
                if isinstance(col_type, UTCDateTime)
                else col_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            )
            procs.append((key, proc, proc(None) if proc is not None else None))
        plan = _STMT_PLANS[stmt] = (str(compiled), procs)
    _run_plan(conn, plan, params)


def _run_plan(conn: Connection, plan: _Plan, rows: Sequence[dict[str, Any]]) -> Any:
    sql, procs = plan
    if len(rows) == 1:
        row = rows[0]
        params = [
            tuple(
                v if proc is None else (none if v is None else proc(v))
                for key, proc, none in procs
                for v in (row[key],)
            )
        ]
    else:
        # column by column, then zipped into rows: a generator per row cost 2-3 us
        # (py-spy --gil, CreateObservations of 10,000 rows), a comprehension per column
        # a tenth of that
        columns = []
        for key, proc, none in procs:
            column = [row[key] for row in rows]
            if proc is not None:
                column = [none if v is None else proc(v) for v in column]
            columns.append(column)
        params = list(zip(*columns, strict=True))
    cur = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        if len(params) == 1:
            cur.execute(sql, params[0])
        else:
            cur.executemany(sql, params)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(sql, params, exc, sqlite3.Error, dialect=conn.dialect) from exc
    return cur


_Plan = tuple[str, list[tuple[str, Any, Any]]]
_STMT_PLANS: dict[ClauseElement, _Plan] = {}
_PLANS: dict[tuple[str, str, tuple[str, ...]], _Plan] = {}


def _plan(conn: Connection, table: Table, keys: tuple[str, ...]) -> _Plan:
    """The INSERT's SQL and (key, bind processor, processed NULL) in parameter order,
    made once per table and set of keys: compiling costs more than a one-row insert."""
    cache_key = (conn.dialect.name, table.name, keys)
    plan = _PLANS.get(cache_key)
    if plan is None:
        compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(keys))
        procs = []
        for key in list(compiled.positiontup or keys):
            col_type = table.c[key].type
            proc = (
                _utc_text
                if isinstance(col_type, UTCDateTime)
                else col_type.dialect_impl(conn.dialect).bind_processor(conn.dialect)
            )
            procs.append((key, proc, proc(None) if proc is not None else None))
        plan = _PLANS[cache_key] = (str(compiled), procs)
    return plan


def _utc_text(value: datetime | None) -> str | None:
    """What ``UTCDateTime`` and SQLAlchemy's SQLite DATETIME make of a datetime (naive
    UTC text, ``YYYY-MM-DD HH:MM:SS.ffffff``), in C calls instead of two Python ones; a
    datetime already in UTC (every parsed time is) is only formatted: the conversion and
    the copy without zone were 40 % of this function (py-spy --gil, CreateObservations)."""
    if value is None:
        return None
    if value.tzinfo is UTC:
        return value.isoformat(" ", "microseconds")[:26]
    if value.tzinfo is None:
        raise ValueError("naive datetime given to a UTC column")
    return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

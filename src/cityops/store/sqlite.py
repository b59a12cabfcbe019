"""SQLite: WAL, one writer connection, a pool of readers, shapely functions for geometry."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, create_engine, event, func, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.pool import QueuePool
from sqlalchemy.sql.elements import ColumnElement

from cityops.store.dialect import register_backend

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


def _configure(engine: Engine, immediate: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so that SAVEPOINTs work (SQLAlchemy docs).
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        for pragma in _PRAGMAS:
            cur.execute(pragma)
        cur.close()
        try:
            from cityops.store.sqlfuncs import register_sqlite_functions
        except ImportError:  # query functions not present yet
            return
        register_sqlite_functions(dbapi_conn)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


class SQLiteDialect:
    name = "sqlite"

    def make_engines(self, url: str, read_pool_size: int) -> tuple[Engine, Engine]:
        args = {"check_same_thread": False, "timeout": 30}
        writer = create_engine(url, connect_args=args, poolclass=QueuePool, pool_size=1)
        reader = create_engine(
            url, connect_args=args, poolclass=QueuePool, pool_size=read_pool_size,
            max_overflow=read_pool_size * 2,
        )
        _configure(writer, immediate=True)
        _configure(reader, immediate=False)
        return writer, reader

    def least(self, *args: Any) -> ColumnElement[Any]:
        # SQLite's multi-argument min() returns NULL if any argument is NULL.
        return func.min(*[func.coalesce(a, *[b for b in args if b is not a]) for a in args])

    def greatest(self, *args: Any) -> ColumnElement[Any]:
        return func.max(*[func.coalesce(a, *[b for b in args if b is not a]) for a in args])

    def bulk_insert(
        self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], returning: bool
    ) -> list[int]:
        if not rows:
            return []
        if returning:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return [r[0] for r in conn.execute(stmt, list(rows))]
        conn.execute(insert(table), list(rows))
        return []


register_backend("sqlite", SQLiteDialect)

"""PostgreSQL/PostGIS: psycopg 3 behind SQLAlchemy's pool, LEAST/GREATEST, COPY bulk load.

Connection pool: SQLAlchemy's ``QueuePool`` over psycopg 3 connections. The store is
SQLAlchemy Core, so its engine owns connections anyway; a second pool (``psycopg_pool``)
under it would need ``NullPool`` plus a custom ``creator`` and would add nothing that
``QueuePool`` with ``pool_pre_ping`` lacks (dead connections are replaced, idle ones kept).
The writer thread holds one connection of the small write pool; readers share the other.

Bulk insert: rows go through ``COPY ... FROM STDIN`` on the raw psycopg connection, inside
the caller's transaction and savepoint. When ids are wanted they are reserved first from
the table's sequence (one ``nextval`` per row, in one statement) and copied explicitly,
so the caller gets them in row order. Measured in ``bench/pg_copy_ids.py`` against the
alternatives (executemany ``INSERT ... RETURNING``; COPY into a temporary table then
``INSERT ... SELECT ... RETURNING``). Small batches use a plain INSERT: below
``COPY_MIN_ROWS`` the extra round trip costs more than COPY saves.

Values are encoded by the same SQLAlchemy bind processors the INSERT path uses (UTC
timestamps, ``Jsonb`` wrappers), so both paths store the same thing; geometry WKT is sent
as EWKT with SRID 4326, as the column requires.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from sqlalchemy import Table, bindparam, create_engine, func, insert, text
from sqlalchemy.dialects.postgresql.base import ischema_names
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement, ColumnElement

from cityops.store.types import Geometry, PostGISGeometry

# Reflection (Alembic's autogenerate, the migration-agreement test) knows PostGIS geometry.
ischema_names.setdefault("geometry", PostGISGeometry)

COPY_MIN_ROWS = 64
"""Batches smaller than this use INSERT (fewer round trips); larger ones use COPY."""

Encoder = Callable[[Any], Any]


def psycopg_url(url: str) -> str:
    """``postgresql://`` URLs use psycopg 3 (not psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def _geometry_encoder(wkt: Any) -> Any:
    return None if wkt is None else f"SRID=4326;{wkt}"


def column_encoders(conn: Connection, table: Table, names: Sequence[str]) -> list[Encoder | None]:
    """For each column, the function that turns a Python value into what the driver gets.

    These are the bind processors of the column types (what an INSERT would send), except
    that PostGIS geometry is given as EWKT, where an INSERT wraps it in ST_GeomFromText.
    NULL stays NULL (never the JSON ``null``): apply an encoder only to other values.
    """
    encoders: list[Encoder | None] = []
    for name in names:
        col_type = table.c[name].type
        if isinstance(col_type, Geometry) and conn.dialect.name == "postgresql":
            encoders.append(_geometry_encoder)
            continue
        impl = col_type.dialect_impl(conn.dialect)
        encoders.append(impl.bind_processor(conn.dialect))
    return encoders


def copy_rows(
    conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """COPY ``rows`` (tuples in ``names`` order) into ``table`` in the current transaction."""
    encoders = column_encoders(conn, table, names)
    columns = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
    sql = f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({columns}) FROM STDIN"
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy(sql) as copy:
        for row in rows:
            copy.write_row(
                [
                    v if enc is None or v is None else enc(v)
                    for enc, v in zip(encoders, row, strict=True)
                ]
            )


class PostgresDialect:
    """The PostgreSQL/PostGIS backend (``postgresql://`` URLs)."""

    name = "postgresql"

    # Small inserts of write jobs wait for one statement before the commit (ingest/write.py):
    # every statement is a round trip, and on a busy machine each one waits for PostgreSQL's
    # backend to be scheduled. py-spy (--idle) of single POSTs from 32 clients: the writer
    # thread spent half its time in the per-job INSERT ... RETURNING.
    defers_inserts = True
    ID_BLOCK = 512  # ids reserved per round trip for deferred rows

    def __init__(self) -> None:
        self._sequences: dict[str, str | None] = {}
        self._id_pools: dict[str, list[int]] = {}
        self._pipelined = False

    @contextmanager
    def pipeline(self, conn: Connection) -> Iterator[None]:
        """The statements of the block sent without waiting for each answer (psycopg's
        pipeline mode), answered together when it ends: the writer's flush before the
        commit (audit rows, deferred observation rows, Datastream UPDATE) is one round
        trip instead of three. py-spy --idle of single POSTs on PostgreSQL: those three
        were 80 % of the writer thread's time, the commit 20 %. COPY cannot run in a
        pipeline, so ``bulk_insert`` uses executemany meanwhile. Errors are raised as
        SQLAlchemy's when the block ends."""
        raw = conn.connection.driver_connection
        assert raw is not None
        self._pipelined = True
        try:
            with raw.pipeline():
                yield
        except psycopg.Error as exc:
            raise DBAPIError.instance(
                "(pipeline)", None, exc, psycopg.Error, dialect=conn.dialect
            ) from exc
        finally:
            self._pipelined = False

    def take_ids(self, conn: Connection, table: Table, n: int) -> list[int]:
        """``n`` fresh ids of ``table``, ascending, from a block reserved ahead (one
        ``nextval`` round trip per ``ID_BLOCK`` ids). Only the writer thread calls this, so
        the ids a process hands out increase in commit order; unused ones are gaps, as
        after any rolled-back insert."""
        pool = self._id_pools.setdefault(table.name, [])
        if len(pool) < n:
            pool.extend(self.reserve_ids(conn, table, max(n - len(pool), self.ID_BLOCK)))
        taken = pool[:n]
        del pool[:n]
        return taken

    def make_engines(self, url: str, read_pool_size: int) -> tuple[Engine, Engine]:
        url = psycopg_url(url)
        # The process id in the name tells the workers apart in pg_stat_activity.
        args = {"application_name": f"cityops-{os.getpid()}"}
        writer = create_engine(
            url, pool_size=1, max_overflow=2, pool_pre_ping=True, connect_args=args
        )
        reader = create_engine(
            url,
            pool_size=read_pool_size,
            max_overflow=read_pool_size,
            pool_pre_ping=True,
            connect_args=args,
        )
        return writer, reader

    def least(self, *args: Any) -> ColumnElement[Any]:
        return func.least(*args)  # ignores NULLs in PostgreSQL

    def greatest(self, *args: Any) -> ColumnElement[Any]:
        return func.greatest(*args)

    def bulk_insert(
        self, conn: Connection, table: Table, rows: Sequence[dict[str, Any]], returning: bool
    ) -> list[int]:
        if not rows:
            return []
        if len(rows) < COPY_MIN_ROWS or self._pipelined:
            return self._insert(conn, table, rows, returning)
        names = list(rows[0])
        ids: list[int] = []
        if "id" in names:  # ids given (reserved up front): copy them as they are
            copy_rows(conn, table, names, [[r[n] for n in names] for r in rows])
            return [int(r["id"]) for r in rows] if returning else []
        if returning:
            ids = self.reserve_ids(conn, table, len(rows))
            copy_rows(
                conn,
                table,
                ["id", *names],
                [(i, *[r[n] for n in names]) for i, r in zip(ids, rows, strict=True)],
            )
        else:
            copy_rows(conn, table, names, [[r[n] for n in names] for r in rows])
        return ids

    def reserve_ids(self, conn: Connection, table: Table, n: int) -> list[int]:
        """``n`` fresh ids from the table's id sequence, ascending."""
        seq = self.sequence_of(conn, table)
        if seq is None:
            raise ValueError(f"table {table.name} has no id sequence")
        result = conn.execute(
            text("SELECT nextval(CAST(:seq AS regclass)) FROM generate_series(1, :n)"),
            {"seq": seq, "n": n},
        )
        return [int(r[0]) for r in result]

    def sequence_of(self, conn: Connection, table: Table) -> str | None:
        """The sequence behind ``table.id`` (serial or identity), cached."""
        if table.name not in self._sequences:
            self._sequences[table.name] = conn.execute(
                text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
            ).scalar()
        return self._sequences[table.name]

    @staticmethod
    def run_many(conn: Connection, stmt: ClauseElement, params: Sequence[dict[str, Any]]) -> None:
        run_many(conn, stmt, params)

    @staticmethod
    def _insert(
        conn: Connection, table: Table, rows: Sequence[dict[str, Any]], returning: bool
    ) -> list[int]:
        if returning and len(rows) == 1 and "id" not in rows[0]:
            return [insert_one(conn, table, rows[0])]
        if not returning and _plain_table(table, rows[0]):
            run_many(conn, _insert_stmt(table, tuple(rows[0])), rows)
            return []
        if returning:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return [r[0] for r in conn.execute(stmt, list(rows))]
        conn.execute(insert(table), list(rows))
        return []


_Plan = tuple[str, list[tuple[str, Encoder | None]]]
_PLANS: dict[tuple[str, tuple[str, ...]], _Plan | None] = {}


def insert_one(conn: Connection, table: Table, row: dict[str, Any]) -> int:
    """``INSERT ... RETURNING id`` of one row on the psycopg cursor, the statement compiled
    once per table and set of keys, each value through its column's bind processor (as
    SQLAlchemy would send it); errors raised as SQLAlchemy's.

    Why: a single POST's insert through ``conn.execute(insert(...).returning(...))`` was
    22 % of the server's samples on PostgreSQL (py-spy --gil, 32 clients): statement cache
    lookup, "insertmanyvalues" set-up and result metadata, for one row.
    A table with geometry columns (sent through ST_GeomFromText) keeps SQLAlchemy's path.
    """
    keys = tuple(row)
    if (table.name, keys) not in _PLANS:
        _PLANS[(table.name, keys)] = _plan(conn, table, keys)
    plan = _PLANS[(table.name, keys)]
    if plan is None:
        stmt = insert(table).returning(table.c.id)
        return int(conn.execute(stmt, [row]).scalar_one())
    sql, encoders = plan
    params = {k: row[k] if enc is None else enc(row[k]) for k, enc in encoders}
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        with raw.cursor() as cur:
            cur.execute(sql, params)
            found = cur.fetchone()
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, params, exc, psycopg.Error, dialect=conn.dialect) from exc
    assert found is not None
    return int(found[0])


def _plan(conn: Connection, table: Table, keys: tuple[str, ...]) -> _Plan | None:
    if any(isinstance(table.c[k].type, Geometry) for k in keys):
        return None
    compiled = (
        insert(table).returning(table.c.id).compile(dialect=conn.dialect, column_keys=list(keys))
    )
    encoders: list[tuple[str, Encoder | None]] = [
        (k, table.c[k].type.dialect_impl(conn.dialect).bind_processor(conn.dialect)) for k in keys
    ]
    return str(compiled), encoders


_STMTS: dict[tuple[str, tuple[str, ...]], ClauseElement] = {}
_STMT_PLANS: dict[ClauseElement, tuple[str, list[tuple[str, Encoder | None, Any]]]] = {}


def _plain_table(table: Table, row: dict[str, Any]) -> bool:
    """No geometry (sent through ST_GeomFromText) and no Python-side default that
    SQLAlchemy would compute for a column the row leaves out: ``run_many`` sends only
    the row's values."""
    return not any(
        isinstance(c.type, Geometry)
        or (c.key not in row and (c.default is not None or c.onupdate is not None))
        for c in table.c
    )


def _insert_stmt(table: Table, keys: tuple[str, ...]) -> ClauseElement:
    """The INSERT of ``keys``, one object per table and keys (``run_many`` caches by it)."""
    stmt = _STMTS.get((table.name, keys))
    if stmt is None:
        stmt = _STMTS[(table.name, keys)] = insert(table).values(
            {k: bindparam(k, type_=table.c[k].type) for k in keys}
        )
    return stmt


def run_many(conn: Connection, stmt: ClauseElement, params: Sequence[dict[str, Any]]) -> None:
    """``conn.execute(stmt, params)`` as one psycopg ``executemany`` of the statement
    compiled once, each value through its bind processor as SQLAlchemy sends it; errors
    raised as SQLAlchemy's. Why: the audit rows, the deferred observation rows and the
    Datastream UPDATE of every group commit went through SQLAlchemy's per-execution
    set-up (py-spy --gil of single POSTs on PostgreSQL; tests/store/test_raw_executemany.py
    compares the rows with SQLAlchemy's)."""
    if not params:
        return
    plan = _STMT_PLANS.get(stmt)
    if plan is None:
        compiled = stmt.compile(dialect=conn.dialect)
        assert isinstance(compiled, SQLCompiler)
        found: list[tuple[str, Encoder | None, Any]] = []
        for name, bind in compiled.binds.items():
            impl = bind.type.dialect_impl(conn.dialect)
            found.append((name, impl.bind_processor(conn.dialect), bind.value))
        plan = _STMT_PLANS[stmt] = (str(compiled), found)
    sql, binds = plan
    rows = [
        {
            name: v if proc is None else proc(v)
            for name, proc, fixed in binds
            for v in (row.get(name, fixed),)
        }
        for row in params
    ]
    raw = conn.connection.driver_connection
    assert raw is not None
    try:
        with raw.cursor() as cur:
            cur.executemany(sql, rows)
    except psycopg.Error as exc:
        raise DBAPIError.instance(sql, rows, exc, psycopg.Error, dialect=conn.dialect) from exc

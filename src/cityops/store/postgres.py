"""PostgreSQL/PostGIS: psycopg 3 with a connection pool, LEAST/GREATEST, bulk load."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Table, create_engine, func, insert
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.sql.elements import ColumnElement

from cityops.store.dialect import register_backend


def psycopg_url(url: str) -> str:
    """``postgresql://`` URLs use psycopg 3 (not psycopg2)."""
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


class PostgresDialect:
    name = "postgresql"

    def make_engines(self, url: str, read_pool_size: int) -> tuple[Engine, Engine]:
        url = psycopg_url(url)
        writer = create_engine(url, pool_size=2, max_overflow=2, pool_pre_ping=True)
        reader = create_engine(
            url, pool_size=read_pool_size, max_overflow=read_pool_size, pool_pre_ping=True
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
        if returning:
            stmt = insert(table).returning(table.c.id, sort_by_parameter_order=True)
            return [r[0] for r in conn.execute(stmt, list(rows))]
        conn.execute(insert(table), list(rows))
        return []


register_backend("postgresql", PostgresDialect)

"""Copy a whole CityOps database to another one (SQLite -> PostgreSQL, or back).

The destination is brought to the schema revision of the source with the migrations and
must be empty. Tables are copied in foreign-key order, in batches streamed from the
source, inside one destination transaction: COPY on PostgreSQL, executemany on SQLite,
values encoded by the column types (UTC times, JSON, geometry) so that nothing changes
on the way. Before the commit every table's row count is compared with the source's
(a mismatch rolls everything back); on PostgreSQL the id sequences are then set past
the largest copied id. Stop the servers writing to the source while it runs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, func, select, text
from sqlalchemy.engine import Connection, Engine

from cityops.errors import Conflict
from cityops.store import migrate
from cityops.store import schema as s
from cityops.store.dialect import backend_for
from cityops.store.postgres import column_encoders, copy_rows

Progress = Callable[[str, int], None]
"""Called with (table name, rows just copied) after each batch."""


@dataclass
class TableCount:
    """Rows of one table in the source and in the destination after the copy."""

    table: str
    source: int
    copied: int


def tables() -> list[Table]:
    """Every table of the schema, parents before children."""
    return list(s.metadata.sorted_tables)


def count_rows(conn: Connection, names: Iterable[str] | None = None) -> dict[str, int]:
    """{table: row count} for the schema's tables (or those named)."""
    wanted = set(names) if names is not None else None
    return {
        t.name: int(conn.execute(select(func.count()).select_from(t)).scalar_one())
        for t in tables()
        if wanted is None or t.name in wanted
    }


def _engine(url: str) -> Engine:
    write, read = backend_for(url).make_engines(url, 1)
    read.dispose()
    return write


def _snapshot(engine: Engine) -> Connection:
    """A source connection whose reads all see one snapshot (counts match the rows)."""
    conn = engine.connect()
    if engine.dialect.name == "postgresql":
        conn = conn.execution_options(isolation_level="REPEATABLE READ")
    return conn  # SQLite: the writer engine's BEGIN IMMEDIATE holds off other writers


def _prepare_destination(src: Engine, dst: Engine) -> None:
    """Same schema revision as the source, and no rows in any table."""
    revision = migrate.current(src)
    if revision is None:
        raise Conflict("the source database has no CityOps schema")
    migrate.upgrade(dst, revision)
    with dst.connect() as conn:
        used = [name for name, n in count_rows(conn).items() if n]
    if used:
        raise Conflict(f"the destination database is not empty (table {used[0]} has rows)")


def _write_batch(
    conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    if conn.dialect.name == "postgresql":
        copy_rows(conn, table, names, rows)
        return
    encoders = column_encoders(conn, table, names)
    marks = ", ".join("?" for _ in names)
    columns = ", ".join(conn.dialect.identifier_preparer.quote(n) for n in names)
    sql = (
        f"INSERT INTO {conn.dialect.identifier_preparer.format_table(table)} ({columns}) "
        f"VALUES ({marks})"
    )
    conn.exec_driver_sql(
        sql,
        [
            tuple(
                v if enc is None or v is None else enc(v)
                for enc, v in zip(encoders, row, strict=True)
            )
            for row in rows
        ],
    )


def _copy_table(
    src: Connection, dst: Connection, table: Table, batch: int, progress: Progress | None
) -> None:
    names = [c.name for c in table.columns]
    query = select(*table.columns).order_by(*table.primary_key.columns)
    result = src.execution_options(stream_results=True, yield_per=batch).execute(query)
    for rows in result.partitions(batch):
        _write_batch(dst, table, names, [tuple(r) for r in rows])
        if progress is not None:
            progress(table.name, len(rows))


def reset_sequences(conn: Connection) -> None:
    """PostgreSQL: move every table's id sequence past its largest id."""
    for table in tables():
        if "id" not in table.c:
            continue
        seq = conn.execute(
            text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}
        ).scalar()
        if seq is not None:
            conn.execute(
                text(
                    f"SELECT setval(CAST(:seq AS regclass), COALESCE(MAX(id), 1), "
                    f"MAX(id) IS NOT NULL) FROM {table.name}"
                ),
                {"seq": seq},
            )


def copy_database(
    src_url: str,
    dst_url: str,
    *,
    batch: int = 5000,
    progress: Progress | None = None,
    on_start: Callable[[dict[str, int]], None] | None = None,
) -> list[TableCount]:
    """Copy every table from ``src_url`` to the empty ``dst_url``; the verified counts.

    ``on_start`` gets the source's row count per table before the first row moves.
    """
    src, dst = _engine(src_url), _engine(dst_url)
    try:
        _prepare_destination(src, dst)
        with _snapshot(src) as sconn, sconn.begin(), dst.connect() as dconn, dconn.begin():
            expected = count_rows(sconn)
            if on_start is not None:
                on_start(expected)
            for table in tables():
                _copy_table(sconn, dconn, table, batch, progress)
            counts = [
                TableCount(name, n, got)
                for (name, n), got in zip(
                    expected.items(), count_rows(dconn).values(), strict=False
                )
            ]
            bad = [c for c in counts if c.source != c.copied]
            if bad:
                raise Conflict(
                    f"table {bad[0].table}: {bad[0].copied} rows copied, "
                    f"{bad[0].source} in the source; nothing was kept"
                )
            if dconn.dialect.name == "postgresql":
                reset_sequences(dconn)
        return counts
    finally:
        src.dispose()
        dst.dispose()

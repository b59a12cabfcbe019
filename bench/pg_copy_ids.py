"""How PostgreSQL bulk insert gets the new ids back: three ways, measured.

1. executemany ``INSERT ... RETURNING id`` (SQLAlchemy's insertmanyvalues batches);
2. reserve ids with ``SELECT nextval(seq) FROM generate_series(1, n)``, then COPY with
   explicit ids (what ``PostgresDialect.bulk_insert`` does above ``COPY_MIN_ROWS``);
3. COPY into a temporary table, then ``INSERT ... SELECT ... ORDER BY n RETURNING id``.

Each at several batch sizes, on a fresh database, rows/s (best of 3).

    .venv/bin/python bench/pg_copy_ids.py
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.store_ingest import RAW_COLUMNS, make_world, observations, pg_database, raw_rows
from sqlalchemy import insert, text
from sqlalchemy.engine import Connection

from cityops.store import migrate
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.postgres import PostgresDialect, copy_rows

Way = Callable[[Connection, list[tuple[Any, ...]]], list[int]]


def executemany(conn: Connection, rows: list[tuple[Any, ...]]) -> list[int]:
    stmt = insert(s.observations).returning(s.observations.c.id, sort_by_parameter_order=True)
    return [
        r[0] for r in conn.execute(stmt, [dict(zip(RAW_COLUMNS, r, strict=True)) for r in rows])
    ]


def nextval_copy(conn: Connection, rows: list[tuple[Any, ...]]) -> list[int]:
    ids = PostgresDialect().reserve_ids(conn, s.observations, len(rows))
    copy_rows(
        conn,
        s.observations,
        ["id", *RAW_COLUMNS],
        [(i, *r) for i, r in zip(ids, rows, strict=True)],
    )
    return ids


def temp_copy(conn: Connection, rows: list[tuple[Any, ...]]) -> list[int]:
    conn.exec_driver_sql(
        "CREATE TEMP TABLE IF NOT EXISTS obs_in (n int, datastream_id bigint, "
        "feature_of_interest_id bigint, phenomenon_time_start timestamptz, "
        "result_number float8) ON COMMIT DELETE ROWS"
    )
    raw = conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cur, cur.copy("COPY obs_in FROM STDIN") as copy:
        for n, r in enumerate(rows):
            copy.write_row((n, *r))
    cols = ", ".join(RAW_COLUMNS)
    result = conn.exec_driver_sql(
        f"INSERT INTO observations ({cols}) SELECT {cols} FROM obs_in ORDER BY n RETURNING id"
    )
    return [r[0] for r in result]


def main() -> None:
    ways: dict[str, Way] = {
        "executemany RETURNING": executemany,
        "nextval + COPY": nextval_copy,
        "temp COPY + INSERT": temp_copy,
    }
    with pg_database() as url:
        store = Store(url, read_pool_size=1)
        migrate.upgrade(store.write_engine)
        streams, foi = store.write_sync(make_world)
        print(f"{'rows/batch':>10}" + "".join(f"{w:>24}" for w in ways))
        for size in (1, 4, 16, 64, 1000, 10000):
            line = f"{size:>10}"
            for way in ways.values():
                best = float("inf")
                reps = max(1, 3000 // size)
                for _ in range(3):
                    batches = [raw_rows(observations(streams, foi, size, 0)) for _ in range(reps)]
                    with store.write_engine.begin() as conn:
                        start = time.perf_counter()
                        for b in batches:
                            way(conn, b)
                        best = min(best, time.perf_counter() - start)
                    with store.write_engine.begin() as conn:
                        conn.execute(text("TRUNCATE observations"))
                line += f"{size * reps / best:>20,.0f} /s "
            print(line)
        store.close()


if __name__ == "__main__":
    main()

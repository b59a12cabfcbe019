"""Bulk ingest on SQLite and PostgreSQL side by side, each beside its raw limit.

For each database: the rate of ``store_observations`` (the one ingest path, in write jobs
of BATCH rows, as CreateObservations runs it) and the rate of the raw bulk load of the
same rows into the same table and indexes: ``executemany`` on SQLite, ``COPY`` on
PostgreSQL. Fresh databases each run (an SQLite file in a temporary directory, a new
PostgreSQL database on 127.0.0.1 that is dropped afterwards).

    .venv/bin/python bench/store_ingest.py [--rows 200000] [--batch 10000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import create_engine, insert, text

from cityops.auth.principal import SYSTEM
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_observations
from cityops.store import migrate
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.postgres import column_encoders, copy_rows
from cityops.store.writer import Tx

PG_ADMIN = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
T0 = datetime(2020, 1, 1, tzinfo=UTC)
STREAMS = 10


@contextmanager
def pg_database() -> Iterator[str]:
    """A fresh PostgreSQL database, dropped on exit."""
    name = f"cityops_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield PG_ADMIN.rsplit("/", 1)[0] + "/" + name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def make_world(tx: Tx) -> tuple[list[int], int]:
    """STREAMS datastreams of one Thing, and one FeatureOfInterest; their ids."""
    c = tx.conn
    thing = c.execute(
        insert(s.things).values(name="t", description="d").returning(s.things.c.id)
    ).scalar_one()
    sensor = c.execute(
        insert(s.sensors)
        .values(name="s", description="d", encoding_type="text/plain", metadata="m")
        .returning(s.sensors.c.id)
    ).scalar_one()
    prop = c.execute(
        insert(s.observed_properties)
        .values(name="p", definition="x", description="d")
        .returning(s.observed_properties.c.id)
    ).scalar_one()
    foi = c.execute(
        insert(s.features_of_interest)
        .values(
            name="f",
            description="d",
            encoding_type="application/geo+json",
            feature={"type": "Point", "coordinates": [105.8, 15.1]},
            geom="POINT (105.8 15.1)",
        )
        .returning(s.features_of_interest.c.id)
    ).scalar_one()
    streams = [
        c.execute(
            insert(s.datastreams)
            .values(
                name=f"ds{i}",
                description="d",
                unit_of_measurement={},
                observation_type="o",
                thing_id=thing,
                sensor_id=sensor,
                observed_property_id=prop,
            )
            .returning(s.datastreams.c.id)
        ).scalar_one()
        for i in range(STREAMS)
    ]
    return streams, foi


def observations(streams: list[int], foi: int, n: int, offset: int) -> list[ObservationIn]:
    return [
        ObservationIn(
            streams[i % STREAMS],
            T0 + timedelta(seconds=offset + i),
            result_number=(i % 1000) / 10,
            foi_id=foi,
        )
        for i in range(n)
    ]


def raw_rows(batch: list[ObservationIn]) -> list[tuple[Any, ...]]:
    return [(o.datastream_id, o.foi_id, o.phenomenon_start, o.result_number) for o in batch]


RAW_COLUMNS = ["datastream_id", "feature_of_interest_id", "phenomenon_time_start", "result_number"]


def raw_load(store: Store, rows: list[tuple[Any, ...]]) -> None:
    """The limit: the same rows, one statement, no ingest logic (COPY or executemany)."""
    with store.write_engine.begin() as conn:
        if store.kind == "postgresql":
            copy_rows(conn, s.observations, RAW_COLUMNS, rows)
            return
        enc = column_encoders(conn, s.observations, RAW_COLUMNS)
        conn.exec_driver_sql(
            "INSERT INTO observations (datastream_id, feature_of_interest_id, "
            "phenomenon_time_start, result_number) VALUES (?, ?, ?, ?)",
            [tuple(v if e is None else e(v) for e, v in zip(enc, r, strict=True)) for r in rows],
        )


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def run(url: str, n: int, batch: int) -> tuple[float, float]:
    """(ingest rate, raw rate) in observations per second."""
    store = Store(url, read_pool_size=1)
    migrate.upgrade(store.write_engine)
    streams, foi = store.write_sync(make_world)
    chunks = [observations(streams, foi, batch, k * batch) for k in range(n // batch)]
    ingest = timed(
        lambda: [
            store.write_sync(lambda tx, c=c: store_observations(tx, c, SYSTEM)) for c in chunks
        ]
    )
    raw = [raw_rows(observations(streams, foi, batch, n + k * batch)) for k in range(n // batch)]
    limit = timed(lambda: [raw_load(store, r) for r in raw])
    store.close()
    return n / ingest, n / limit


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--batch", type=int, default=10_000)
    args = parser.parse_args()
    print(f"{args.rows} observations in write jobs of {args.batch}, {STREAMS} datastreams")
    with tempfile.TemporaryDirectory() as tmp:
        sq = run(f"sqlite:///{tmp}/bench.db", args.rows, args.batch)
    with pg_database() as url:
        pg = run(url, args.rows, args.batch)
    print(f"{'database':<12}{'store_observations':>20}{'raw limit':>14}{'ratio':>8}")
    for name, (ingest, raw), how in (("SQLite", sq, "executemany"), ("PostgreSQL", pg, "COPY")):
        print(
            f"{name:<12}{ingest:>15,.0f} /s  {raw:>9,.0f} /s  {ingest / raw:>6.0%}  (raw = {how})"
        )


if __name__ == "__main__":
    main()

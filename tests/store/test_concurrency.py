"""Several writer processes, each with its own Store and group-commit writer, post
observations to the same datastreams at once, out of time order. Afterwards every
Datastream's derived times and latest observation must equal what its observations say:
no update lost, no job failed (a deadlock between writers would fail one)."""

from __future__ import annotations

import multiprocessing
import random
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select

from cityops.auth.principal import SYSTEM
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_observations
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx

T0 = datetime(2024, 9, 1, tzinfo=UTC)
PROCESSES, THREADS = 3, 4


def _world(tx: Tx, n_streams: int) -> list[int]:
    conn = tx.conn
    thing = conn.execute(
        insert(s.things).values(name="t", description="d").returning(s.things.c.id)
    ).scalar_one()
    loc = conn.execute(
        insert(s.locations)
        .values(
            name="l",
            description="d",
            encoding_type="application/geo+json",
            location={"type": "Point", "coordinates": [105.8, 15.1]},
            geom="POINT (105.8 15.1)",
            bbox_minx=105.8,
            bbox_miny=15.1,
            bbox_maxx=105.8,
            bbox_maxy=15.1,
        )
        .returning(s.locations.c.id)
    ).scalar_one()
    conn.execute(insert(s.thing_locations).values(thing_id=thing, location_id=loc))
    sensor = conn.execute(
        insert(s.sensors)
        .values(name="s", description="d", encoding_type="text/plain", metadata="m")
        .returning(s.sensors.c.id)
    ).scalar_one()
    prop = conn.execute(
        insert(s.observed_properties)
        .values(name="p", definition="x", description="d")
        .returning(s.observed_properties.c.id)
    ).scalar_one()
    streams = []
    for i in range(n_streams):
        streams.append(
            int(
                conn.execute(
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
            )
        )
    # one observation first, so that the FeatureOfInterest exists before the race
    store_observations(tx, [ObservationIn(streams[0], T0)], SYSTEM)
    return streams


def _batch(rng: random.Random, streams: list[int]) -> list[ObservationIn]:
    """1-40 observations over several datastreams, times in random order (some equal)."""
    out = []
    for _ in range(rng.choice([1, 1, 3, 40])):
        start = T0 + timedelta(minutes=rng.randrange(-5000, 5000))
        end = start + timedelta(minutes=rng.randrange(0, 90)) if rng.random() < 0.2 else None
        result_time = start + timedelta(seconds=rng.randrange(0, 600))
        out.append(
            ObservationIn(
                rng.choice(streams), start, end, result_number=rng.random(), result_time=result_time
            )
        )
    return out


def writer_process(url: str, streams: list[int], seed: int, jobs: int) -> tuple[int, list[str]]:
    """Post ``jobs`` batches from THREADS threads through one Store; (stored, errors)."""
    store = Store(url, read_pool_size=1)
    rng = random.Random(seed)
    batches = [_batch(rng, streams) for _ in range(jobs)]

    def post(batch: list[ObservationIn]) -> int:
        return len(store.write_sync(lambda tx: store_observations(tx, batch, SYSTEM)))

    errors: list[str] = []
    stored = 0
    with ThreadPoolExecutor(THREADS) as pool:
        for fut in [pool.submit(post, b) for b in batches]:
            try:
                stored += fut.result()
            except Exception as exc:  # reported, and the test fails on it
                errors.append(repr(exc))
    store.close()
    return stored, errors


def _truth(conn: Any, ds_id: int) -> dict[str, Any]:
    o = s.observations
    agg = conn.execute(
        select(
            func.min(o.c.phenomenon_time_start),
            func.max(func.coalesce(o.c.phenomenon_time_end, o.c.phenomenon_time_start)),
            func.min(o.c.result_time),
            func.max(o.c.result_time),
        ).where(o.c.datastream_id == ds_id)
    ).one()
    latest = conn.execute(
        select(o.c.id, o.c.phenomenon_time_start, o.c.result_number)
        .where(o.c.datastream_id == ds_id)
        .order_by(o.c.phenomenon_time_start.desc(), o.c.id.desc())
        .limit(1)
    ).one()
    return {
        "phenomenon_time_start": agg[0],
        "phenomenon_time_end": agg[1],
        "result_time_start": agg[2],
        "result_time_end": agg[3],
        "last_observation_id": latest.id,
        "last_phenomenon_time": latest[1],
        "last_result": latest.result_number,
    }


def test_concurrent_writers_lose_no_update(store: Store, db_url: str) -> None:
    streams = store.write_sync(lambda tx: _world(tx, 5))
    jobs = 120 if store.kind == "postgresql" else 40
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(PROCESSES) as pool:
        results = pool.starmap(
            writer_process, [(db_url, streams, seed, jobs) for seed in range(PROCESSES)]
        )
    errors = [e for _, errs in results for e in errs]
    assert errors == []
    stored = sum(n for n, _ in results)
    with store.read() as conn:
        count = conn.execute(select(func.count()).select_from(s.observations)).scalar_one()
        assert count == stored + 1
        for ds_id in streams:
            row = conn.execute(select(s.datastreams).where(s.datastreams.c.id == ds_id)).one()
            want = _truth(conn, ds_id)
            assert {k: row._mapping[k] for k in want} == want, ds_id

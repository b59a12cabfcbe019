"""The bulk insert hook on both databases: COPY (PostgreSQL) stores what INSERT stores."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from sqlalchemy import insert, select

from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Tx

ICT = timezone(timedelta(hours=7))


def _world(tx: Tx) -> tuple[int, int]:
    conn = tx.conn
    thing = conn.execute(
        insert(s.things).values(name="t", description="d").returning(s.things.c.id)
    ).scalar_one()
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
    ds = conn.execute(
        insert(s.datastreams)
        .values(
            name="ds",
            description="d",
            unit_of_measurement={"symbol": "m"},
            observation_type="o",
            thing_id=thing,
            sensor_id=sensor,
            observed_property_id=prop,
        )
        .returning(s.datastreams.c.id)
    ).scalar_one()
    foi = conn.execute(
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
    return int(ds), int(foi)


def _rows(ds: int, foi: int, n: int) -> list[dict[str, Any]]:
    t0 = datetime(2024, 8, 1, 7, 0, tzinfo=ICT)
    rows = []
    for i in range(n):
        rows.append(
            {
                "datastream_id": ds,
                "feature_of_interest_id": foi,
                "phenomenon_time_start": t0 + timedelta(minutes=i),
                "phenomenon_time_end": None if i % 2 else t0 + timedelta(minutes=i, seconds=30),
                "result_time": None,
                "result_number": None if i % 3 == 0 else i / 4,
                "result_json": {"text": 'é "quoted"\ttab\\', "n": [i]} if i % 3 == 0 else None,
                "result_quality": None,
                "valid_time_start": None,
                "valid_time_end": None,
                "parameters": {"line": "a\nb"} if i == 1 else None,
            }
        )
    return rows


@pytest.mark.parametrize("n", [3, 100])  # below and above the COPY threshold
def test_bulk_insert_round_trip(store: Store, n: int) -> None:
    def job(tx: Tx) -> list[int]:
        ds, foi = _world(tx)
        return tx.dialect.bulk_insert(tx.conn, s.observations, _rows(ds, foi, n), returning=True)

    ids = store.write_sync(job)
    assert len(ids) == n and ids == sorted(ids) and len(set(ids)) == n
    o = s.observations
    with store.read() as conn:
        got = {r.id: r for r in conn.execute(select(o))}
        ds, foi = conn.execute(select(o.c.datastream_id, o.c.feature_of_interest_id)).first()
    for new_id, want in zip(ids, _rows(ds, foi, n), strict=True):
        row = got[new_id]._mapping
        for key, value in want.items():
            assert row[key] == value, (key, row[key], value)
    # later plain inserts take fresh ids (the sequence moved past the reserved ones)
    more = store.write_sync(
        lambda tx: tx.dialect.bulk_insert(
            tx.conn, s.observations, _rows(ds, foi, 1), returning=True
        )
    )
    assert more[0] > max(ids)


def test_bulk_insert_without_ids(store: Store) -> None:
    rows = [{"source": "mqtt", "key": f"k{i}", "observation_id": i} for i in range(100)]
    assert (
        store.write_sync(
            lambda tx: tx.dialect.bulk_insert(tx.conn, s.ingest_receipts, rows, returning=False)
        )
        == []
    )
    with store.read() as conn:
        keys = {r.key for r in conn.execute(select(s.ingest_receipts.c.key))}
    assert keys == {f"k{i}" for i in range(100)}


def test_copy_rolls_back_with_its_savepoint(store: Store) -> None:
    ds_foi = store.write_sync(_world)

    def failing(tx: Tx) -> None:
        tx.dialect.bulk_insert(tx.conn, s.observations, _rows(*ds_foi, 100), returning=True)
        raise RuntimeError("job fails after its COPY")

    with pytest.raises(RuntimeError):
        store.write_sync(failing)
    with store.read() as conn:
        assert conn.execute(select(s.observations.c.id)).first() is None


def test_copy_geometry_and_json(store: Store) -> None:
    if store.kind != "postgresql":
        pytest.skip("COPY is the PostgreSQL path")
    from cityops.store.postgres import copy_rows

    f = s.features_of_interest
    names = ["id", "name", "description", "encoding_type", "feature", "geom"]
    rows = [
        (7, "f", "d", "application/geo+json", {"type": "Point"}, "POINT (1 2)"),
        (8, "g", "d", "application/geo+json", {"a": None}, None),
    ]
    store.write_sync(lambda tx: copy_rows(tx.conn, f, names, rows))
    with store.read() as conn:
        got = {r.id: r for r in conn.execute(select(f.c.id, f.c.feature, f.c.geom))}
    assert got[7].geom == "POINT(1 2)" and got[7].feature == {"type": "Point"}
    assert got[8].geom is None and got[8].feature == {"a": None}

"""SQLite's raw DB-API statements (store/sqlite.py ``run_many``, ``bulk_insert``) against
the SQLAlchemy path they replace: the same rows, the same errors.

On PostgreSQL the dialect has no ``run_many`` and both sides are SQLAlchemy's; the test
still runs there so that the two databases keep answering alike.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from cityops.ingest.derived import DatastreamDelta
from cityops.store import schema as s
from tests.api.sta_fixtures import admin_headers, make_world

T0 = datetime(2024, 9, 1, tzinfo=UTC)
DERIVED = [
    "phenomenon_time_start",
    "phenomenon_time_end",
    "result_time_start",
    "result_time_end",
    "last_observation_id",
    "last_phenomenon_time",
    "last_result",
    "bbox_minx",
    "bbox_miny",
    "bbox_maxx",
    "bbox_maxy",
]


class _SQLAlchemyOnly:
    """The store's dialect without its raw ``run_many``: the general path."""

    def __init__(self, dialect: Any) -> None:
        self.name, self.least, self.greatest = dialect.name, dialect.least, dialect.greatest


def _delta(hours: float, ident: int, **kw: Any) -> DatastreamDelta:
    t = T0 + timedelta(hours=hours)
    fields: dict[str, Any] = {
        "ds_id": 0,
        "phenomenon_start": t,
        "phenomenon_end": t,
        "latest_time": t,
        "latest_id": ident,
        "latest_result": float(ident),
    }
    return DatastreamDelta(**(fields | kw))


# One batch per entry: first values, later, earlier, a tie broken by id, result times,
# an interval, a NULL result, observed areas growing and a batch of several deltas.
BATCHES: list[list[DatastreamDelta]] = [
    [_delta(0, 10)],
    [_delta(5, 11, bbox=(105.0, 15.0, 105.0, 15.0))],
    [_delta(-3, 12, result_start=T0, result_end=T0 + timedelta(hours=1))],
    [_delta(5, 13, latest_result=None)],
    [_delta(5, 9)],
    [_delta(1, 14, phenomenon_end=T0 + timedelta(days=2), bbox=(104.5, 14.0, 105.5, 16.0))],
    [_delta(7, 15, result_start=T0 - timedelta(days=1)), _delta(8, 16, result_end=T0)],
]


def _derived(store: Any, ds_id: int) -> dict[str, Any]:
    ds = s.datastreams
    with store.read() as conn:
        row = conn.execute(select(ds).where(ds.c.id == ds_id)).mappings().one()
    return {k: row[k] for k in DERIVED}


async def test_datastream_updates_equal_sqlalchemys(client, store):
    h = admin_headers(store)
    fast_ds = (await make_world(client, h))["datastream"]
    general_ds = (await make_world(client, h))["datastream"]
    plain = _SQLAlchemyOnly(store.dialect)
    for batch in BATCHES:
        mine = [replace(d, ds_id=fast_ds) for d in batch]
        theirs = [replace(d, ds_id=general_ds) for d in batch]
        store.write_sync(lambda tx, m=mine: DatastreamDelta.flush_many(tx.conn, store.dialect, m))
        store.write_sync(lambda tx, t=theirs: DatastreamDelta.flush_many(tx.conn, plain, t))
        assert _derived(store, fast_ds) == _derived(store, general_ds)
    assert _derived(store, fast_ds)["last_observation_id"] == 16


def _obs(ds_id: int, foi: int, i: int) -> dict[str, Any]:
    t = T0 + timedelta(minutes=i)
    return {
        "datastream_id": ds_id,
        "feature_of_interest_id": foi,
        "phenomenon_time_start": t,
        "phenomenon_time_end": None,
        "result_time": t if i % 2 else None,
        "result_number": i / 10,
        "result_json": None if i % 3 else {"i": i},
        "result_quality": None,
        "valid_time_start": None,
        "valid_time_end": None,
        "parameters": {"n": i} if i % 4 == 0 else None,
    }


@pytest.mark.parametrize("n", [1, 7])
async def test_bulk_insert_stores_what_sqlalchemy_stores(client, store, n):
    h = admin_headers(store)
    ds_id = (await make_world(client, h))["datastream"]
    foi = store.write_sync(
        lambda tx: tx.conn.execute(
            insert(s.features_of_interest)
            .values(
                name="f",
                description="f",
                encoding_type="application/geo+json",
                feature={"type": "Point", "coordinates": [1, 2]},
            )
            .returning(s.features_of_interest.c.id)
        ).scalar_one()
    )
    rows = [_obs(ds_id, foi, i) for i in range(n)]
    fast_ids = store.write_sync(
        lambda tx: store.dialect.bulk_insert(tx.conn, s.observations, rows, returning=True)
    )
    general_ids = store.write_sync(
        lambda tx: [
            tx.conn.execute(insert(s.observations).returning(s.observations.c.id), r).scalar_one()
            for r in rows
        ]
    )
    assert len(fast_ids) == len(general_ids) == n
    o = s.observations
    with store.read() as conn:

        def stored(ids: list[int]) -> list[dict[str, Any]]:
            got = conn.execute(select(o).where(o.c.id.in_(ids)).order_by(o.c.id)).mappings()
            return [{k: v for k, v in r.items() if k != "id"} for r in got]

        assert stored(fast_ids) == stored(general_ids)
        assert [r["result_number"] for r in stored(fast_ids)] == [i / 10 for i in range(n)]


async def test_bulk_insert_errors_are_sqlalchemys(client, store):
    h = admin_headers(store)
    ds_id = (await make_world(client, h))["datastream"]
    bad = [_obs(ds_id, 999999, 0)]  # no such FeatureOfInterest: a foreign key error
    for rows in (bad, bad * 3):
        with pytest.raises(IntegrityError):
            store.write_sync(
                lambda tx, r=rows: store.dialect.bulk_insert(
                    tx.conn, s.observations, r, returning=True
                )
            )


def _audit(i: int) -> dict[str, Any]:
    return {
        "time": T0 + timedelta(seconds=i),
        "actor": f"user{i}",
        "user_id": None,
        "token_id": None,
        "org_id": None,
        "subject_org_id": None,
        "action": "create",
        "entity": "Observation",
        "entity_id": str(i) if i % 2 else None,
        "detail": {"count": i, "path": "x"} if i % 3 else None,
        "remote_addr": "127.0.0.1" if i % 2 else None,
    }


@pytest.mark.parametrize("n", [1, 5])
def test_insert_without_returning_stores_what_sqlalchemy_stores(store, n):
    a = s.audit_log
    mine = [dict(_audit(i), action="mine") for i in range(n)]
    theirs = [dict(_audit(i), action="theirs") for i in range(n)]
    store.write_sync(lambda tx: store.dialect.bulk_insert(tx.conn, a, mine, returning=False))
    store.write_sync(lambda tx: tx.conn.execute(insert(a), theirs))
    with store.read() as conn:

        def stored(action: str) -> list[dict[str, Any]]:
            q = select(a).where(a.c.action == action).order_by(a.c.id)
            return [
                {k: v for k, v in r.items() if k not in ("id", "action")}
                for r in conn.execute(q).mappings()
            ]

        assert stored("mine") == stored("theirs")
        assert len(stored("mine")) == n

"""Observation rows left to the flush before the commit (PostgreSQL: ids reserved ahead,
one INSERT per group commit; ingest/write.py ``_insert``) behave as immediate inserts:
the same rows, the same ids in the answers, and a commit whose flush fails (a later job
deleted the Datastream) is run again job by job, so that each job keeps its own outcome.
Only callers whose job reads none of the rows back ask for it (``defer=True``: the STA
POST and CreateObservations); others see their rows at once. On SQLite nothing is
deferred; the tests hold there too."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select

from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_batch
from cityops.sta.delete import delete_entity
from cityops.store import schema as s
from cityops.store.writer import GroupCommitWriter, Tx
from tests.api.sta_fixtures import admin_headers, make_world

T = datetime(2024, 9, 1, tzinfo=UTC)


def _observe(ds: int, value: float) -> Any:
    def job(tx: Tx) -> int:
        obs = [ObservationIn(ds, T, result_number=value)]
        return store_batch(tx, obs, SYSTEM, defer=True).ids[0]

    return job


def _batch(store: Any, jobs: list[Any]) -> list[Any]:
    """Run ``jobs`` in one group commit (the writer held until all are queued)."""
    gate = threading.Event()
    first = store.writer.submit(lambda tx: gate.wait(10))
    futures = [store.writer.submit(job) for job in jobs]
    gate.set()
    first.result(10)
    return [f.result(10) for f in futures]


def _values(store: Any, ds: int) -> list[tuple[int, float]]:
    o = s.observations
    with store.read() as conn:
        q = select(o.c.id, o.c.result_number).where(o.c.datastream_id == ds).order_by(o.c.id)
        return [(r.id, r.result_number) for r in conn.execute(q)]


async def test_rows_of_a_group_commit_are_stored_with_their_answered_ids(client, store):
    ds = (await make_world(client, admin_headers(store)))["datastream"]
    ids = _batch(store, [_observe(ds, float(i)) for i in range(5)])
    assert ids == sorted(ids) and len(set(ids)) == 5
    assert _values(store, ds) == [(i, float(n)) for n, i in enumerate(ids)]
    with store.read() as conn:
        latest = conn.execute(
            select(s.datastreams.c.last_observation_id).where(s.datastreams.c.id == ds)
        ).scalar_one()
    assert latest == ids[-1]  # same time: the greatest id is the latest


async def test_a_flush_that_fails_is_run_again_job_by_job(client, store, monkeypatch):
    attempts: list[bool] = []
    real = GroupCommitWriter._attempt

    def attempt(self: Any, conn: Any, batch: Any, savepoints: bool) -> Any:
        attempts.append(savepoints)
        return real(self, conn, batch, savepoints)

    monkeypatch.setattr(GroupCommitWriter, "_attempt", attempt)
    h = admin_headers(store)
    doomed = (await make_world(client, h))["datastream"]
    kept = (await make_world(client, h))["datastream"]

    def drop(tx: Tx) -> str:
        delete_entity(tx, BY_NAME["Datastream"], doomed, SYSTEM)
        return "deleted"

    first, deleted, other = _batch(store, [_observe(doomed, 1.0), drop, _observe(kept, 2.0)])
    assert deleted == "deleted" and isinstance(first, int)
    assert _values(store, doomed) == []  # stored, then deleted with its Datastream
    assert _values(store, kept) == [(other, 2.0)]
    deferring = getattr(store.dialect, "defers_inserts", False)
    assert attempts[-2:] == ([False, True] if deferring else [False, False])


async def test_a_job_that_did_not_ask_sees_its_rows_at_once(client, store):
    ds = (await make_world(client, admin_headers(store)))["datastream"]

    def job(tx: Tx) -> int:
        ident = store_batch(tx, [ObservationIn(ds, T, result_number=1.0)], SYSTEM).ids[0]
        o = s.observations
        return int(tx.conn.execute(select(o.c.id).where(o.c.id == ident)).scalar_one())

    first, second = _batch(store, [job, job])
    assert first != second

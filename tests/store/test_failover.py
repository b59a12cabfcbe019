"""Failover: a streaming standby promoted while ingest runs loses no acknowledged observation.

A real primary and synchronous standby (tests/store/pgpair.py: ``synchronous_commit =
remote_apply``, ``synchronous_standby_names`` naming the standby) on loopback ports. A
CityOps app writes through a URL naming both servers with ``target_session_attrs =
read-write`` and reads GETs from the standby (``database_read_url``). Four clients post
observations; the primary is killed (immediate stop, as a crash) and the standby promoted
while they do. Then every observation CityOps answered 201 for is on the promoted
standby with its value, and ingest goes on through the same app: the nodes reconnect to
the new primary by themselves.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from cityops.app import create_app
from cityops.settings import Settings
from cityops.store import migrate
from cityops.store.base import Store
from tests.helpers import bearer, make_user_token
from tests.store.pgpair import PgPair
from tests.store.test_partitions import seed_world

CLIENTS = 4


@pytest.fixture
def pair() -> Iterator[PgPair]:
    started = PgPair().start()
    try:
        yield started
    finally:
        started.stop()


async def _until(check: Any, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


async def test_promoted_standby_has_every_acknowledged_observation(pair: PgPair) -> None:
    engine = create_engine(pair.primary_url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        seed_world(conn)
    engine.dispose()
    store = Store(pair.failover_url, read_pool_size=4, read_url=pair.standby_url)
    admin = bearer(make_user_token(store, "adm", "admin"))
    settings = Settings(
        database_url=pair.failover_url,
        database_read_url=pair.standby_url,
        allowed_hosts="test",
        anonymous_rate_per_min=100000,
        statement_timeout=5,
    )
    app = create_app(settings, store, upgrade=False)
    acked: dict[int, float] = {}
    refused = 0
    stop = asyncio.Event()

    async def client(c: httpx.AsyncClient, k: int) -> None:
        nonlocal refused
        i = 0
        while not stop.is_set():
            value = k * 1_000_000 + i
            body = {
                "result": value,
                "phenomenonTime": f"2026-03-01T00:{k:02d}:00Z",
                "FeatureOfInterest": {"@iot.id": 1},
            }
            try:
                r = await c.post("/v1.1/Datastreams(1)/Observations", json=body, headers=admin)
            except Exception:  # noqa: BLE001 - a failed request is simply not acknowledged
                r = None
            if r is not None and r.status_code == 201:
                acked[int(r.headers["location"].rsplit("(", 1)[1].rstrip(")"))] = value
                i += 1
            else:
                if r is not None and r.status_code < 500:
                    raise AssertionError(f"refused: {r.status_code} {r.text}")
                refused += 1
                await asyncio.sleep(0.05)

    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                tasks = [asyncio.create_task(client(c, k)) for k in range(CLIENTS)]
                await _until(lambda: len(acked) >= 200, 30, "200 acknowledged observations")
                # GETs read the synchronous standby: it has applied every acknowledged write.
                seen = len(acked)
                r = await c.get("/v1.1/Datastreams(1)/Observations?$count=true&$top=1")
                assert r.json()["@iot.count"] >= seen

                await asyncio.to_thread(pair.kill_primary)
                at_kill = len(acked)
                await asyncio.sleep(0.3)  # ingest fails meanwhile (nothing is acknowledged)
                await asyncio.to_thread(pair.promote)
                await _until(lambda: len(acked) >= at_kill + 200, 30, "ingest after promotion")
                stop.set()
                await asyncio.gather(*tasks)
    finally:
        store.close()

    assert refused > 0  # the outage was real
    promoted = create_engine(pair.standby_url)
    try:
        with promoted.connect() as conn:
            assert conn.execute(text("SELECT pg_is_in_recovery()")).scalar() is False
            stored = dict(conn.execute(text("SELECT id, result_number FROM observations")).all())
    finally:
        promoted.dispose()
    lost = {i: v for i, v in acked.items() if stored.get(i) != v}
    assert not lost, f"{len(lost)} acknowledged observations lost, e.g. {list(lost)[:5]}"

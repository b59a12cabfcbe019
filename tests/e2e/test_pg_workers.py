"""End to end on PostgreSQL: `cityops serve --workers 2` as a real process, 32 concurrent
HTTP clients posting out-of-order observations to shared datastreams. Every POST gets its
201, both workers served, and each Datastream's phenomenonTime and latest observation
match its observations (no lost updates between the worker processes)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import create_engine, select, text

from cityops.datamodel.values import parse_interval
from cityops.store import schema as s
from tests.conftest import _drop_pg, _pg_database, require_service
from tests.e2e.conftest import Server, cli

pytestmark = pytest.mark.e2e

T0 = datetime(2024, 9, 1, tzinfo=UTC)
CLIENTS, POSTS = 32, 600


@pytest.fixture
def pg_server() -> Iterator[tuple[Server, str, str]]:
    """A 2-worker server on a fresh PostgreSQL database, an admin token, the URL."""
    url = _pg_database()
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert url is not None
    try:
        cli("db", "upgrade", "-d", url)
        cli(
            "user", "add", "e2e-admin", "--role", "admin", "-d", url,
            env={"CITYOPS_PASSWORD": "tide-gauge-e2e-4417"},
        )  # fmt: skip
        token = cli("token", "create", "--user", "e2e-admin", "-d", url).split(": ", 1)[1]
        server = Server.__new__(Server)
        try:  # stop the process even when it never became healthy
            server.__init__(url, args=("--workers", "2"))  # type: ignore[misc]
            yield server, token.strip(), url
        finally:
            if hasattr(server, "proc"):
                server.stop()
    finally:
        _drop_pg(url)


async def _world(client: httpx.AsyncClient, n_streams: int) -> list[int]:
    thing = {
        "name": "Pakse",
        "description": "gauge",
        "Locations": [
            {
                "name": "Pakse",
                "description": "site",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [105.8, 15.1]},
            }
        ],
    }
    r = await client.post("/v1.1/Things", json=thing)
    assert r.status_code == 201, r.text
    thing_id = r.json()["@iot.id"]
    streams = []
    for i in range(n_streams):
        r = await client.post(
            "/v1.1/Datastreams",
            json={
                "name": f"WL{i}",
                "description": "stage",
                "observationType": "OM_Measurement",
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
                "Thing": {"@iot.id": thing_id},
                "Sensor": {
                    "name": f"s{i}",
                    "description": "d",
                    "encodingType": "text/plain",
                    "metadata": "none",
                },
                "ObservedProperty": {"name": f"p{i}", "definition": "x", "description": "d"},
            },
        )
        assert r.status_code == 201, r.text
        streams.append(r.json()["@iot.id"])
    return streams


async def _post_all(client: httpx.AsyncClient, streams: list[int]) -> list[tuple[int, datetime]]:
    rng = random.Random(7)
    todo = [
        (rng.choice(streams), T0 + timedelta(minutes=rng.randrange(-9000, 9000)))
        for _ in range(POSTS)
    ]
    queue: asyncio.Queue[tuple[int, datetime]] = asyncio.Queue()
    for item in todo:
        queue.put_nowait(item)
    statuses: list[int] = []

    async def worker() -> None:
        while not queue.empty():
            ds, t = queue.get_nowait()
            r = await client.post(
                f"/v1.1/Datastreams({ds})/Observations",
                json={"phenomenonTime": t.isoformat(), "result": 1.5},
            )
            statuses.append(r.status_code)

    await asyncio.gather(*(worker() for _ in range(CLIENTS)))
    assert statuses == [201] * POSTS
    return todo


async def _drive(server: Server, token: str) -> tuple[list[int], list[tuple[int, datetime]]]:
    headers = {"Authorization": f"Bearer {token}"}
    limits = httpx.Limits(max_connections=CLIENTS)
    async with httpx.AsyncClient(
        base_url=server.url, headers=headers, limits=limits, timeout=60
    ) as client:
        streams = await _world(client, 4)
        todo = await _post_all(client, streams)
        for ds in streams:
            times = [t for d, t in todo if d == ds]
            r = await client.get(f"/v1.1/Datastreams({ds})")
            start, end = parse_interval(r.json()["phenomenonTime"], "phenomenonTime")
            assert (start, end) == (min(times), max(times))
    return streams, todo


def test_two_workers_share_postgresql(pg_server: tuple[Server, str, str]) -> None:
    server, token, url = pg_server
    streams, todo = asyncio.run(_drive(server, token))
    engine = create_engine(url)
    o, d = s.observations, s.datastreams
    with engine.connect() as conn:
        workers = conn.execute(
            text(
                "SELECT count(DISTINCT application_name) FROM pg_stat_activity "
                "WHERE datname = current_database() AND application_name LIKE 'cityops-%'"
            )
        ).scalar_one()
        for ds in streams:
            latest = conn.execute(
                select(o.c.id, o.c.phenomenon_time_start)
                .where(o.c.datastream_id == ds)
                .order_by(o.c.phenomenon_time_start.desc(), o.c.id.desc())
                .limit(1)
            ).one()
            row = conn.execute(
                select(d.c.last_observation_id, d.c.last_phenomenon_time).where(d.c.id == ds)
            ).one()
            assert tuple(row) == tuple(latest)
            assert latest[1] == max(t for s_, t in todo if s_ == ds)
    engine.dispose()
    assert workers >= 2  # both worker processes hold connections

"""Ingest through the log in one process, on a real NATS JetStream cluster and PostgreSQL:
the 201 carries the reserved id and the row follows; what the client must be told is
answered before anything is published; a redelivered message is stored once; a write
that can no longer be stored is dropped and terminated, not retried for ever."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, select

from cityops.app import create_app
from cityops.auth.principal import Principal, Role
from cityops.cluster.codec import decode
from cityops.cluster.ingest import DURABLE, STREAM, SUBJECT, IngestLog, _Job, _store_job
from cityops.datamodel.observation import ObservationIn
from cityops.events.nats import connect
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.base import Store
from tests.api.sta_fixtures import THING, admin_headers, datastream_body, make_world
from tests.cluster.natscluster import NatsCluster
from tests.conftest import _truncate, require_service
from tests.helpers import bearer, make_device_token

ADMIN = Principal(Role.ADMIN, "root")


@pytest.fixture
def pg_store(pg_url: str | None) -> Iterator[Store]:
    require_service(pg_url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert pg_url is not None
    store = Store(pg_url, read_pool_size=4)
    _truncate(store)
    yield store
    store.close()


def _settings(store: Store, events_url: str | None) -> Settings:
    return Settings(  # type: ignore[call-arg]
        database_url=str(store.write_engine.url.render_as_string(hide_password=False)),
        events_url=events_url,
        anonymous_rate_per_min=100000,
        allowed_hosts="test",
    )


async def _client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.fixture
async def clustered(
    pg_store: Store, nats_cluster: NatsCluster
) -> AsyncIterator[tuple[httpx.AsyncClient, Any]]:
    app = create_app(_settings(pg_store, nats_cluster.urls), pg_store, upgrade=False)
    async for client in _client(app):
        yield client, app


async def _wait_row(client: httpx.AsyncClient, headers: dict[str, str], obs_id: int) -> Any:
    for _ in range(200):
        r = await client.get(f"/v1.1/Observations({obs_id})", headers=headers)
        if r.status_code == 200:
            return r.json()
        await asyncio.sleep(0.05)
    raise AssertionError(f"Observation {obs_id} was not stored")


async def test_a_post_answers_201_with_its_id_and_the_row_follows(
    clustered: tuple[httpx.AsyncClient, Any], pg_store: Store
) -> None:
    client, app = clustered
    # made right after the NATS cluster came up: three replicas all the same
    assert app.state.ctx.services["ingest_log"].replicas == 3
    admin = admin_headers(pg_store)
    world = await make_world(client, admin)
    body = {"result": 4.25, "phenomenonTime": "2025-09-01T07:00:00+07:00"}
    r = await client.post(
        f"/v1.1/Datastreams({world['datastream']})/Observations", json=body, headers=admin
    )
    assert r.status_code == 201, r.text
    new_id = r.json()["@iot.id"]
    assert r.headers["Location"].endswith(f"/Observations({new_id})")
    row = await _wait_row(client, admin, new_id)
    assert row["result"] == 4.25
    assert row["phenomenonTime"] == "2025-09-01T00:00:00Z"
    r = await client.post(
        "/v1.1/CreateObservations",
        json=[
            {
                "Datastream": {"@iot.id": world["datastream"]},
                "components": ["phenomenonTime", "result"],
                "dataArray": [["2025-09-01T01:00:00Z", 1], ["not a time", 2]],
            }
        ],
        headers=admin,
    )
    assert r.status_code == 201, r.text
    link, error = r.json()
    assert error == "error"
    await _wait_row(client, admin, int(link.rsplit("(", 1)[1].rstrip(")")))
    with pg_store.read() as conn:
        a = s.audit_log.c
        audited = conn.execute(
            select(a.entity_id, a.detail).where(a.entity == "Observation", a.action == "create")
        ).all()
    assert str(new_id) in {row.entity_id for row in audited}
    assert any((row.detail or {}).get("path") == "CreateObservations" for row in audited)


async def test_refusals_are_answered_before_anything_is_published(
    clustered: tuple[httpx.AsyncClient, Any], pg_store: Store
) -> None:
    client, app = clustered
    admin = admin_headers(pg_store)
    world = await make_world(client, admin)
    r = await client.post("/v1.1/Things", json=THING, headers=admin)
    other_thing = r.json()["@iot.id"]
    r = await client.post("/v1.1/Datastreams", json=datastream_body(other_thing), headers=admin)
    other_stream = r.json()["@iot.id"]
    device = bearer(make_device_token(pg_store, world["thing"]))
    obs = {"result": 1}
    cases = [
        ("/v1.1/Observations", {**obs, "Datastream": {"@iot.id": 999999}}, admin, 400),
        (f"/v1.1/Datastreams({world['datastream']})/Observations", obs, {}, 401),
        (f"/v1.1/Datastreams({other_stream})/Observations", obs, device, 403),
        (f"/v1.1/Datastreams({world['datastream']})/Observations", {"x": 1}, admin, 400),
        (
            f"/v1.1/Datastreams({world['datastream']})/Observations",
            {**obs, "FeatureOfInterest": {"@iot.id": 999999}},
            admin,
            400,
        ),
    ]
    for path, body, headers, code in cases:
        r = await client.post(path, json=body, headers=headers)
        assert r.status_code == code, (path, body, r.text)
    assert app.state.ctx.services["ingest_log"].stats.accepted == 0
    r = await client.post(
        f"/v1.1/Datastreams({world['datastream']})/Observations", json=obs, headers=device
    )
    assert r.status_code == 201, r.text  # the device's own datastream


@pytest.fixture
async def log_only(
    pg_store: Store, nats_cluster: NatsCluster
) -> AsyncIterator[tuple[IngestLog, dict[str, int]]]:
    """A world made on the direct path, and an IngestLog whose consumer the test drives."""
    app = create_app(_settings(pg_store, None), pg_store, upgrade=False)
    async for client in _client(app):
        world = await make_world(client, admin_headers(pg_store))
    nc = await connect(nats_cluster.urls)
    ingest_log = IngestLog(pg_store, nc)
    await ingest_log.start(consume=False)
    yield ingest_log, world
    await nc.close()


async def _fetch(ingest_log: IngestLog) -> list[Any]:
    sub = await ingest_log.js.pull_subscribe(f"{SUBJECT}.>", durable=DURABLE, stream=STREAM)
    return list(await sub.fetch(10, timeout=5))


def _count(store: Store, stream: int) -> int:
    with store.read() as conn:
        o = s.observations.c
        q = select(func.count()).where(o.datastream_id == stream)
        return int(conn.execute(q).scalar_one())


async def test_a_redelivered_message_is_stored_once(
    log_only: tuple[IngestLog, dict[str, int]], pg_store: Store
) -> None:
    ingest_log, world = log_only
    obs = ObservationIn(world["datastream"], datetime(2025, 9, 1, tzinfo=UTC), result_number=2.0)
    (new_id,) = await ingest_log.accept("post", ADMIN, [obs])
    msgs = await _fetch(ingest_log)
    assert len(msgs) == 1
    # a node commits the batch and dies before acknowledging it ...
    await pg_store.write(_store_job([_Job(msgs[0], decode(msgs[0].data))]))
    await msgs[0].nak()  # ... so the message comes again (here at once, not after ACK_WAIT)
    again = await _fetch(ingest_log)
    assert again[0].metadata.num_delivered == 2
    await ingest_log.store_messages(again)
    assert _count(pg_store, world["datastream"]) == 1
    assert ingest_log.stats.duplicates == 1 and ingest_log.stats.stored == 0
    with pg_store.read() as conn:
        assert conn.execute(select(s.observations.c.id)).scalar_one() == new_id


async def test_a_write_that_can_no_longer_be_stored_is_dropped_not_retried(
    log_only: tuple[IngestLog, dict[str, int]], pg_store: Store
) -> None:
    ingest_log, world = log_only
    obs = ObservationIn(world["datastream"], datetime(2025, 9, 1, tzinfo=UTC), result_number=2.0)
    await ingest_log.accept("post", ADMIN, [obs])
    with pg_store.write_engine.begin() as conn:  # deleted after the 201
        conn.execute(delete(s.datastreams).where(s.datastreams.c.id == world["datastream"]))
    await ingest_log.store_messages(await _fetch(ingest_log))
    assert ingest_log.stats.dropped == 1
    await ingest_log.nc.flush()  # the termination is sent
    for _ in range(50):  # and applied by the consumer's leader
        info = await ingest_log.js.consumer_info(STREAM, DURABLE)
        if info.num_ack_pending == 0:
            break
        await asyncio.sleep(0.1)
    assert info.num_pending == 0 and info.num_ack_pending == 0  # terminated, not redelivered

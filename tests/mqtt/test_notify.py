"""Subscribing: every create and update reaches the SensorThings topics through the broker."""

from __future__ import annotations

import uuid
from typing import Any

import orjson
import pytest

from tests.mqtt.conftest import client, collect, device_props, wait_for

pytestmark = pytest.mark.mqtt


async def test_observation_create_reaches_each_topic_form(client_: Any, world, service) -> None:
    ds, thing = world["datastream"], world["thing"]
    topics = [
        "v1.1/Observations",
        f"v1.1/Datastreams({ds})/Observations",
        "v1.1/Observations?$select=result,phenomenonTime",
    ]
    async with client() as sub:
        for t in topics:
            await sub.subscribe(t, qos=1)
        r = await client_.post(
            f"/v1.1/Datastreams({ds})/Observations",
            headers=world["headers"],
            json={"result": 12.5, "phenomenonTime": "2024-08-01T00:00:00Z"},
        )
        assert r.status_code == 201
        new_id = r.json()["@iot.id"]
        got = {
            t: body for t, body in await collect(sub, 3) if body.get("@iot.id", new_id) == new_id
        }
    assert set(got) == set(topics), got
    full = got["v1.1/Observations"]
    assert full["result"] == 12.5 and full["@iot.selfLink"].endswith(f"/Observations({new_id})")
    assert full["Datastream@iot.navigationLink"].endswith(f"Observations({new_id})/Datastream")
    assert got[f"v1.1/Datastreams({ds})/Observations"] == full
    assert got[topics[2]] == {"result": 12.5, "phenomenonTime": "2024-08-01T00:00:00Z"}
    _ = thing


async def test_thing_update_reaches_entity_and_property_topics(
    client_: Any, world, service
) -> None:
    thing = world["thing"]
    topics = ["v1.1/Things", f"v1.1/Things({thing})", f"v1.1/Things({thing})/name"]
    async with client() as sub:
        for t in topics:
            await sub.subscribe(t, qos=1)
        r = await client_.patch(
            f"/v1.1/Things({thing})",
            headers=world["headers"],
            json={"name": "Pakse gauge (new radar)"},
        )
        assert r.status_code in (200, 204)
        # other test runs may share the broker and Things(1): keep only our update
        got = {
            t: b
            for t, b in await collect(sub, 10, timeout=3)
            if b.get("name", "Pakse gauge (new radar)") == "Pakse gauge (new radar)"
        }
    assert set(got) == set(topics)
    assert got[f"v1.1/Things({thing})/name"] == {"name": "Pakse gauge (new radar)"}
    assert got[f"v1.1/Things({thing})"]["name"] == "Pakse gauge (new radar)"
    assert got["v1.1/Things"]["@iot.id"] == thing


async def test_new_datastream_reaches_the_navigation_collection(
    client_: Any, world, service
) -> None:
    from tests.api.sta_fixtures import datastream_body

    thing = world["thing"]
    # Names unique to this run: a concurrent run publishes on the same spec topics.
    stream, site = f"Water level {uuid.uuid4().hex[:8]}", f"new site {uuid.uuid4().hex[:8]}"
    async with client() as sub:
        await sub.subscribe(f"v1.1/Things({thing})/Datastreams", qos=1)
        await sub.subscribe(f"v1.1/Things({thing})/Locations", qos=1)
        r = await client_.post(
            "/v1.1/Datastreams",
            headers=world["headers"],
            json={**datastream_body(thing), "name": stream},
        )
        assert r.status_code == 201
        r = await client_.post(
            f"/v1.1/Things({thing})/Locations",
            headers=world["headers"],
            json={
                "name": site,
                "description": "moved",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [105, 15]},
            },
        )
        assert r.status_code == 201
        got = dict(
            await collect(
                sub, 2, timeout=5, keep=lambda _, body: body.get("name") in (stream, site)
            )
        )
    assert got[f"v1.1/Things({thing})/Datastreams"]["name"] == stream
    assert got[f"v1.1/Things({thing})/Locations"]["name"] == site


@pytest.mark.parametrize("prefix", [""])  # the spec topics themselves
async def test_mqtt_create_is_notified_and_not_taken_for_a_create(world, service) -> None:
    """With the spec topics CityOps' own notification on v1.1/Datastreams(n)/Observations
    must not come back as a create (no_local / the origin property)."""
    topic = f"v1.1/Datastreams({world['datastream']})/Observations"
    async with client() as dev:
        await dev.subscribe(topic, qos=1)
        await dev.publish(topic, b'{"result": 5}', qos=1, properties=device_props(world["token"]))
        got = [orjson.loads(orjson.dumps(b)) for _, b in await collect(dev, 2)]
    await wait_for(lambda: service.stats.stored == 1, service=service)
    assert {"result": 5} in got  # the device's own message, as the broker forwards it
    assert any(b.get("@iot.id") and b["result"] == 5 for b in got)  # CityOps' notification
    assert service.stats.received == 1 and service.stats.rejected == 0


@pytest.fixture
def client_(client: Any) -> Any:
    return client


async def test_a_large_batch_is_notified_whole(client_: Any, world, service) -> None:
    """2,500 observations in one request: every one reaches the navigation topic (the
    notifications go out in chunks, each waited for)."""
    ds, n = world["datastream"], 2500
    base = uuid.uuid4().int % 10**6 * 10**4  # results unique to this run
    topic = f"v1.1/Datastreams({ds})/Observations"
    async with client() as sub:
        await sub.subscribe(topic, qos=0)
        rows = [[f"2024-01-01T00:00:{i % 60:02d}Z", float(base + i)] for i in range(n)]
        r = await client_.post(
            "/v1.1/CreateObservations",
            headers=world["headers"],
            json=[
                {
                    "Datastream": {"@iot.id": ds},
                    "components": ["phenomenonTime", "result"],
                    "dataArray": rows,
                }
            ],
        )
        assert r.status_code == 201, r.text
        got = await collect(
            sub, n, timeout=20, keep=lambda _, b: base <= b.get("result", -1) < base + n
        )
    assert sorted(b["result"] for _, b in got) == [float(base + i) for i in range(n)]


@pytest.mark.parametrize("notify", [False])
async def test_notifications_can_be_turned_off(client_: Any, world, service, notify: bool) -> None:
    """``mqtt_notify = false``: creates from devices are still stored, nothing is published
    on the SensorThings topics."""
    ds = world["datastream"]
    marker = float(uuid.uuid4().int % 10**9)
    topic = f"v1.1/Datastreams({ds})/Observations"
    async with client() as sub:
        await sub.subscribe("v1.1/#", qos=1)
        r = await client_.post(f"/{topic}", headers=world["headers"], json={"result": marker})
        assert r.status_code == 201
        await sub.publish(
            f"{service.prefix}{topic}",
            orjson.dumps({"result": marker + 1}),
            qos=1,
            properties=device_props(world["token"]),
        )
        await wait_for(lambda: service.stats.stored == 1, service=service)
        got = await collect(
            sub,
            1,
            timeout=2,
            keep=lambda _, b: b.get("result") in (marker, marker + 1) and "@iot.id" in b,
        )
    assert got == []
    assert service.stats.published == 0


async def test_notified_observation_reads_as_the_api_returns_it(
    client_: Any, world, service
) -> None:
    """New observations are rendered from the stored rows (no read back): the payload is
    the entity as ``GET /v1.1/Observations(id)`` returns it."""
    ds = world["datastream"]
    marker = float(uuid.uuid4().int % 10**9)
    async with client() as sub:
        await sub.subscribe("v1.1/Observations", qos=1)
        body = {
            "result": marker,
            "phenomenonTime": "2024-08-01T07:00:00+07:00",
            "resultTime": "2024-08-01T00:05:00Z",
            "validTime": "2024-08-01T00:00:00Z/2024-08-02T00:00:00Z",
            "parameters": {"method": "radar"},
            "resultQuality": "good",
        }
        r = await client_.post(
            f"/v1.1/Datastreams({ds})/Observations", headers=world["headers"], json=body
        )
        assert r.status_code == 201
        [(_, body)] = await collect(sub, 1, keep=lambda _, b: b.get("result") == marker)
    read = await client_.get(f"/v1.1/Observations({r.json()['@iot.id']})", headers=world["headers"])
    assert body == read.json()


async def test_restricted_observations_are_never_published(
    client_: Any, world, service, store
) -> None:
    from cityops.auth.principal import SYSTEM
    from cityops.datamodel.entities import BY_NAME
    from cityops.sta.create import create_entity
    from tests.api.sta_fixtures import THING, datastream_body

    def job(tx: Any) -> int:
        thing = create_entity(
            tx,
            BY_NAME["Thing"],
            {**THING, "name": "restricted gauge", "@cityops.visibility": "restricted"},
            SYSTEM,
        )
        return int(create_entity(tx, BY_NAME["Datastream"], datastream_body(thing), SYSTEM))

    ds = store.write_sync(job)
    marker = float(uuid.uuid4().int % 10**9)
    async with client() as sub:
        await sub.subscribe("v1.1/#", qos=1)
        for result in (marker, marker + 1):  # restricted, then public: the public one arrives
            target = ds if result == marker else world["datastream"]
            r = await client_.post(
                f"/v1.1/Datastreams({target})/Observations",
                headers=world["headers"],
                json={"result": result},
            )
            assert r.status_code == 201
        got = await collect(
            sub, 10, timeout=3, keep=lambda _, b: b.get("result") in (marker, marker + 1)
        )
    assert got and {b["result"] for _, b in got} == {marker + 1}  # on each of its topics

"""Creating observations over MQTT through the real broker: each topic form, duplicates,
ownership, and every kind of bad message answered on the error topic."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from tests.api.sta_fixtures import datastream_body
from tests.mqtt.conftest import client, collect, device_props, wait_for

pytestmark = pytest.mark.mqtt


async def _observations(http: Any, world: dict[str, Any]) -> list[dict[str, Any]]:
    r = await http.get(
        f"/v1.1/Datastreams({world['datastream']})/Observations"
        "?$expand=FeatureOfInterest&$orderby=id",
        headers=world["headers"],
    )
    assert r.status_code == 200, r.text
    return r.json()["value"]  # type: ignore[no-any-return]


async def _foi(http: Any, world: dict[str, Any]) -> int:
    """A FeatureOfInterest made by an HTTP observation (from the Thing's Location)."""
    r = await http.post(
        "/v1.1/Observations",
        headers=world["headers"],
        json={"result": 0, "Datastream": {"@iot.id": world["datastream"]}},
    )
    assert r.status_code == 201, r.text
    obs = (await _observations(http, world))[-1]
    return int(obs["FeatureOfInterest"]["@iot.id"])


@pytest.mark.parametrize("form", ["set", "datastream", "feature"])
async def test_create_through_each_topic_form(form, client: Any, world, service, prefix) -> None:
    ds = world["datastream"]
    body: dict[str, Any] = {"result": 4.25, "phenomenonTime": "2024-08-01T10:00:00+07:00"}
    if form == "set":
        topic = "v1.1/Observations"
        body["Datastream"] = {"@iot.id": ds}
    elif form == "datastream":
        topic = f"v1.1/Datastreams({ds})/Observations"
    else:
        foi = await _foi(client, world)
        topic = f"v1.1/FeaturesOfInterest({foi})/Observations"
        body["Datastream"] = {"@iot.id": ds}
    async with _device() as dev:
        await dev.publish(
            prefix + topic, orjson.dumps(body), qos=1, properties=device_props(world["token"])
        )
    await wait_for(lambda: service.stats.stored == 1, service=service)
    stored = [o for o in await _observations(client, world) if o["result"] == 4.25]
    assert len(stored) == 1
    assert stored[0]["phenomenonTime"] == "2024-08-01T03:00:00Z"
    if form == "feature":
        assert stored[0]["FeatureOfInterest"]["@iot.id"] == foi


async def test_redelivered_message_is_stored_once(client: Any, world, service, prefix) -> None:
    topic = f"{prefix}v1.1/Datastreams({world['datastream']})/Observations"
    payload = orjson.dumps({"result": 7, "phenomenonTime": "2024-08-01T00:00:00Z"})
    async with _device() as dev:
        for _ in range(3):  # what a device does when it never saw the PUBACK
            await dev.publish(topic, payload, qos=1, properties=device_props(world["token"]))
        # the same reading again with a message id: the id, not the payload, decides
        for mid in ("a", "a", "b"):
            await dev.publish(
                topic, payload, qos=1, properties=device_props(world["token"], message_id=mid)
            )
    await wait_for(lambda: service.stats.received == 6)
    assert service.stats.stored == 3 and service.stats.duplicates == 3
    assert len(await _observations(client, world)) == 3


async def test_repeated_reading_without_time_or_id_is_stored_each_time(
    client: Any, world, service, prefix
) -> None:
    """A device sending only ``{"result": 1}`` every minute makes a new reading each time
    (the time is the time of receipt): the same payload is no duplicate."""
    topic = f"{prefix}v1.1/Datastreams({world['datastream']})/Observations"
    async with _device() as dev:
        for _ in range(3):
            await dev.publish(
                topic, b'{"result": 1}', qos=1, properties=device_props(world["token"])
            )
    await wait_for(lambda: service.stats.received == 3)
    assert service.stats.stored == 3 and service.stats.duplicates == 0
    assert [o["result"] for o in await _observations(client, world)] == [1, 1, 1]


async def test_device_cannot_publish_to_a_datastream_it_does_not_own(
    client: Any, world, service, prefix
) -> None:
    r = await client.post(
        "/v1.1/Things",
        headers=world["headers"],
        json={"name": "other", "description": "another station"},
    )
    other = r.json()["@iot.id"]
    r = await client.post(
        "/v1.1/Datastreams", headers=world["headers"], json=datastream_body(other)
    )
    foreign = r.json()["@iot.id"]
    topic = f"{prefix}v1.1/Datastreams({foreign})/Observations"
    async with _device() as dev:
        await dev.subscribe("cityops/errors/#", qos=1)
        await dev.publish(topic, b'{"result": 1}', qos=1, properties=device_props(world["token"]))
        got = await collect(dev, 1, keep=lambda _, body: body.get("topic") == topic)
    assert got and got[0][1]["code"] == 403
    # the error topic names the token by its id, not the Thing or its owner
    assert got[0][0].startswith("cityops/errors/t") and "thing" not in got[0][0]
    assert f"Datastream {foreign}" in got[0][1]["error"]
    assert service.stats.rejected_by_code[403] == 1 and service.stats.stored == 0
    r = await client.get(f"/v1.1/Datastreams({foreign})/Observations", headers=world["headers"])
    assert r.json()["value"] == []


BAD = [
    ("invalid JSON", b'{"result": ', "not valid JSON", None),
    ("missing result", b'{"phenomenonTime": "2024-08-01T00:00:00Z"}', "result", None),
    (
        "bad time",
        b'{"result": 1, "phenomenonTime": "2024-08-01T00:00:00-0700"}',
        "phenomenonTime",
        None,
    ),
    (
        "unknown datastream",
        b'{"result": 1}',
        "does not exist",
        "v1.1/Datastreams(999999)/Observations",
    ),
    ("wrong topic", b'{"result": 1}', "does not create", "v1.1/Things(1)/Observations"),
]


@pytest.mark.parametrize("case,payload,reason,topic", BAD, ids=[b[0] for b in BAD])
async def test_bad_message_is_answered_and_counted(
    case, payload, reason, topic, client: Any, world, service, prefix
) -> None:
    topic = prefix + (topic or f"v1.1/Datastreams({world['datastream']})/Observations")
    reply = f"test/replies/{service.client_id}"
    async with _device() as dev:
        await dev.subscribe(reply, qos=1)
        props = device_props(world["token"])
        props.ResponseTopic = reply
        props.CorrelationData = b"req-1"
        await dev.publish(topic, payload, qos=1, properties=props)
        got = await collect(dev, 1)
    assert got, f"{case}: no answer"
    assert got[0][1]["code"] in (400, 404) and reason in got[0][1]["error"]
    await wait_for(lambda: service.stats.rejected == 1)
    assert service.stats.stored == 0


async def test_missing_or_unknown_token_is_rejected(world, service, prefix) -> None:
    topic = f"{prefix}v1.1/Datastreams({world['datastream']})/Observations"
    async with _device() as dev:
        await dev.subscribe("cityops/errors/anonymous", qos=1)
        await dev.publish(topic, b'{"result": 1}', qos=1, properties=device_props(None))
        await dev.publish(topic, b'{"result": 2}', qos=1, properties=device_props("cot_nope"))
        got = await collect(dev, 2, keep=lambda _, body: body.get("topic") == topic)
    assert [g[1]["code"] for g in got] == [401, 401]
    assert service.stats.rejected_by_code[401] == 2


async def test_success_is_answered_on_the_response_topic(world, service, prefix) -> None:
    reply = f"test/replies/{service.client_id}"
    async with _device() as dev:
        await dev.subscribe(reply, qos=1)
        props = device_props(world["token"])
        props.ResponseTopic = reply
        props.CorrelationData = b"42"
        await dev.publish(
            f"{prefix}v1.1/Datastreams({world['datastream']})/Observations",
            b'{"result": 3}',
            qos=1,
            properties=props,
        )
        async for m in dev.messages:
            assert m.properties.CorrelationData == b"42"
            assert orjson.loads(m.payload)["@iot.selfLink"].startswith(
                "http://cityops.test/v1.1/Observations("
            )
            break


def _device() -> Any:
    return client(identifier=None)

"""Devices authenticate to the broker itself (Mosquitto dynamic security, provisioned by
CityOps): during a device's publish session a ``#`` subscriber sees no credential, a
device cannot publish as another or subscribe to ``#``, and error topics name no owner."""

from __future__ import annotations

import asyncio
import getpass
import json
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiomqtt
import httpx
import orjson
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityops.app import create_app
from cityops.mqtt.service import MqttService
from cityops.settings import Settings
from cityops.store.base import Store
from tests.api.sta_fixtures import admin_headers, make_world
from tests.conftest import require_service
from tests.e2e.conftest import free_port
from tests.mqtt.broker import Broker
from tests.mqtt.conftest import wait_for

pytestmark = pytest.mark.mqtt

PLUGIN = Path("/usr/lib/x86_64-linux-gnu/mosquitto_dynamic_security.so")
ADMIN, ADMIN_PASSWORD = "cityops", "broker-admin-pw-5520"


class DynsecBroker(Broker):
    """A private Mosquitto with the dynamic-security plugin and no anonymous access."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        store = folder / "dynsec.json"
        subprocess.run(
            ["mosquitto_ctrl", "dynsec", "init", str(store), ADMIN, ADMIN_PASSWORD],
            check=True,
            capture_output=True,
        )
        config = json.loads(store.read_text())
        for role in config["roles"]:  # CityOps also publishes notifications and answers
            if role["rolename"] == "admin":
                role["acls"].append(
                    {"acltype": "publishClientSend", "topic": "#", "priority": 0, "allow": True}
                )
        store.write_text(json.dumps(config))
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\nallow_anonymous false\n"
            f"plugin {PLUGIN}\nplugin_opt_config_file {store}\n"
            f"user {getpass.getuser()}\n"
        )
        self.log = folder / "mosquitto.log"
        self.proc = None
        self.start()


@pytest.fixture
def dynsec_broker(tmp_path: Path) -> Iterator[DynsecBroker]:
    require_service(
        shutil.which("mosquitto") is not None
        and shutil.which("mosquitto_ctrl") is not None
        and PLUGIN.exists(),
        "mosquitto with mosquitto_ctrl and the dynamic-security plugin",
    )
    broker = DynsecBroker(tmp_path / "broker")
    yield broker
    broker.stop()


@pytest.fixture
def settings(db_url: str, dynsec_broker: DynsecBroker) -> Settings:
    return Settings(
        database_url=db_url,
        anonymous_rate_per_min=100000,
        mqtt_url=f"mqtt://{ADMIN}:{ADMIN_PASSWORD}@127.0.0.1:{dynsec_broker.port}",
        mqtt_client_id=f"cityops-test-{uuid.uuid4().hex[:8]}",
        mqtt_session_expiry=60,
        mqtt_create_prefix="cityops/in/",
        mqtt_device_auth="broker",
        public_url="http://cityops.test",
    )


@pytest.fixture
async def app(settings: Settings, store: Store) -> AsyncIterator[Any]:
    application = create_app(settings, store, upgrade=False)
    async with application.router.lifespan_context(application):
        service: MqttService = application.state.ctx.services["mqtt"]
        await asyncio.wait_for(service.connected.wait(), 10)
        yield application


def _client(port: int, username: str, password: str) -> aiomqtt.Client:
    return aiomqtt.Client(
        "127.0.0.1",
        port,
        username=username,
        password=password,
        protocol=aiomqtt.ProtocolVersion.V5,
        identifier=f"{username}-{uuid.uuid4().hex[:6]}",
    )


async def _watch(sub: aiomqtt.Client, seen: list[tuple[str, bytes, str]]) -> None:
    async for m in sub.messages:
        props = getattr(m.properties, "UserProperty", None) or []
        seen.append((str(m.topic), bytes(m.payload), repr(props)))


async def test_hash_subscriber_sees_no_credentials(
    app, client: httpx.AsyncClient, store, dynsec_broker
) -> None:
    service: MqttService = app.state.ctx.services["mqtt"]
    headers = admin_headers(store)
    world = await make_world(client, headers)
    other = await make_world(client, headers)
    r = await client.post("/api/mqtt/clients", headers=headers, json={"thing": world["thing"]})
    assert r.status_code == 201, r.text
    device = r.json()
    r = await client.post("/api/mqtt/clients", headers=headers, json={"thing": other["thing"]})
    intruder = r.json()
    root = device["topic_root"]
    assert root == f"cityops/in/devices/{device['username']}/"
    seen: list[tuple[str, bytes, str]] = []
    port = dynsec_broker.port
    async with _client(port, ADMIN, ADMIN_PASSWORD) as watcher:
        await watcher.subscribe("#", qos=1)
        watch = asyncio.create_task(_watch(watcher, seen))
        async with _client(port, device["username"], device["password"]) as dev:
            await dev.subscribe(root + "errors", qos=1)
            granted = await dev.subscribe("#", qos=1)  # refused by the broker
            assert all(getattr(g, "value", g) >= 0x80 for g in granted)
            create = root + f"v1.1/Datastreams({world['datastream']})/Observations"
            await dev.publish(create, orjson.dumps({"result": 3.5}), qos=1)
            await dev.publish(create, b'{"result": ', qos=1)  # answered on the errors topic
            leaky = Properties(PacketTypes.PUBLISH)
            leaky.UserProperty = [("authorization", "Bearer cot_should-not-be-used")]
            await dev.publish(create, orjson.dumps({"result": 9}), qos=1, properties=leaky)
            async with _client(port, intruder["username"], intruder["password"]) as bad:
                await bad.publish(create, orjson.dumps({"result": 66}), qos=1)  # not its root
            await wait_for(lambda: service.stats.received >= 3, service=service)
            await asyncio.sleep(0.5)
        watch.cancel()
    assert service.stats.stored == 1 and service.stats.rejected == 2
    r = await client.get(f"/v1.1/Datastreams({world['datastream']})/Observations", headers=headers)
    assert [o["result"] for o in r.json()["value"]] == [3.5]
    assert any(t == create for t, _, _ in seen)  # the watcher did see the session
    for topic, payload, props in seen:
        for secret in (device["password"], intruder["password"], ADMIN_PASSWORD):
            assert secret not in topic and secret.encode() not in payload and secret not in props
    errors = [(t, orjson.loads(p)) for t, p, _ in seen if t.endswith("/errors")]
    assert errors and all(t == root + "errors" for t, _ in errors)
    assert all("thing" not in t and "device:" not in json.dumps(b) for t, b in errors)
    # revoking the account: the broker refuses the device's next connection
    r = await client.delete(f"/api/mqtt/clients/{device['username']}", headers=headers)
    assert r.status_code == 200
    with pytest.raises(aiomqtt.MqttError):
        async with _client(port, device["username"], device["password"]):
            pass


async def test_device_accounts_need_broker_mode(settings: Settings, store: Store) -> None:
    plain = create_app(settings.model_copy(update={"mqtt_device_auth": "property"}), store)
    transport = httpx.ASGITransport(app=plain)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        headers = admin_headers(store)
        world = await make_world(c, headers)
        r = await c.post("/api/mqtt/clients", headers=headers, json={"thing": world["thing"]})
    assert r.status_code == 409

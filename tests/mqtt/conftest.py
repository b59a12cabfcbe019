"""MQTT fixtures: the real local Mosquitto, CityOps in-process with its MQTT worker, and
small helpers to publish as a device and to collect notifications; ``private_broker``, a
Mosquitto of the test's own (tests/mqtt/broker.py) for the end-to-end tests.

Without a broker on 127.0.0.1:1883 (or the mosquitto binary, for ``private_broker``) the
tests skip (with CI=true they fail).
"""

from __future__ import annotations

import asyncio
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path
from typing import Any

import aiomqtt
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
from tests.helpers import make_device_token
from tests.mqtt.broker import Broker

BROKER = ("127.0.0.1", 1883)


def broker_up(host: str = BROKER[0], port: int = BROKER[1]) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture
def broker() -> tuple[str, int]:
    require_service(broker_up(), f"Mosquitto on {BROKER[0]}:{BROKER[1]} (scripts/services.sh)")
    return BROKER


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[Broker]:
    """A Mosquitto of this test's own (tests/mqtt/mosquitto-test.conf) on a free port."""
    require_service(
        shutil.which("mosquitto") is not None, "the mosquitto binary (apt-get install mosquitto)"
    )
    broker = Broker(tmp_path / "broker")
    yield broker
    broker.stop()


@pytest.fixture
def prefix() -> str:
    """Create prefix of this test: unique, as behind a listener ``mount_point``, so that
    other CityOps instances on the shared broker do not answer this test's messages."""
    return f"test-{uuid.uuid4().hex[:8]}/"


@pytest.fixture
def notify() -> bool:
    """``mqtt_notify`` of the test's CityOps (a test parametrizes it to turn it off)."""
    return True


@pytest.fixture
def settings(db_url: str, broker: tuple[str, int], prefix: str, notify: bool) -> Settings:
    tag = uuid.uuid4().hex[:8]
    return Settings(
        database_url=db_url,
        secret_key="test-secret",
        anonymous_rate_per_min=100000,
        mqtt_url=f"mqtt://{broker[0]}:{broker[1]}",
        mqtt_client_id=f"cityops-test-{tag}",
        mqtt_session_expiry=60,
        mqtt_create_prefix=prefix,
        mqtt_select_topics="v1.1/Observations?$select=result,phenomenonTime",
        public_url="http://cityops.test",
        mqtt_notify=notify,
    )


@pytest.fixture
async def app(settings: Settings, store: Store) -> AsyncIterator[Any]:
    application = create_app(settings, store, upgrade=False)
    async with application.router.lifespan_context(application):
        service: MqttService = application.state.ctx.services["mqtt"]
        await asyncio.wait_for(service.connected.wait(), 10)
        yield application


@pytest.fixture
def service(app: Any) -> MqttService:
    return app.state.ctx.services["mqtt"]  # type: ignore[no-any-return]


@pytest.fixture
async def world(client: Any, store: Store) -> dict[str, Any]:
    """A Thing with one Datastream, its device token, and an admin header."""
    headers = admin_headers(store)
    ids = await make_world(client, headers)
    ids["token"] = make_device_token(store, ids["thing"])
    ids["headers"] = headers
    return ids


def device_props(token: str | None, **extra: Any) -> Properties:
    props = Properties(PacketTypes.PUBLISH)
    pairs = [("authorization", f"Bearer {token}")] if token else []
    pairs += [(k.replace("_", "-"), str(v)) for k, v in extra.items()]
    if pairs:
        props.UserProperty = pairs
    return props


def client(**kw: Any) -> aiomqtt.Client:
    return aiomqtt.Client(BROKER[0], BROKER[1], protocol=aiomqtt.ProtocolVersion.V5, **kw)


async def collect(
    sub: aiomqtt.Client,
    count: int,
    timeout: float = 10.0,
    keep: Callable[[str, Any], bool] | None = None,
) -> list[tuple[str, Any]]:
    """The next ``count`` messages on ``sub`` as (topic, parsed JSON); with ``keep``, only
    those it accepts (the spec topics are shared by concurrent test runs on the broker)."""
    got: list[tuple[str, Any]] = []

    async def run() -> None:
        async for m in sub.messages:
            message = (str(m.topic), orjson.loads(m.payload))
            if keep is not None and not keep(*message):
                continue
            got.append(message)
            if len(got) >= count:
                return

    try:
        await asyncio.wait_for(run(), timeout)
    except TimeoutError:
        pass
    return got


async def wait_for(predicate: Any, timeout: float = 10.0, service: Any = None) -> None:
    """Poll ``predicate()`` until true (fails the test after ``timeout``)."""
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout
    while not predicate():
        if loop.time() > end:
            stats = service.stats.as_dict() if service is not None else ""
            raise AssertionError(f"condition not reached in time {stats}")
        await asyncio.sleep(0.05)

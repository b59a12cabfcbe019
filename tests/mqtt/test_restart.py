"""No loss across a CityOps restart: kill ``cityops serve`` in the middle of a 10,000-message
QoS 1 publish (SIGKILL, and SIGTERM), start it again, and find exactly 10,000 observations,
each stored once.

The test runs its own Mosquitto from ``tests/mqtt/mosquitto-test.conf`` (the broker
settings needed for no loss, see docs/architecture.md, "MQTT") on a free port with its
persistence in ``tmp_path``: the shared development broker keeps at most 1000 messages
for an offline session. Without the ``mosquitto`` binary the test skips (fails in CI).
"""

from __future__ import annotations

import getpass
import shutil
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import paho.mqtt.client as paho
import pytest
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from tests.api.sta_fixtures import THING, datastream_body
from tests.conftest import require_service
from tests.e2e.conftest import Server, cli, free_port

pytestmark = [pytest.mark.mqtt, pytest.mark.e2e]

CONFIG = Path(__file__).with_name("mosquitto-test.conf")
TOTAL = 10_000
GATE = TOTAL // 2  # the publisher waits here until CityOps was killed
KILL_AFTER = 500  # kill once CityOps stored this many: in the middle of its ingest


class Broker:
    """A private Mosquitto process on a free port, configured from ``CONFIG``."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        conf = folder / "mosquitto.conf"
        conf.write_text(CONFIG.read_text() + f"\nlistener {self.port} 127.0.0.1\n"
                        f"persistence_location {folder}/\n"
                        f"user {getpass.getuser()}\n")  # run as root: do not switch user
        self.log = folder / "mosquitto.log"
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(["mosquitto", "-c", str(conf)], stdout=out,
                                         stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"mosquitto exited: {self.log.read_text()}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise AssertionError("mosquitto did not listen within 10 s")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=10)


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[Broker]:
    require_service(shutil.which("mosquitto") is not None,
                    "the mosquitto binary (apt-get install mosquitto)")
    broker = Broker(tmp_path / "broker")
    yield broker
    broker.stop()


def _client(client_id: str, port: int, inflight: int = 20) -> paho.Client:
    mqtt = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=client_id,
                       protocol=paho.MQTTv5)
    mqtt.max_inflight_messages_set(inflight)
    mqtt.connect("127.0.0.1", port, keepalive=30)
    return mqtt


def wait_subscribed(port: int, cityops_client_id: str, timeout: float = 30.0) -> None:
    """Wait for CityOps' retained status message: it is sent once it has subscribed."""
    seen = threading.Event()
    mqtt = _client(f"restart-probe-{uuid.uuid4().hex[:8]}", port)
    mqtt.on_message = lambda *_: seen.set()
    mqtt.subscribe(f"cityops/status/{cityops_client_id}", qos=0)
    mqtt.loop_start()
    try:
        assert seen.wait(timeout), "CityOps did not subscribe in time"
    finally:
        mqtt.loop_stop()
        mqtt.disconnect()


class Publisher(threading.Thread):
    """A device publishing ``TOTAL`` QoS 1 observations with distinct message ids; it
    stops at ``GATE`` until ``resume`` is set. ``acked`` counts the broker's PUBACKs."""

    def __init__(self, port: int, topic: str, token: str) -> None:
        super().__init__(daemon=True)
        self.topic, self.token = topic, token
        self.resume = threading.Event()
        self.acked = 0
        self.error: BaseException | None = None
        self.mqtt = _client(f"restart-device-{uuid.uuid4().hex[:8]}", port, inflight=100)
        self.mqtt.on_publish = self._on_publish

    def _on_publish(self, *_: Any) -> None:
        self.acked += 1

    def _props(self, n: int) -> Properties:
        props = Properties(PacketTypes.PUBLISH)
        props.UserProperty = [("authorization", f"Bearer {self.token}"),
                              ("message-id", f"m-{n}")]
        return props

    def run(self) -> None:
        self.mqtt.loop_start()
        try:
            for n in range(TOTAL):
                if n == GATE:
                    assert self.resume.wait(120), "CityOps was not killed"
                body = {"result": n, "phenomenonTime": f"2024-01-01T00:00:{n % 60:02d}Z"}
                info = self.mqtt.publish(self.topic, orjson.dumps(body), qos=1,
                                         properties=self._props(n))
                assert info.rc == paho.MQTT_ERR_SUCCESS, info.rc
            deadline = time.monotonic() + 120
            while self.acked < TOTAL and time.monotonic() < deadline:
                time.sleep(0.02)
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.mqtt.loop_stop()
            self.mqtt.disconnect()


def _count(server: Server, admin: dict[str, str], ds: int) -> int:
    r = httpx.get(f"{server.url}/v1.1/Datastreams({ds})/Observations",
                  params={"$count": "true", "$top": "0"}, headers=admin, timeout=10)
    assert r.status_code == 200, r.text
    return int(r.json()["@iot.count"])


def _wait_count(server: Server, admin: dict[str, str], ds: int, at_least: int,
                timeout: float) -> int:
    deadline = time.monotonic() + timeout
    count = _count(server, admin, ds)
    while count < at_least and time.monotonic() < deadline:
        time.sleep(0.02 if at_least < TOTAL else 0.2)
        count = _count(server, admin, ds)
    return count


@pytest.mark.parametrize("how", ["kill", "terminate"])
def test_restart_mid_publish_stores_each_message_once(how: str, private_broker: Broker,
                                                      tmp_path: Path) -> None:
    """SIGKILL (nothing cleaned up) or SIGTERM (a clean stop) while messages are in flight."""
    db = f"sqlite:///{tmp_path / 'restart.db'}"
    cli("db", "upgrade", "-d", db)
    cli("user", "add", "restart-admin", "--role", "admin", "--password", "pw-restart", "-d", db)
    admin_token = cli("token", "create", "--user", "restart-admin", "-d", db
                      ).split(": ", 1)[1].strip()
    admin = {"Authorization": f"Bearer {admin_token}"}
    client_id = f"cityops-restart-{uuid.uuid4().hex[:8]}"
    prefix = f"restart-{uuid.uuid4().hex[:8]}/"
    env = {"CITYOPS_MQTT_URL": f"mqtt://127.0.0.1:{private_broker.port}",
           "CITYOPS_MQTT_CLIENT_ID": client_id, "CITYOPS_MQTT_SESSION_EXPIRY": "3600",
           "CITYOPS_MQTT_CREATE_PREFIX": prefix}

    server = Server(db, env)
    try:
        r = httpx.post(f"{server.url}/v1.1/Things", json=THING, headers=admin)
        assert r.status_code == 201, r.text
        thing = r.json()["@iot.id"]
        r = httpx.post(f"{server.url}/v1.1/Datastreams", json=datastream_body(thing),
                       headers=admin)
        assert r.status_code == 201, r.text
        ds = r.json()["@iot.id"]
        token = cli("token", "create", "--device", str(thing), "-d", db
                    ).split(": ", 1)[1].strip()
        wait_subscribed(private_broker.port, client_id)

        publisher = Publisher(private_broker.port,
                              f"{prefix}v1.1/Datastreams({ds})/Observations", token)
        publisher.start()
        before_kill = _wait_count(server, admin, ds, KILL_AFTER, timeout=60)
        assert before_kill >= KILL_AFTER, f"CityOps stored only {before_kill} before the kill"
        server.stop(kill=how == "kill")
        published_at_kill = publisher.acked
        assert before_kill < TOTAL and published_at_kill <= GATE  # really in the middle
        publisher.resume.set()  # the rest is published while CityOps is down
        publisher.join(150)
        assert publisher.error is None, publisher.error
        assert publisher.acked == TOTAL, f"broker acknowledged {publisher.acked}"

        server = Server(db, env)
        count = _wait_count(server, admin, ds, TOTAL, timeout=120)
        time.sleep(1.0)  # let redelivered duplicates, if any, arrive
        count = _count(server, admin, ds)
        assert count == TOTAL, (f"{count} observations stored ({how} after {before_kill} "
                                f"stored, {published_at_kill} published)")
        r = httpx.get(f"{server.url}/v1.1/Datastreams({ds})/Observations",
                      params={"$select": "result", "$top": str(TOTAL), "$orderby": "id"},
                      headers=admin, timeout=30)
        assert r.status_code == 200, r.text
        results = [o["result"] for o in r.json()["value"]]
        assert sorted(results) == list(range(TOTAL)), "lost or duplicated observations"
    finally:
        server.stop()

"""The parts of the real end-to-end MQTT tests (test_restart, test_broker_restart,
test_shared_workers): a private Mosquitto, a device publishing QoS 1 observations, a probe of
CityOps' retained status counters, and readers of what a ``cityops serve`` process stored.

The private broker runs from ``tests/mqtt/mosquitto-test.conf`` (the broker settings needed
for no loss, see docs/architecture.md, "MQTT") on a free port with its persistence in a test
folder: the shared development broker on 1883 keeps at most 1000 queued messages per session
and drops the rest. The ``private_broker`` fixture (tests/mqtt/conftest.py) skips without the
``mosquitto`` binary (fails in CI).
"""

from __future__ import annotations

import getpass
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import orjson
import paho.mqtt.client as paho
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from cityops.mqtt.service import STATUS_TOPIC
from tests.api.sta_fixtures import THING, datastream_body
from tests.e2e.conftest import Server, cli, free_port

CONFIG = Path(__file__).with_name("mosquitto-test.conf")
HOST = "127.0.0.1"
SESSION_EXPIRY = 3600  # seconds the broker keeps a session (CityOps' and the device's)

Status = dict[str, Any]


class Broker:
    """A private Mosquitto process on a free port, configured from ``CONFIG``, with its
    persistence in ``folder``; ``stop`` and ``start`` restart it on the same port from the
    same persistence file."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text(
            CONFIG.read_text() + f"\nlistener {self.port} {HOST}\n"
            f"persistence_location {folder}/\n"
            f"user {getpass.getuser()}\n"
        )  # as root: do not switch user
        self.log = folder / "mosquitto.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"mqtt://{HOST}:{self.port}"

    def start(self) -> None:
        with self.log.open("a") as out:
            self.proc = subprocess.Popen(
                ["mosquitto", "-c", str(self.conf)], stdout=out, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"mosquitto exited: {self.log.read_text()[-2000:]}")
            try:
                with socket.create_connection((HOST, self.port), timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        self.stop(kill=True)
        raise AssertionError("mosquitto did not listen within 10 s")

    def stop(self, kill: bool = False) -> None:
        """SIGTERM (Mosquitto writes its persistence file on this clean stop) or SIGKILL."""
        if self.proc is None or self.proc.poll() is not None:
            return
        (self.proc.kill if kill else self.proc.terminate)()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise AssertionError("mosquitto did not stop within 10 s of SIGTERM") from None


def mqtt_client(
    name: str,
    port: int,
    inflight: int = 20,
    session: bool = False,
    on_connect: Callable[..., None] | None = None,
) -> paho.Client:
    """A connected paho MQTT 5 client (its network loop not started). With ``session`` it
    keeps a persistent session, as a device does: ``clean_start=False`` and a session
    expiry, re-connecting by itself (after 1 s, then 2 s) when the connection is lost."""
    mqtt = paho.Client(
        paho.CallbackAPIVersion.VERSION2,
        client_id=f"{name}-{uuid.uuid4().hex[:8]}",
        protocol=paho.MQTTv5,
    )
    mqtt.max_inflight_messages_set(inflight)
    mqtt.reconnect_delay_set(1, 2)
    mqtt.on_connect = on_connect
    props = None
    if session:
        props = Properties(PacketTypes.CONNECT)
        props.SessionExpiryInterval = SESSION_EXPIRY
    mqtt.connect(HOST, port, keepalive=30, clean_start=not session, properties=props)
    return mqtt


class StatusProbe:
    """The latest counters CityOps retains on ``cityops/status/<client id>``
    (``service._status_loop``: once subscribed, then every 5 s), by client id;
    ``client`` may be the wildcard ``+``. Use as a context manager."""

    def __init__(self, port: int, client: str) -> None:
        self.latest: dict[str, Status] = {}
        self._changed = threading.Condition()
        self._mqtt = mqtt_client("status-probe", port)
        self._mqtt.on_message = self._on_message
        self._mqtt.subscribe(STATUS_TOPIC.format(client=client), qos=0)
        self._mqtt.loop_start()

    def _on_message(self, _client: Any, _userdata: Any, message: paho.MQTTMessage) -> None:
        with self._changed:
            self.latest[message.topic.rsplit("/", 1)[1]] = orjson.loads(message.payload)
            self._changed.notify_all()

    def wait(
        self, done: Callable[[dict[str, Status]], bool], timeout: float, what: str
    ) -> dict[str, Status]:
        """The latest counters by client id once ``done`` accepts them."""
        with self._changed:
            ok = self._changed.wait_for(lambda: done(self.latest), timeout)
            latest = dict(self.latest)
        assert ok, f"{what}: not reached in {timeout} s; status {latest}"
        return latest

    def __enter__(self) -> StatusProbe:
        return self

    def __exit__(self, *_: Any) -> None:
        self._mqtt.loop_stop()
        self._mqtt.disconnect()


def wait_subscribed(port: int, cityops_client_id: str, timeout: float = 30.0) -> None:
    """Wait for CityOps' retained status message: it is sent once it has subscribed."""
    with StatusProbe(port, cityops_client_id) as probe:
        probe.wait(bool, timeout, f"CityOps ({cityops_client_id}) subscribed")


class Publisher(threading.Thread):
    """A device publishing ``total`` QoS 1 observations ``{"result": n, ...}``
    (n = 0 .. total - 1, distinct payloads) to ``topic(n)``, its device token in the MQTT 5
    user property ``authorization: Bearer <token>``; with ``message_ids`` also
    ``message-id: m-<n>``, else CityOps' receipt key is the hash of topic and payload.

    Like a real device it keeps a persistent session and, after a lost connection,
    reconnects by itself and re-sends (same packet, DUP flag) what the broker has not
    acknowledged. It has at most ``window`` messages unacknowledged (waiting while the broker
    is away), publishes at most ``rate`` messages a second (0: as fast as acknowledged), and
    runs ``hooks[n]()`` before message n. ``acked`` counts the broker's PUBACKs, ``connects``
    its (re)connections."""

    def __init__(
        self,
        port: int,
        topic: Callable[[int], str],
        token: str,
        total: int,
        message_ids: bool = True,
        window: int = 100,
        rate: float = 0,
        hooks: dict[int, Callable[[], Any]] | None = None,
    ) -> None:
        super().__init__(daemon=True)
        self.topic, self.token, self.total = topic, token, total
        self.message_ids, self.window, self.rate = message_ids, window, rate
        self.hooks = hooks or {}
        self.acked = self.connects = 0
        self.refused: list[str] = []
        self.error: BaseException | None = None
        self.mqtt = mqtt_client(
            "device", port, inflight=window, session=True, on_connect=self._on_connect
        )
        self.mqtt.on_publish = self._on_publish

    def _on_connect(self, *_: Any) -> None:
        self.connects += 1

    def _on_publish(
        self, _client: Any, _userdata: Any, _mid: int, reason: Any, _props: Any
    ) -> None:
        if reason.is_failure:  # a PUBACK with an error: the broker refused the message
            self.refused.append(str(reason))
        self.acked += 1

    def _props(self, n: int) -> Properties:
        props = Properties(PacketTypes.PUBLISH)
        pairs = [("authorization", f"Bearer {self.token}")]
        if self.message_ids:
            pairs.append(("message-id", f"m-{n}"))
        props.UserProperty = pairs
        return props

    def _wait_acked(self, at_least: int, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while self.acked < at_least:
            assert time.monotonic() < deadline, (
                f"broker acknowledged {self.acked} of {at_least} in {timeout} s"
            )
            time.sleep(0.005)

    def run(self) -> None:
        self.mqtt.loop_start()
        try:
            start = time.monotonic()
            for n in range(self.total):
                if n in self.hooks:
                    self.hooks[n]()
                self._wait_acked(n + 1 - self.window, timeout=60)
                if self.rate and n % 20 == 0:
                    time.sleep(max(0.0, start + n / self.rate - time.monotonic()))
                body = {"result": n, "phenomenonTime": f"2024-01-01T00:00:{n % 60:02d}Z"}
                info = self.mqtt.publish(
                    self.topic(n), orjson.dumps(body), qos=1, properties=self._props(n)
                )
                # NO_CONN: the connection is down; paho keeps the message and sends it
                # once reconnected
                assert info.rc in (paho.MQTT_ERR_SUCCESS, paho.MQTT_ERR_NO_CONN), info.rc
            self._wait_acked(self.total, timeout=120)
        except BaseException as exc:  # reported by the test
            self.error = exc
        finally:
            self.mqtt.loop_stop()
            self.mqtt.disconnect()

    def finish(self, timeout: float = 150) -> None:
        """Wait for the end; fail unless the broker acknowledged every message."""
        self.join(timeout)
        assert not self.is_alive(), "the device did not finish publishing"
        assert self.error is None, self.error
        assert self.acked == self.total, f"broker acknowledged {self.acked} of {self.total}"
        assert not self.refused, f"broker refused {len(self.refused)}: {self.refused[:5]}"


# ---- a CityOps site: database, admin, device, and what it stored -----------------------
def new_site(database: str) -> dict[str, str]:
    """Migrate ``database`` and add an admin; returns the admin's Authorization header."""
    cli("db", "upgrade", "-d", database)
    cli(
        "user", "add", "mqtt-admin", "--role", "admin", "-d", database,
        env={"CITYOPS_PASSWORD": "tide-gauge-mqtt-3319"},
    )  # fmt: skip
    token = cli("token", "create", "--user", "mqtt-admin", "-d", database)
    return {"Authorization": f"Bearer {token.split(': ', 1)[1].strip()}"}


def new_device(server: Server, admin: dict[str, str], streams: int = 1) -> tuple[list[int], str]:
    """A Thing with ``streams`` Datastreams, made through the API, and its device token."""
    r = httpx.post(f"{server.url}/v1.1/Things", json=THING, headers=admin, timeout=30)
    assert r.status_code == 201, r.text
    thing = r.json()["@iot.id"]
    ids = []
    for _ in range(streams):
        r = httpx.post(
            f"{server.url}/v1.1/Datastreams", json=datastream_body(thing), headers=admin, timeout=30
        )
        assert r.status_code == 201, r.text
        ids.append(r.json()["@iot.id"])
    token = cli("token", "create", "--device", str(thing), "-d", server.database)
    return ids, token.split(": ", 1)[1].strip()


def mqtt_env(broker: Broker, client_id: str, **settings: str) -> dict[str, str]:
    """Environment of a ``cityops serve`` process using ``broker``, with more settings."""
    env = {
        "CITYOPS_MQTT_URL": broker.url,
        "CITYOPS_MQTT_CLIENT_ID": client_id,
        "CITYOPS_MQTT_SESSION_EXPIRY": str(SESSION_EXPIRY),
    }
    env.update({f"CITYOPS_{name.upper()}": value for name, value in settings.items()})
    return env


def count(server: Server, admin: dict[str, str], path: str) -> int:
    """``@iot.count`` of the collection ``path`` (e.g. ``Datastreams(1)/Observations``)."""
    r = httpx.get(
        f"{server.url}/v1.1/{path}",
        params={"$count": "true", "$top": "0"},
        headers=admin,
        timeout=30,
    )
    assert r.status_code == 200, r.text
    return int(r.json()["@iot.count"])


def wait_count(
    server: Server, admin: dict[str, str], path: str, at_least: int, timeout: float
) -> int:
    """Poll ``count`` until ``at_least`` (or ``timeout``); returns the last count."""
    deadline = time.monotonic() + timeout
    found = count(server, admin, path)
    while found < at_least and time.monotonic() < deadline:
        time.sleep(0.02 if at_least < 5000 else 0.2)
        found = count(server, admin, path)
    return found


def results(server: Server, admin: dict[str, str], path: str, top: int) -> list[Any]:
    """The ``result`` of every Observation in ``path`` (up to ``top``)."""
    r = httpx.get(
        f"{server.url}/v1.1/{path}",
        params={"$select": "result", "$top": str(top), "$orderby": "id"},
        headers=admin,
        timeout=60,
    )
    assert r.status_code == 200, r.text
    return [o["result"] for o in r.json()["value"]]


def assert_each_once(
    server: Server, admin: dict[str, str], path: str, total: int, timeout: float
) -> None:
    """Wait until ``total`` observations are in ``path``, give redelivered duplicates a
    moment to arrive, then find results exactly 0 .. total - 1, none twice."""
    wait_count(server, admin, path, total, timeout)
    time.sleep(1.0)
    found = count(server, admin, path)
    stored = results(server, admin, path, total)
    twice = sorted(r for r, k in Counter(stored).items() if k > 1)
    lost = sorted(set(range(total)) - set(stored))
    assert found == total and not twice and not lost and len(stored) == total, (
        f"{found} observations stored of {total} published; "
        f"lost {len(lost)} {lost[:20]}, twice {len(twice)} {twice[:20]}"
    )

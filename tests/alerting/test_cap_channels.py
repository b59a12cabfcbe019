"""Notification channels against real local receivers: webhooks (an http.server checking
the HMAC signature; a retry after a 500; a dead letter after repeated failures, retried
through the API), e-mail through an aiosmtpd SMTP server, MQTT through Mosquitto."""

from __future__ import annotations

import asyncio
import json
import socket
import threading
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import aiomqtt
import httpx
import pytest
from aiosmtpd.controller import Controller

from cityops.alerting.channels.webhook import SIGNATURE_HEADER, verify
from cityops.cap import parse_alert, validate_schema
from cityops.settings import Settings
from cityops.store.base import Store
from tests.alerting.cap_support import AUTO, add_rule, make_world, observe, wait_for
from tests.conftest import require_service
from tests.helpers import bearer


class Receiver:
    """A local HTTP server: ``plan[path]`` is the list of statuses to answer (last repeats)."""

    def __init__(self) -> None:
        self.plan: dict[str, list[int]] = {}
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((self.path, dict(self.headers), body))
                statuses = receiver.plan.get(self.path, [200])
                code = statuses.pop(0) if len(statuses) > 1 else statuses[0]
                self.send_response(code)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def on(self, path: str) -> list[tuple[dict[str, str], bytes]]:
        return [(h, b) for p, h, b in self.calls if p == path]


class Inbox:
    """aiosmtpd handler keeping every message."""

    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox, port = Inbox(), _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def settings(db_url: str, smtp: tuple[Inbox, int]) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="test-secret",
        anonymous_rate_per_min=100000,
        login_rate_per_min=1000,
        delivery_backoff=0.05,
        delivery_max_attempts=3,
        delivery_poll_interval=0.1,
        delivery_timeout=5,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        public_url="https://alerts.example.org",
        outgoing_allow="127.0.0.1",  # the local webhook receiver
    )


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    return make_world(store)


async def _subscribe(
    client: httpx.AsyncClient, world: dict[str, Any], **body: Any
) -> dict[str, Any]:
    r = await client.post(
        "/api/alert-subscriptions", json=body, headers=bearer(world["tok"]["city_admin"])
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def _deliveries(
    client: httpx.AsyncClient, world: dict[str, Any], status: str = ""
) -> list[dict[str, Any]]:
    r = await client.get(
        f"/api/alert-deliveries?status={status}", headers=bearer(world["tok"]["city_admin"])
    )
    assert r.status_code == 200, r.text
    return list(r.json()["value"])


async def test_webhook_signed_retried_and_dead_lettered(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any], receiver: Receiver
) -> None:
    receiver.plan = {"/flaky": [500, 200], "/down": [500]}
    flaky = await _subscribe(
        client,
        world,
        channel="webhook",
        target=receiver.url + "/flaky",
        secret="s3cret",
        min_severity="Moderate",
    )
    await _subscribe(client, world, channel="webhook", target=receiver.url + "/down")
    await _subscribe(
        client,
        world,
        channel="webhook",
        target=receiver.url + "/severe-only",
        min_severity="Extreme",
    )
    far = {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1], [0, 0]]]}
    await _subscribe(client, world, channel="webhook", target=receiver.url + "/far", area=far)
    near = {"type": "Point", "coordinates": [105.85, 15.12]}  # 5 km from the gauge
    await _subscribe(client, world, channel="webhook", target=receiver.url + "/near", area=near)
    await add_rule(client, world, alert=AUTO)
    await observe(app, store, world, 12.4, 12.4)

    await wait_for(lambda: len(receiver.on("/flaky")) >= 2)
    (h1, b1), (h2, b2) = receiver.on("/flaky")
    assert b1 == b2 and h1["X-CityOps-Delivery"] == h2["X-CityOps-Delivery"]
    assert verify(flaky["secret"], b2, h2[SIGNATURE_HEADER])
    assert not verify("wrong", b2, h2[SIGNATURE_HEADER])
    doc = json.loads(b2)
    assert doc["msg_type"] == "Alert" and doc["severity"] == "Severe" and doc["org"] == "hanoi"
    assert doc["cap_url"] == f"https://alerts.example.org/alerts/{doc['id']}.xml"
    validate_schema(doc["cap"].encode())
    assert receiver.on("/severe-only") == [] and receiver.on("/far") == []
    await wait_for(lambda: receiver.on("/near"))

    dead = await wait_for(lambda: _deliveries(client, world, "dead"))
    assert len(dead) == 1 and dead[0]["attempts"] == 3 and dead[0]["last_error"] == "HTTP 500"
    assert len(receiver.on("/down")) == 3
    r = await client.get("/api/alert-deliveries", headers=bearer(world["tok"]["operator"]))
    assert r.status_code == 403
    receiver.plan["/down"] = [200]
    r = await client.post(
        f"/api/alert-deliveries/{dead[0]['id']}/retry", headers=bearer(world["tok"]["city_admin"])
    )
    assert r.status_code == 200
    await wait_for(lambda: len(receiver.on("/down")) == 4)
    final = await wait_for(lambda: _all_sent(client, world))
    assert final


async def _all_sent(client: httpx.AsyncClient, world: dict[str, Any]) -> bool:
    return all(d["status"] == "sent" for d in await _deliveries(client, world))


async def test_email_received_by_local_smtp(
    client: httpx.AsyncClient,
    app: Any,
    store: Store,
    world: dict[str, Any],
    smtp: tuple[Inbox, int],
) -> None:
    inbox, _ = smtp
    await _subscribe(client, world, channel="email", target="duty@hanoi.example.vn")
    r = await client.post(
        "/api/alert-subscriptions",
        json={"channel": "email", "target": "no"},
        headers=bearer(world["tok"]["city_admin"]),
    )
    assert r.status_code == 400 and r.json()["field"] == "target"
    await add_rule(client, world, alert=AUTO)
    await observe(app, store, world, 12.4, 12.4)
    await wait_for(lambda: inbox.messages)
    envelope = inbox.messages[0]
    assert envelope.rcpt_tos == ["duty@hanoi.example.vn"]
    mail = message_from_bytes(envelope.content)
    assert mail["Subject"].startswith("[Severe]")
    parts = {p.get_content_type(): p for p in mail.walk()}
    text = parts["text/plain"].get_payload(decode=True).decode()
    assert "12.4" in text and "----" in text  # English and Vietnamese blocks
    cap = parts["application/cap+xml"].get_payload(decode=True)
    validate_schema(cap)
    assert [i.language for i in parse_alert(cap).infos] == ["en-US", "vi-VN"]


async def _broker_up() -> bool:
    try:
        async with aiomqtt.Client("127.0.0.1", 1883, timeout=2):
            return True
    except (aiomqtt.MqttError, OSError):
        return False


async def test_mqtt_received_through_mosquitto(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    require_service(await _broker_up(), "Mosquitto on 127.0.0.1:1883")
    worker = app.state.ctx.services["alerts"]
    worker.settings = worker.settings.model_copy(update={"mqtt_url": "mqtt://127.0.0.1:1883"})
    topic = f"cityops/alerts/{{org}}/{id(world)}"
    await _subscribe(client, world, channel="mqtt", target=topic)
    async with aiomqtt.Client("127.0.0.1", 1883) as sub:
        await sub.subscribe(topic.replace("{org}", "hanoi"), qos=1)
        await add_rule(client, world, alert=AUTO)
        await observe(app, store, world, 12.4, 12.4)
        async with asyncio.timeout(10):
            message = await anext(aiter(sub.messages))
    validate_schema(bytes(message.payload))
    assert parse_alert(bytes(message.payload)).infos[0].severity == "Severe"
    await wait_for(lambda: _all_sent(client, world))  # the publisher has disconnected

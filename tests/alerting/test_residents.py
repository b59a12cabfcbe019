"""Residents' subscriptions end to end against local receivers: a Web Push subscription is
delivered to a push service run by the test, which decrypts the payload with the
subscriber's private key (RFC 8291, aes128gcm) and checks the VAPID authorisation; the
e-mail fallback confirms by link and unsubscribes by link through aiosmtpd; unsubscribing
deletes the row; endpoints on private hosts are refused unless allowed (delivery to them:
tests/alerting/test_egress.py)."""

from __future__ import annotations

import base64
import json
import os
import re
import threading
from collections.abc import Iterator
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import http_ece
import httpx
import pytest
from aiosmtpd.controller import Controller
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02
from sqlalchemy import select

from cityops.alerting.alert_areas import import_areas
from cityops.auth.principal import SYSTEM
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.base import Store
from tests.alerting.cap_support import add_rule, alerts, make_world, observe, wait_for
from tests.alerting.test_cap_channels import Inbox, _free_port
from tests.helpers import bearer


def _square(name: str, lon: float, lat: float) -> dict[str, Any]:
    ring = [[lon - 0.1, lat - 0.1], [lon + 0.1, lat - 0.1], [lon + 0.1, lat + 0.1]]
    return {
        "type": "Feature",
        "properties": {"name": name},
        "geometry": {"type": "Polygon", "coordinates": [[*ring, ring[0]]]},
    }


# warning areas of Hanoi: one around the gauge (105.8, 15.1), one far north of it
AREAS = {
    "type": "FeatureCollection",
    "features": [_square("gauge", 105.8, 15.1), _square("north", 105.8, 22.5)],
}


def b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushService:
    """A push service: records each POST; ``answer`` is the status it replies."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, str], bytes]] = []
        self.answer = 201
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                service.calls.append((self.path, dict(self.headers), body))
                self.send_response(service.answer)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class Phone:
    """A browser's push subscription: its P-256 key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.json = {"endpoint": endpoint, "keys": {"p256dh": b64(point), "auth": b64(self.auth)}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        plain = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return dict(json.loads(plain))


@pytest.fixture
def push() -> Iterator[PushService]:
    service = PushService()
    yield service
    service.server.shutdown()


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
        delivery_max_attempts=2,
        delivery_poll_interval=0.1,
        delivery_timeout=5,
        smtp_host="127.0.0.1",
        smtp_port=smtp[1],
        public_url="https://alerts.example.org",
        push_allowed_hosts=["127.0.0.1"],
        push_subject="mailto:ops@hanoi.example.vn",
    )


async def _issue(client: httpx.AsyncClient, world: dict[str, Any]) -> int:
    op = world["tok"]["operator"]
    (draft,) = await alerts(client, op, "?status=draft,issued")
    if draft["status"] == "draft":
        r = await client.post(f"/api/alerts/{draft['id']}/issue", headers=bearer(op))
        assert r.status_code == 200, r.text
    return int(draft["id"])


def _rows(store: Store, channel: str) -> list[Any]:
    t = s.alert_subscriptions
    with store.read() as conn:
        return list(conn.execute(select(t).where(t.c.channel == channel, t.c.public.is_(True))))


async def test_push_delivered_encrypted_in_the_chosen_language(
    client: httpx.AsyncClient, app: Any, store: Store, push: PushService
) -> None:
    world = make_world(store)
    store.write_sync(lambda tx: import_areas(tx, "hanoi", json.dumps(AREAS), SYSTEM))
    names = (await client.get("/api/public/areas?region=hanoi")).json()["value"]
    assert [a["name"] for a in names] == ["gauge", "north"]
    key = (await client.get("/api/public/push/key")).json()["public_key"]
    assert len(unb64(key)) == 65
    phone = Phone(push.url + "/send/phone-1")
    r = await client.post(
        "/api/public/push-subscriptions",
        json={"subscription": phone.json, "region": "hanoi", "area": "gauge", "lang": "vi"},
    )
    assert r.status_code == 201, r.text
    elsewhere = Phone(push.url + "/send/north-ward")
    r = await client.post(
        "/api/public/push-subscriptions",
        json={"subscription": elsewhere.json, "region": "hanoi", "area": "north"},
    )
    assert r.status_code == 201, r.text
    far = Phone(push.url + "/send/other-city")
    r = await client.post(
        "/api/public/push-subscriptions", json={"subscription": far.json, "region": "hue"}
    )
    assert r.status_code == 201, r.text
    (row,) = [x for x in _rows(store, "webpush") if x.target == phone.json["endpoint"]]
    assert row.language == "vi" and row.name == "resident push"  # nothing personal kept
    listed = await client.get(
        "/api/alert-subscriptions", headers=bearer(world["tok"]["city_admin"])
    )
    assert listed.status_code == 200 and listed.json()["value"] == []  # not the operators'

    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    alert_id = await _issue(client, world)
    await wait_for(lambda: push.calls)
    path, headers, body = push.calls[0]
    # Hue's phone and the phone for a ward far from the flood get nothing
    assert path == "/send/phone-1" and len(push.calls) == 1
    assert headers["Content-Encoding"] == "aes128gcm" and headers["Urgency"] == "high"
    doc = phone.decrypt(body)
    issued = (await client.get(f"/api/alerts/{alert_id}")).json()
    vi = next(i for i in issued["infos"] if i["language"].startswith("vi"))
    assert doc["lang"].startswith("vi") and doc["title"] == vi["headline"]
    assert doc["url"] == f"https://alerts.example.org/alerts/{alert_id}"
    scheme, _, params = headers["Authorization"].partition(" ")
    fields = dict(p.strip().split("=", 1) for p in params.split(","))
    assert scheme == "vapid" and fields["k"] == key
    claims = Vapid02.verify(headers["Authorization"])
    assert claims is not False
    token = fields["t"].split(".")[1]
    payload = json.loads(unb64(token))
    assert payload["aud"] == push.url and payload["sub"] == "mailto:ops@hanoi.example.vn"

    r = await client.request(
        "DELETE", "/api/public/push-subscriptions", json={"endpoint": phone.json["endpoint"]}
    )
    assert r.status_code == 204
    assert sorted(x.target for x in _rows(store, "webpush")) == sorted(
        [far.json["endpoint"], elsewhere.json["endpoint"]]
    )
    r = await client.request(
        "DELETE", "/api/public/push-subscriptions", json={"endpoint": phone.json["endpoint"]}
    )
    assert r.status_code == 404


async def test_gone_subscription_is_deleted(
    client: httpx.AsyncClient, app: Any, store: Store, push: PushService
) -> None:
    world = make_world(store)
    push.answer = 410
    phone = Phone(push.url + "/send/old-phone")
    r = await client.post("/api/public/push-subscriptions", json={"subscription": phone.json})
    assert r.status_code == 201, r.text
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    await _issue(client, world)
    await wait_for(lambda: push.calls)
    await wait_for(lambda: not _rows(store, "webpush"))


async def test_push_endpoint_checks(client: httpx.AsyncClient, store: Store) -> None:
    make_world(store)
    phone = Phone("http://push.example.org/x")
    r = await client.post("/api/public/push-subscriptions", json={"subscription": phone.json})
    assert r.status_code == 400 and r.json()["field"] == "endpoint"  # plain http
    phone.json["endpoint"] = "https://push.example.org/x"
    phone.json["keys"]["auth"] = b64(b"short")
    r = await client.post("/api/public/push-subscriptions", json={"subscription": phone.json})
    assert r.status_code == 400 and r.json()["field"] == "keys.auth"
    ok = Phone("https://push.example.org/y").json
    r = await client.post(
        "/api/public/push-subscriptions", json={"subscription": ok, "region": "nowhere"}
    )
    assert r.status_code == 400 and r.json()["field"] == "region"
    r = await client.post("/api/public/push-subscriptions", json={"subscription": ok, "lang": "xx"})
    assert r.status_code == 400 and r.json()["field"] == "lang"


async def test_email_fallback_confirm_and_unsubscribe(
    client: httpx.AsyncClient, app: Any, store: Store, smtp: tuple[Inbox, int]
) -> None:
    inbox, _ = smtp
    world = make_world(store)
    address = "resident@hanoi.example.vn"
    r = await client.post(
        "/public/email-subscriptions", data={"email": address, "region": "hanoi", "lang": "vi"}
    )
    assert r.status_code == 202 and address in r.text
    (row,) = _rows(store, "email")
    assert row.enabled is False  # nothing is sent before the address confirms
    await wait_for(lambda: inbox.messages)
    mail = message_from_bytes(inbox.messages[0].content, policy=policy.default)
    assert str(mail["Subject"]) == "Xác nhận đăng ký nhận cảnh báo"  # in the chosen language
    link = re.search(
        r"https://alerts\.example\.org(/public/email/confirm\?token=\S+)",
        str(mail.get_payload(decode=True).decode()),
    )
    assert link, "no confirmation link"
    r = await client.get(link.group(1))
    assert r.status_code == 200 and 'name="token"' in r.text
    assert _rows(store, "email")[0].enabled is False  # a GET changes nothing
    query = parse_qs(urlsplit(link.group(1)).query)
    token, lang = query["token"][0], query["lang"][0]
    assert lang == "vi" and "Nhấn nút" in r.text  # the page in the subscriber's language
    r = await client.post("/public/email/confirm", data={"token": token + "x"})
    assert r.status_code == 404
    r = await client.post("/public/email/confirm", data={"token": token})
    assert r.status_code == 200 and _rows(store, "email")[0].enabled is True

    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    await _issue(client, world)
    await wait_for(lambda: len(inbox.messages) >= 2)
    alert_mail = message_from_bytes(inbox.messages[1].content)
    assert inbox.messages[1].rcpt_tos == [address]
    text = next(
        p.get_payload(decode=True).decode()
        for p in alert_mail.walk()
        if p.get_content_type() == "text/plain"
    )
    assert "----" not in text  # only the chosen language (Vietnamese)
    unsubscribe = alert_mail["List-Unsubscribe"].strip("<>")
    assert unsubscribe in text
    path = unsubscribe.removeprefix("https://alerts.example.org")
    r = await client.post(path)  # RFC 8058 one-click
    assert r.status_code == 200
    assert _rows(store, "email") == []
    r = await client.post(path)
    assert r.status_code == 404

"""Outgoing requests refuse inside targets (loopback, private, link-local), also after a
redirect, unless ``outgoing_allow`` names them; links never follow a foreign Host header."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from cityops.alerting.channels.base import DeliveryError, Message
from cityops.alerting.channels.webhook import Webhook
from cityops.alerting.external import fetch_feed
from cityops.egress import EgressPolicy, EgressRefused, resolve
from cityops.errors import InvalidInput
from cityops.settings import Settings
from tests.api.sta_fixtures import admin_headers, make_world

FEED = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>empty</title></feed>'


class Local:
    """A local server: /feed answers an empty Atom feed, /hook 200, /to?u=URL redirects."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        local = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                local.paths.append(self.path)
                if self.path.startswith("/to?u="):
                    self.send_response(302)
                    self.send_header("Location", self.path[len("/to?u=") :])
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = FEED if self.path == "/feed" else b""
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def local() -> Iterator[Local]:
    srv = Local()
    yield srv
    srv.server.shutdown()


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost:8000/x",
        "http://[::1]/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.1.2.3/",
        "http://192.168.0.1/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
        "http://[fe80::1]/",
    ],
)
def test_inside_targets_are_refused(url: str) -> None:
    with pytest.raises(EgressRefused) as info:
        resolve(url, EgressPolicy())
    assert "outgoing_allow" in info.value.message


def test_allow_list_by_network_and_by_name() -> None:
    assert resolve("http://127.0.0.1:81/a?b=1", EgressPolicy.parse("127.0.0.0/8")).url == (
        "http://127.0.0.1:81/a?b=1"
    )
    pinned = resolve("https://localhost/x", EgressPolicy.parse("intranet.example, localhost"))
    assert pinned.headers == {"Host": "localhost"}
    assert pinned.extensions == {"sni_hostname": "localhost"}
    with pytest.raises(EgressRefused):
        resolve("http://10.0.0.1/", EgressPolicy.parse("127.0.0.0/8 localhost"))


def test_public_address_is_pinned() -> None:
    pinned = resolve("https://93.184.215.14/feed.xml", EgressPolicy())
    assert pinned.url == "https://93.184.215.14/feed.xml"


def test_feed_from_loopback_is_refused_unless_allowed(local: Local) -> None:
    url = f"http://127.0.0.1:{local.port}/feed"
    with pytest.raises(InvalidInput) as info:
        fetch_feed(url, 1 << 20)
    assert "outgoing_allow" in info.value.message and local.paths == []
    assert fetch_feed(url, 1 << 20, policy=EgressPolicy.parse("127.0.0.1")).rows == []
    assert local.paths == ["/feed"]


def test_redirect_to_an_inside_address_is_refused(local: Local) -> None:
    inside = f"http://127.0.0.1:{local.port}/feed"
    start = f"http://localhost:{local.port}/to?u={inside}"  # localhost allowed by name only
    with pytest.raises(InvalidInput) as info:
        fetch_feed(start, 1 << 20, policy=EgressPolicy.parse("localhost"))
    assert "127.0.0.1" in info.value.message
    assert local.paths == [f"/to?u={inside}"]


def _message() -> Message:
    return Message(alert_id=1, delivery_id=7, org="hanoi", xml=b"<alert/>", summary={})


async def test_webhook_to_loopback_is_refused_unless_allowed(local: Local) -> None:
    url = f"http://127.0.0.1:{local.port}/hook"
    with pytest.raises(DeliveryError) as info:
        await Webhook(Settings()).send(url, None, _message())
    assert "outgoing_allow" in str(info.value) and local.paths == []
    await Webhook(Settings(outgoing_allow="127.0.0.1")).send(url, "s", _message())
    assert local.paths == ["/hook"]


@pytest.mark.parametrize("path", ["/v1.1", "/v1.1/Things", "/alerts.atom"])
async def test_links_ignore_a_foreign_host_header(
    client: httpx.AsyncClient, store: Any, path: str
) -> None:
    await make_world(client, admin_headers(store))
    r = await client.get(path, headers={"Host": "evil.example"})
    assert r.status_code == 200, r.text
    assert "evil.example" not in r.text
    ok = await client.get("/v1.1")
    assert "http://test/v1.1/Things" in ok.text  # an allowed host is used as it came


def _subscription_keys() -> str:
    """A browser's p256dh and auth keys (JSON), as a push subscription's secret holds them."""
    import base64
    import json
    import os

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    point = (
        ec.generate_private_key(ec.SECP256R1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    )

    def b64(raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    return json.dumps({"p256dh": b64(point), "auth": b64(os.urandom(16))})


@pytest.mark.parametrize(
    "allowed",
    [
        {"outgoing_allow": "127.0.0.1"},  # the guard every outgoing request answers to
        {"outgoing_allow": "127.0.0.0/8"},
        {"push_allowed_hosts": ["127.0.0.1"]},  # a push service on the premises
    ],
)
async def test_push_to_a_refused_address_is_not_contacted(
    local: Local, allowed: dict[str, Any]
) -> None:
    from cityops.alerting.channels.webpush import VAPID_SECRET, WebPush, new_vapid_pem

    keys = {VAPID_SECRET: new_vapid_pem()}
    url = f"http://127.0.0.1:{local.port}/push/phone-1"
    secret = _subscription_keys()
    for refusing in (Settings(), Settings(outgoing_allow="10.0.0.0/8 localhost")):
        with pytest.raises(DeliveryError) as info:
            await WebPush(refusing, keys).send(url, secret, _message())
        assert "127.0.0.1" in str(info.value) and "outgoing_allow" in str(info.value)
    assert local.paths == []
    await WebPush(Settings(**allowed), keys).send(url, secret, _message())
    assert local.paths == ["/push/phone-1"]


async def test_push_host_resolving_inside_is_refused(local: Local) -> None:
    """A host name is judged by the addresses it resolves to, not by how it looks."""
    from cityops.alerting.channels.webpush import VAPID_SECRET, WebPush, new_vapid_pem

    push = WebPush(Settings(), {VAPID_SECRET: new_vapid_pem()})
    with pytest.raises(DeliveryError, match="outgoing_allow"):
        await push.send(f"http://localhost:{local.port}/push", _subscription_keys(), _message())
    assert local.paths == []

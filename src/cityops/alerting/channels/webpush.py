"""Web Push (RFC 8030) to residents' phones and browsers: the alert in the subscriber's
language, encrypted for the browser (RFC 8291, aes128gcm) and authorised with the server's
VAPID key (RFC 8292).

The target is the endpoint URL the browser's push service gave; the secret holds the
subscription's ``p256dh`` and ``auth`` keys (JSON). Encryption is pywebpush's (which uses
``http_ece``) and the VAPID header py-vapid's. The endpoint comes from an anonymous
browser, so the POST goes through ``cityops.egress`` like the webhooks: the host must
resolve to public addresses only, unless ``outgoing_allow`` or ``push_allowed_hosts`` (an
on-premises push service; tests) names it, and the connection is pinned to the address
that was checked (no DNS rebinding). A push service answering 404 or 410 has dropped the
subscription: :class:`SubscriptionGone` tells the worker to delete it.
"""

from __future__ import annotations

import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from py_vapid import Vapid
from pywebpush import WebPusher

from cityops import egress
from cityops.egress import EgressPolicy, EgressRefused
from cityops.errors import InvalidInput
from cityops.settings import Settings

from .base import Channel, DeliveryError, Message

VAPID_SECRET = "vapid_private_key"
MAX_TEXT = 600  # characters of the notification body (the payload limit is ~4 kB)
_CANCELLED = {"en": "Cancelled", "vi": "Đã hủy", "th": "ยกเลิกแล้ว", "lo": "ຍົກເລີກແລ້ວ"}


class SubscriptionGone(DeliveryError):
    """The push service no longer knows the subscription (HTTP 404 or 410)."""


def pick(infos: list[dict[str, Any]], lang: str | None) -> dict[str, Any]:
    """The info block in ``lang`` (primary subtag), else English, else the first."""
    want = (lang or "en").split("-")[0].lower()
    for code in (want, "en"):
        for info in infos:
            if str(info.get("language") or "").split("-")[0].lower() == code:
                return info
    return infos[0] if infos else {}


def payload(message: Message) -> dict[str, Any]:
    """What the service worker shows: title, body, link, and a tag per chain (an Update
    replaces the earlier notification instead of piling up)."""
    summary = message.summary
    info = pick(list(summary.get("infos") or []), message.language)
    title = str(info.get("headline") or info.get("event") or message.headline)
    lang = str(info.get("language") or "en").split("-")[0]
    if summary.get("msg_type") == "Cancel":
        title = f"{_CANCELLED.get(lang, _CANCELLED['en'])}: {title}"
    text = str(info.get("instruction") or info.get("description") or "")
    if len(text) > MAX_TEXT:
        text = text[: MAX_TEXT - 1] + "…"
    return {
        "title": title,
        "body": text,
        "lang": info.get("language"),
        "severity": info.get("severity") or summary.get("severity"),
        "msg_type": summary.get("msg_type"),
        "url": summary.get("page_url") or summary.get("cap_url"),
        "tag": f"cityops-{summary.get('chain_id') or summary.get('id')}",
        "id": summary.get("id"),
    }


def vapid_public_key(pem: str) -> str:
    """The browser's ``applicationServerKey``: the raw public point, base64url."""
    import base64

    from cryptography.hazmat.primitives import serialization

    raw = Vapid.from_pem(pem.encode()).public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def new_vapid_pem() -> str:
    """A fresh VAPID private key (P-256), PEM."""
    key = Vapid()
    key.generate_keys()
    return str(key.private_pem().decode())


def push_policy(settings: Settings) -> EgressPolicy:
    """The outgoing-request guard for push endpoints: ``outgoing_allow``, and the hosts of
    ``push_allowed_hosts`` (which also admits them as plain-http endpoints)."""
    allow = settings.outgoing_allow.replace(",", " ").split()
    return EgressPolicy.parse([*allow, *settings.push_allowed_hosts])


class WebPush(Channel):
    """Send one encrypted notification to a browser's push endpoint."""

    name = "webpush"

    @classmethod
    def check_target(cls, target: str) -> str:
        parts = urlsplit(target)
        if parts.scheme not in ("https", "http") or not parts.hostname:
            raise InvalidInput("target: the push endpoint URL", field="target")
        return target

    def _headers(self, endpoint: str, urgent: bool, ttl: int) -> dict[str, str]:
        pem = self.keys.get(VAPID_SECRET)
        if not pem:
            raise DeliveryError("no VAPID key")
        parts = urlsplit(endpoint)
        sub = self.settings.push_subject or f"mailto:{self.settings.smtp_from}"
        claims = {
            "aud": f"{parts.scheme}://{parts.netloc}",
            "exp": int(time.time()) + 12 * 3600,
            "sub": sub,
        }
        headers = dict(Vapid.from_pem(pem.encode()).sign(claims))
        headers.update(
            {
                "TTL": str(ttl),
                "Content-Encoding": "aes128gcm",
                "Content-Type": "application/octet-stream",
                "Urgency": "high" if urgent else "normal",
            }
        )
        return headers

    async def send(self, target: str, secret: str | None, message: Message) -> None:
        try:
            keys = json.loads(secret or "")
            body = WebPusher({"endpoint": target, "keys": keys}).encode(
                json.dumps(payload(message), ensure_ascii=False).encode(), "aes128gcm"
            )["body"]
        except (ValueError, KeyError, TypeError) as exc:
            raise DeliveryError(f"bad subscription keys: {exc}") from None
        urgent = message.summary.get("severity") in ("Severe", "Extreme")
        headers = self._headers(target, urgent, ttl=24 * 3600)
        try:
            response = await egress.post(
                target,
                push_policy(self.settings),
                content=body,
                headers=headers,
                timeout=self.settings.delivery_timeout,
            )
        except EgressRefused as exc:  # an inside address: see cityops.egress
            raise DeliveryError(exc.message) from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if response.status_code in (404, 410):
            raise SubscriptionGone(f"HTTP {response.status_code}: subscription gone")
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"HTTP {response.status_code}")

"""Webhooks: the alert as JSON, POSTed with an HMAC-SHA256 signature of the body.

Headers: ``X-CityOps-Signature: sha256=<hex HMAC-SHA256(secret, body)>``,
``X-CityOps-Delivery`` (delivery id, the same on retries) and ``X-CityOps-Event: alert``.
A receiver recomputes the HMAC over the raw body with its secret and compares in constant
time. Any answer other than 2xx is a failure and is retried.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

import httpx
import orjson

from cityops import egress
from cityops.egress import EgressPolicy, EgressRefused
from cityops.errors import InvalidInput

from .base import Channel, DeliveryError, Message

SIGNATURE_HEADER = "X-CityOps-Signature"


def sign(secret: str, body: bytes) -> str:
    """The signature header value of ``body``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """Check a signature header (for receivers and tests)."""
    return header is not None and hmac.compare_digest(sign(secret, body), header)


class Webhook(Channel):
    """POST JSON to an http(s) URL."""

    name = "webhook"

    @classmethod
    def check_target(cls, target: str) -> str:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidInput("target: a webhook needs an http(s) URL", field="target")
        return target

    async def send(self, target: str, secret: str | None, message: Message) -> None:
        body = orjson.dumps({**message.summary, "cap": message.xml.decode("utf-8")})
        headers = {
            "Content-Type": "application/json",
            "X-CityOps-Event": "alert",
            "X-CityOps-Delivery": str(message.delivery_id),
        }
        if secret:
            headers[SIGNATURE_HEADER] = sign(secret, body)
        try:
            response = await egress.post(
                target,
                EgressPolicy.from_settings(self.settings),
                content=body,
                headers=headers,
                timeout=self.settings.delivery_timeout,
            )
        except EgressRefused as exc:  # an inside address: see cityops.egress
            raise DeliveryError(exc.message) from None
        except httpx.HTTPError as exc:
            raise DeliveryError(f"{type(exc).__name__}: {exc}") from None
        if not 200 <= response.status_code < 300:
            raise DeliveryError(f"HTTP {response.status_code}")

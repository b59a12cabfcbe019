"""ASGI middleware: body size limit, security headers, rate limits for anonymous callers."""

from __future__ import annotations

import threading
import time
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"same-origin"),
    (
        b"content-security-policy",
        b"default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; "
        b"connect-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'",
    ),
    (b"cross-origin-opener-policy", b"same-origin"),
]


LOGIN_PATHS = ("/login", "/api/login")


def _problem(status: int, message: str, path: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    if path.startswith("/v1.1"):
        body = orjson.dumps({"code": status, "type": "error", "message": message})
        ctype = b"application/json"
    else:
        body = orjson.dumps({"type": "about:blank", "status": status, "detail": message})
        ctype = b"application/problem+json"
    return [(b"content-type", ctype), (b"content-length", str(len(body)).encode())], body


async def _reply(
    send: Send, status: int, message: str, path: str, extra: list[tuple[bytes, bytes]] | None = None
) -> None:
    headers, body = _problem(status, message, path)
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": headers + SECURITY_HEADERS + (extra or []),
        }
    )
    await send({"type": "http.response.body", "body": body})


class Hardening:
    """Limits request bodies (413) and adds security headers to every response."""

    def __init__(self, app: ASGIApp, max_body: int, tls: bool = False) -> None:
        self.app, self.max_body = app, max_body
        self.headers = SECURITY_HEADERS + (
            [(b"strict-transport-security", b"max-age=31536000")] if tls else []
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > self.max_body:
            await _reply(send, 413, f"body over the limit of {self.max_body} bytes", scope["path"])
            return
        received = 0
        too_big = False

        async def limited_receive() -> Message:
            nonlocal received, too_big
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_body:
                    too_big = True
                    raise _BodyTooLarge
            return message

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = list(message.get("headers", [])) + self.headers
            await send(message)

        try:
            await self.app(scope, limited_receive, send_with_headers)
        except _BodyTooLarge:
            await _reply(send, 413, f"body over the limit of {self.max_body} bytes", scope["path"])


class _BodyTooLarge(Exception):
    pass


class RateLimit:
    """Token buckets per client address, for anonymous requests and for logins."""

    def __init__(self, app: ASGIApp, anonymous_per_min: int, login_per_min: int) -> None:
        self.app = app
        self.rates = {"anon": anonymous_per_min, "login": login_per_min}
        self.buckets: dict[tuple[str, str], list[float]] = {}
        self.lock = threading.Lock()

    def _allow(self, kind: str, who: str) -> bool:
        rate = self.rates[kind]
        now = time.monotonic()
        with self.lock:
            if len(self.buckets) > 100_000:
                self.buckets.clear()
            tokens, last = self.buckets.get((kind, who), [float(rate), now])
            tokens = min(float(rate), tokens + (now - last) * rate / 60.0)
            ok = tokens >= 1.0
            self.buckets[(kind, who)] = [tokens - 1.0 if ok else tokens, now]
            return ok

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: dict[bytes, Any] = dict(scope["headers"])
        client = (scope.get("client") or ("?", 0))[0]
        kind = None
        if scope["path"] in LOGIN_PATHS and scope["method"] == "POST":
            kind = "login"
        elif b"authorization" not in headers and b"cookie" not in headers:
            kind = "anon"
        if kind is not None and not self._allow(kind, client):
            await _reply(
                send, 429, "too many requests; slow down", scope["path"], [(b"retry-after", b"60")]
            )
            return
        await self.app(scope, receive, send)

"""ASGI middleware: body size limit, security headers, the client address behind trusted
proxies, and rate limits for anonymous callers and logins."""

from __future__ import annotations

import ipaddress
import threading
import time
from collections import OrderedDict

import orjson
from starlette.requests import cookie_parser
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from cityops.api.context import Context
from cityops.api.deps import SESSION_COOKIE, STATE_KEY, resolve

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


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(text: str) -> list[Network]:
    """``trusted_proxies``: addresses or CIDR networks, separated by spaces or commas."""
    return [ipaddress.ip_network(p, strict=False) for p in text.replace(",", " ").split()]


class ForwardedFor:
    """The client address behind reverse proxies, trusted only from ``proxies``.

    ``X-Forwarded-For`` is honoured only when the direct peer is a configured proxy;
    the client is then the right-most address that is not itself a trusted proxy (the
    left part of the header is whatever the client sent, and cannot be trusted).
    ``X-Forwarded-Proto`` from a trusted proxy sets the scheme (secure cookies).
    """

    def __init__(self, app: ASGIApp, proxies: list[Network]) -> None:
        self.app, self.proxies = app, proxies

    def _trusted(self, host: str) -> bool:
        try:
            ip = ipaddress.ip_address(host)
        except ValueError:
            return False
        return any(ip in net for net in self.proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] in ("http", "websocket") and self.proxies:
            peer = (scope.get("client") or ("", 0))[0]
            if self._trusted(peer):
                headers = dict(scope["headers"])
                hops = [
                    h.strip()
                    for h in headers.get(b"x-forwarded-for", b"").decode("latin-1").split(",")
                    if h.strip()
                ]
                client = peer
                while hops:
                    client = hops.pop()
                    if not self._trusted(client):
                        break
                proto = headers.get(b"x-forwarded-proto", b"").decode("latin-1").strip()
                scope = dict(scope, client=(client[:64], 0))
                if proto in ("http", "https"):
                    scope["scheme"] = proto
        await self.app(scope, receive, send)


class RateLimit:
    """Token buckets per client address, for anonymous requests and for logins.

    A request counts as anonymous unless its credentials resolve to someone: the caller
    is resolved here (and kept for the route), so a junk Cookie or Authorization header
    is limited like no header at all. Buckets are kept in an LRU map of at most
    ``max_clients`` entries: memory is bounded, and a flood of new addresses evicts the
    idle ones, never a busy client's bucket. The buckets are per process (see
    docs/architecture.md: with N workers a client may get up to N times the rate; the
    login lock-out, which matters for security, is in the database); with ``events_url``
    the nodes of a cluster share their usage (``cluster/shared.py``).
    """

    def __init__(
        self,
        app: ASGIApp,
        anonymous_per_min: int,
        login_per_min: int,
        context: Context | None = None,
        max_clients: int = 50_000,
    ) -> None:
        self.app, self.context, self.max_clients = app, context, max_clients
        self.rates = {"anon": anonymous_per_min, "login": login_per_min}
        self.buckets: OrderedDict[tuple[str, str], tuple[float, float]] = OrderedDict()
        self.lock = threading.Lock()

    def _allow(self, kind: str, who: str) -> bool:
        rate = self.rates[kind]
        now = time.monotonic()
        key = (kind, who)
        # clustered (events_url): what the other nodes let this client do is charged here
        shared = self.context.services.rate_usage if self.context is not None else None
        with self.lock:
            tokens, last = self.buckets.pop(key, (float(rate), now))
            tokens = min(float(rate), tokens + (now - last) * rate / 60.0)
            if shared is not None:
                tokens = max(-float(rate), tokens - shared.pop_debt(kind, who))
            ok = tokens >= 1.0
            if ok and shared is not None:
                shared.take(kind, who)
            self.buckets[key] = (tokens - 1.0 if ok else tokens, now)
            while len(self.buckets) > self.max_clients:
                self.buckets.popitem(last=False)
            return ok

    async def _anonymous(self, scope: Scope) -> bool:
        """Resolve the caller (kept in the scope's state for the route)."""
        headers = dict(scope["headers"])
        auth = headers.get(b"authorization")
        raw_cookie = headers.get(b"cookie")
        cookie = (
            cookie_parser(raw_cookie.decode("latin-1")).get(SESSION_COOKIE) if raw_cookie else None
        )
        if self.context is None or (auth is None and not cookie):
            return True
        found = await resolve(
            self.context, auth.decode("latin-1") if auth is not None else None, cookie
        )
        scope.setdefault("state", {})[STATE_KEY] = found
        return found.principal.is_anonymous

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        client = (scope.get("client") or ("?", 0))[0]
        kind = None
        if scope["path"] in LOGIN_PATHS and scope["method"] == "POST":
            kind = "login"
        elif await self._anonymous(scope):
            kind = "anon"
        if kind is not None and not self._allow(kind, client):
            await _reply(
                send, 429, "too many requests; slow down", scope["path"], [(b"retry-after", b"60")]
            )
            return
        await self.app(scope, receive, send)

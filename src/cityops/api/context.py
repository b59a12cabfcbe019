"""What every request handler needs, built once per process by ``app.py``."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fastapi import Request

from cityops.settings import Settings
from cityops.store.base import Store


@dataclass
class Context:
    settings: Settings
    store: Store
    services: dict[str, Any] = field(default_factory=dict)  # event bus, engine, mqtt ...

    def public_base(self, request: Request) -> str:
        """The base of every absolute link, without a trailing slash: ``public_url``; else
        the request's own origin if its Host is one we serve (``allowed_hosts``, the
        listen address, loopback names); else the listen address. Never an arbitrary Host
        header, which would let anyone make our answers (and caches of them) link elsewhere.
        """
        s = self.settings
        if s.public_url:
            return s.public_url.rstrip("/")
        host = (request.url.hostname or "").lower().strip("[]")
        if host in _trusted_hosts(s.allowed_hosts, s.host):
            return str(request.base_url).rstrip("/")
        listen = "localhost" if s.host in ("0.0.0.0", "::", "") else s.host
        listen = f"[{listen}]" if ":" in listen else listen
        return f"http://{listen}:{s.port}"

    def root_url(self, request: Request) -> str:
        """The absolute URL of the SensorThings service root."""
        return self.public_base(request) + "/v1.1"


@lru_cache(maxsize=8)
def _trusted_hosts(allowed: str, listen: str) -> frozenset[str]:
    names = {n.lower() for n in allowed.replace(",", " ").split()}
    return frozenset(names | {listen.lower(), "localhost", "127.0.0.1", "::1"})


def ctx(request: Request) -> Context:
    return request.app.state.ctx  # type: ignore[no-any-return]

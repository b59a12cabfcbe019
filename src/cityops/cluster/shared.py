"""State the nodes of a cluster share over NATS: rate-limit usage and token revocations.

Rate limits: each node keeps its own token buckets (``api.middleware.RateLimit``: no
network round trip per request) and tells the others, every ``FLUSH_SECONDS``, how many
requests it let through per client; each node charges those to its own buckets as debt.
So a client spread over N nodes gets the configured rate in total, give or take what
passes during one flush interval, instead of N times it. Plain NATS publish/subscribe: a
lost report (a node restarting) only lets a client a little more through once.

Token revocations: ``auth.tokens`` caches token lookups for a few seconds; a revocation
empties the cache of the node that made it, and is announced so that every node empties
its own (again after ``REVOKE_RECHECK`` seconds, because the announcement may arrive
before the revoking transaction committed). Without the announcement a revoked token would
keep working on other nodes for up to ``tokens.CACHE_SECONDS``.
"""

from __future__ import annotations

import asyncio
import os
import uuid
from collections import defaultdict

import orjson
from nats.aio.client import Client
from nats.aio.msg import Msg

from cityops.auth import tokens

RATE_SUBJECT = "cityops.shared.rate"
REVOKE_SUBJECT = "cityops.shared.tokens"
FLUSH_SECONDS = 0.02
REVOKE_RECHECK = 1.0


class RateUsage:
    """What this node let through (to report) and what the others did (to charge)."""

    def __init__(self) -> None:
        self.used: dict[str, int] = defaultdict(int)
        self.debt: dict[str, float] = defaultdict(float)
        self.wake = asyncio.Event()

    def take(self, kind: str, who: str) -> None:
        self.used[f"{kind}|{who}"] += 1
        self.wake.set()

    def pop_debt(self, kind: str, who: str) -> float:
        return self.debt.pop(f"{kind}|{who}", 0.0)


class SharedState:
    def __init__(self, nc: Client) -> None:
        self.nc = nc
        self.node = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.usage = RateUsage()
        self._tasks: list[asyncio.Task[None]] = []
        self._subs: list[object] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._subs.append(await self.nc.subscribe(RATE_SUBJECT, cb=self._on_rate))
        self._subs.append(await self.nc.subscribe(REVOKE_SUBJECT, cb=self._on_revoke))
        self._tasks.append(asyncio.create_task(self._flush_loop()))
        tokens.TOKEN_CACHE.listeners.append(self._revoked)

    async def stop(self) -> None:
        if self._revoked in tokens.TOKEN_CACHE.listeners:
            tokens.TOKEN_CACHE.listeners.remove(self._revoked)
        for task in self._tasks:
            task.cancel()
        for sub in self._subs:
            try:
                await sub.unsubscribe()  # type: ignore[attr-defined]
            except Exception:  # the connection is closing anyway
                pass

    async def _flush_loop(self) -> None:
        while True:
            await self.usage.wake.wait()
            self.usage.wake.clear()
            used, self.usage.used = self.usage.used, defaultdict(int)
            if used:
                try:
                    await self.nc.publish(
                        RATE_SUBJECT, orjson.dumps({"node": self.node, "used": used})
                    )
                except Exception:  # reconnecting: this report is lost, nothing else
                    pass
            await asyncio.sleep(FLUSH_SECONDS)

    async def _on_rate(self, msg: Msg) -> None:
        doc = orjson.loads(msg.data)
        if doc.get("node") == self.node:
            return
        for key, n in doc.get("used", {}).items():
            self.usage.debt[key] += float(n)

    def _revoked(self) -> None:
        """Called (possibly from the writer thread) when this node revoked a token."""
        loop = self._loop
        if loop is not None:
            payload = orjson.dumps({"node": self.node})
            loop.call_soon_threadsafe(lambda: asyncio.ensure_future(self._announce(payload)))

    async def _announce(self, payload: bytes) -> None:
        try:
            await self.nc.publish(REVOKE_SUBJECT, payload)
        except Exception:  # the cache entries still expire after CACHE_SECONDS
            pass

    async def _on_revoke(self, msg: Msg) -> None:
        if orjson.loads(msg.data).get("node") == self.node:
            return
        tokens.TOKEN_CACHE.clear(announce=False)
        assert self._loop is not None
        self._loop.call_later(REVOKE_RECHECK, tokens.TOKEN_CACHE.clear, False)

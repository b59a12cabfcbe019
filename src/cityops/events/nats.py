"""The connection to the NATS cluster and the replicated streams CityOps needs.

One connection per process, given every server of ``events_url``: nats-py reconnects to
another server for ever when one dies, and buffers publishes meanwhile. A stream is made
with three replicas, or as many as the cluster has servers (a single NATS server refuses
replicas above one): ``replicas = min(3, cluster size)``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import nats
from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import APIError, NotFoundError, ServiceUnavailableError

log = logging.getLogger(__name__)
T = TypeVar("T")

NO_PEERS = 10005  # JetStream: no suitable peers for placement (yet)
NOT_CLUSTERED = 10074  # JetStream: replicas > 1 not supported in non-clustered mode


def server_urls(events_url: str) -> list[str]:
    """``nats://a:4222,nats://b:4222`` -> the list of servers (ValueError if empty)."""
    urls = [u.strip() for u in events_url.split(",") if u.strip()]
    for url in urls:
        if not url.startswith(("nats://", "tls://")):
            raise ValueError(f"events_url: {url!r} must start with nats:// or tls://")
    if not urls:
        raise ValueError("events_url: no server given")
    return urls


async def connect(events_url: str, name: str = "cityops") -> Client:
    """A connection that reconnects for ever (a node of the NATS cluster may die)."""

    async def on_error(exc: Exception) -> None:
        # every failed attempt on a dead server lands here: debug, not a flood of warnings
        log.debug("NATS: %s", exc)

    async def on_disconnect() -> None:
        log.warning("NATS: disconnected; reconnecting to another server")

    async def on_reconnect() -> None:
        log.warning("NATS: reconnected to %s", nc.connected_url)

    nc: Client = await nats.connect(
        servers=server_urls(events_url),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        error_cb=on_error,
        disconnected_cb=on_disconnect,
        reconnected_cb=on_reconnect,
    )
    return nc


def cluster_size(nc: Client) -> int:
    """Servers of the cluster this client knows: those configured and those the servers
    announced (a dead one still counts: it is part of the cluster)."""
    return len({(u.hostname, u.port) for u in nc.servers}) or 1


async def ensure_stream(
    nc: Client, name: str, subjects: list[str], wait: float = 60.0, **options: Any
) -> int:
    """Create (or keep) the file-backed stream ``name`` with ``min(3, cluster size)``
    replicas; return the replicas it has. Retried for ``wait`` seconds while JetStream
    cannot answer or place the replicas yet (servers of a cluster that is starting, or
    electing a leader, are not all known to each other for a few seconds); a lone,
    unclustered server gets one replica."""
    js = nc.jetstream()
    replicas = min(3, cluster_size(nc))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        try:
            try:
                info = await js.stream_info(name)
                return int(info.config.num_replicas or 1)
            except NotFoundError:
                pass
            await js.add_stream(_config(name, subjects, replicas, options))
            log.info("NATS stream %s: %d replica(s)", name, replicas)
            return replicas
        except APIError as exc:
            if exc.err_code == NOT_CLUSTERED and replicas > 1:
                replicas = 1  # a single server without a cluster
                continue
            if not isinstance(exc, ServiceUnavailableError) and exc.err_code != NO_PEERS:
                raise
            error: Exception = exc
        except (NatsTimeout, NoRespondersError) as exc:
            error = exc
        if loop.time() > deadline:
            raise RuntimeError(f"NATS JetStream: cannot create stream {name}: {error}")
        log.info("NATS JetStream not ready (%s); retrying", error)
        await asyncio.sleep(1.0)


def _config(name: str, subjects: list[str], replicas: int, options: dict[str, Any]) -> Any:
    return StreamConfig(
        name=name,
        subjects=subjects,
        storage=StorageType.FILE,
        num_replicas=replicas,
        retention=options.get("retention", RetentionPolicy.LIMITS),
        duplicate_window=options.get("duplicate_window", 120.0),
        max_age=options.get("max_age"),
    )


async def retry_unready(call: Callable[[], Awaitable[T]], what: str, wait: float = 60.0) -> T:
    """``call()``, retried for ``wait`` seconds while JetStream cannot answer yet (a node
    just killed: its streams and consumers are electing leaders), as ``ensure_stream``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        try:
            return await call()
        except (NatsTimeout, NoRespondersError, ServiceUnavailableError) as exc:
            if loop.time() > deadline:
                raise RuntimeError(f"NATS JetStream: {what}: {exc}") from exc
            log.info("NATS JetStream not ready for %s (%s); retrying", what, exc)
        await asyncio.sleep(1.0)

"""The connection to the NATS cluster and the replicated streams CityOps needs.

One connection per process, given every server of ``events_url``: nats-py reconnects to
another server for ever when one dies, and buffers publishes meanwhile. A stream is made
with three replicas, or as many as the cluster has servers (a single NATS server refuses
replicas above one): ``replicas = min(3, cluster size)``.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import nats
from nats.aio.client import Client
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServerError, ServiceUnavailableError

log = logging.getLogger(__name__)


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


async def ensure_stream(
    js: JetStreamContext, name: str, subjects: list[str], wait: float = 60.0, **options: Any
) -> int:
    """``_ensure_stream``, retried for ``wait`` seconds while JetStream does not answer
    (a node starting while the cluster elects a new meta leader)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + wait
    while True:
        try:
            return await _ensure_stream(js, name, subjects, **options)
        except (NatsTimeout, NoRespondersError, ServiceUnavailableError) as exc:
            if loop.time() > deadline:
                raise RuntimeError(f"NATS JetStream did not answer for {wait:g} s: {exc}") from exc
            log.info("NATS JetStream not ready (%s); retrying", exc)
            await asyncio.sleep(1.0)


async def _ensure_stream(
    js: JetStreamContext, name: str, subjects: list[str], **options: Any
) -> int:
    """Create (or keep) the file-backed stream ``name`` with as many replicas as the
    cluster allows, up to three; return the replicas it has."""
    try:
        info = await js.stream_info(name)
        return int(info.config.num_replicas or 1)
    except NotFoundError:
        pass
    last: Exception | None = None
    for replicas in (3, 2, 1):
        config = StreamConfig(
            name=name,
            subjects=subjects,
            storage=StorageType.FILE,
            num_replicas=replicas,
            retention=options.get("retention", RetentionPolicy.LIMITS),
            duplicate_window=options.get("duplicate_window", 120.0),
        )
        try:
            await js.add_stream(config)
            log.info("NATS stream %s: %d replica(s)", name, replicas)
            return replicas
        except (BadRequestError, ServerError) as exc:  # not enough servers for R=n
            last = exc
    raise RuntimeError(f"cannot create NATS stream {name}: {last}")

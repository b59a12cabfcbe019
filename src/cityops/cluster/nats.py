"""The connection to the NATS cluster and the replicated streams CityOps needs.

One connection per process, given every server of ``events_url``: nats-py reconnects to
another server for ever when one dies, and buffers publishes meanwhile. A stream is made
with three replicas, or as many as the cluster has servers (a single NATS server refuses
replicas above one): ``replicas = min(3, cluster size)``.
"""

from __future__ import annotations

import logging
from typing import Any

import nats
from nats.aio.client import Client
from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError, ServerError

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
        log.warning("NATS: %s", exc)

    return await nats.connect(
        servers=server_urls(events_url),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        error_cb=on_error,
    )


async def ensure_stream(
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

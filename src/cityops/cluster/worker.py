"""The ``cluster`` entry point of ``cityops.workers``: with ``events_url`` set, connect to
NATS, check the MQTT broker's queue limits, start the ingest log (publisher and consumer)
and the shared rate limits and token-cache revocations. Started before the MQTT worker,
which then publishes through the log. A no-op when ``events_url`` is unset."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cityops.cluster import broker, shared
from cityops.cluster.ingest import IngestLog
from cityops.events.nats import connect

log = logging.getLogger(__name__)

StartStop = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]


def cluster_worker(ctx: Any) -> StartStop:
    settings = ctx.settings
    state: dict[str, Any] = {}

    async def start() -> None:
        if not settings.events_url:
            return
        if ctx.store.kind != "postgresql":
            raise RuntimeError(
                "events_url is set: several nodes share one database, so database_url "
                "must be PostgreSQL (postgresql://...)"
            )
        if settings.mqtt_url:
            await broker.check_queue(settings)
        nc = await connect(settings.events_url)
        state["nc"] = nc
        ingest_log = IngestLog(ctx.store, nc)
        await ingest_log.start()
        state["log"] = ingest_log
        ctx.services.ingest_log = ingest_log
        sharing = shared.SharedState(nc)
        await sharing.start()
        state["shared"] = sharing
        ctx.services.rate_usage = sharing.usage
        log.info("ingest through the NATS log, %d replica(s)", ingest_log.replicas)

    async def stop() -> None:
        ctx.services.ingest_log = None
        ctx.services.rate_usage = None
        for name in ("shared", "log"):
            if name in state:
                await state[name].stop()
        if "nc" in state:
            await state["nc"].close()

    return start, stop

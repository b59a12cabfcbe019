"""The MQTT worker as the app starts it: the ``mqtt`` entry point of ``cityops.workers``.

With ``mqtt_shared_group`` several processes share the subscriptions. Each needs its own,
stable client id so that its session (and the messages the broker queued for it) outlives
a restart: a process claims the first free slot ``<client id>-<n>`` with a lock file, so a
restarted worker takes over the session a stopped one left behind.

Without a shared group only one process of a host may use the client id (a second
connection with the same id makes the broker drop the first, and the two would take turns
for ever): the first worker to lock ``<client id>`` runs the MQTT service, the others of
``cityops serve --workers N`` serve HTTP only. That is also how a datastream's MQTT ingest
stays in one process (see docs/deployment.md). Hosts need client ids of their own.
"""

from __future__ import annotations

import fcntl
import logging
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any, Protocol

from cityops.events import bus_of
from cityops.mqtt.service import MqttService
from cityops.settings import Settings
from cityops.store.base import Store

log = logging.getLogger(__name__)

StartStop = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]
MAX_SLOTS = 256


def claim_slot(client_id: str, folder: Path | None = None) -> tuple[str, IO[Any] | None]:
    """The first free ``<client_id>-<n>`` on this host and the open lock file holding it."""
    for n in range(MAX_SLOTS):
        handle = claim(f"{client_id}-{n}", folder)
        if handle is not None:
            return f"{client_id}-{n}", handle
    raise RuntimeError(f"no free MQTT client slot for {client_id!r} (over {MAX_SLOTS} workers?)")


def claim(client_id: str, folder: Path | None = None) -> IO[Any] | None:
    """The open lock file holding ``client_id`` on this host, or None when another process
    holds it (the lock ends with the process that holds it)."""
    folder = folder or Path(tempfile.gettempdir())
    handle = open(folder / f"cityops-mqtt-{client_id}.lock", "a+")  # noqa: SIM115
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.close()
        return None
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def root_url(settings: Any) -> str:
    """The SensorThings root used in the selfLinks of notifications."""
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return str(base).rstrip("/") + "/v1.1"


class _Services(Protocol):
    mqtt: MqttService | None
    ingest_log: Any  # cluster.ingest.IngestLog | None (mqtt does not import cluster)


class Host(Protocol):
    """What the MQTT worker needs of the app's context (``api.context.Context``)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def services(self) -> _Services: ...


def mqtt_worker(ctx: Host) -> StartStop:
    """Factory for the app lifespan (a ``cityops.workers`` entry point): no-ops when
    ``mqtt_url`` is unset."""
    settings = ctx.settings
    state: dict[str, Any] = {}

    async def start() -> None:
        if not settings.mqtt_url:
            return
        client_id = settings.mqtt_client_id
        if settings.mqtt_shared_group:
            client_id, lock = claim_slot(client_id)
        else:
            lock = claim(client_id)
            if lock is None:
                log.info(
                    "MQTT client id %r is used by another worker of this host: this "
                    "worker serves HTTP only",
                    client_id,
                )
                return
        service = MqttService(settings, ctx.store, root_url(settings), client_id, bus_of(ctx))
        service.ingest_log = ctx.services.ingest_log  # events_url: through the log
        state.update(service=service, lock=lock)
        ctx.services.mqtt = service
        await service.start()

    async def stop() -> None:
        service = state.get("service")
        if service is not None:
            await service.stop()
        if state.get("lock") is not None:
            state["lock"].close()

    return start, stop

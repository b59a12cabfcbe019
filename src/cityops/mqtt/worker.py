"""The MQTT worker as the app starts it: ``register_worker("mqtt", mqtt_worker)``.

With ``mqtt_shared_group`` several processes share the subscriptions. Each needs its own,
stable client id so that its session (and the messages the broker queued for it) outlives
a restart: a process claims the first free slot ``<client id>-<n>`` with a lock file, so a
restarted worker takes over the session a stopped one left behind.
"""

from __future__ import annotations

import fcntl
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO, Any

from cityops.mqtt.service import MqttService

StartStop = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]
MAX_SLOTS = 256


def claim_slot(client_id: str, folder: Path | None = None) -> tuple[str, IO[Any] | None]:
    """The first free ``<client_id>-<n>`` on this host and the open lock file holding it."""
    folder = folder or Path(tempfile.gettempdir())
    for n in range(MAX_SLOTS):
        handle = open(folder / f"cityops-mqtt-{client_id}-{n}.lock", "a+")  # noqa: SIM115
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        handle.seek(0)
        handle.truncate()
        handle.write(str(os.getpid()))
        handle.flush()
        return f"{client_id}-{n}", handle
    raise RuntimeError(f"no free MQTT client slot for {client_id!r} (over {MAX_SLOTS} workers?)")


def root_url(settings: Any) -> str:
    """The SensorThings root used in the selfLinks of notifications."""
    base = settings.public_url or f"http://{settings.host}:{settings.port}"
    return str(base).rstrip("/") + "/v1.1"


def mqtt_worker(ctx: Any) -> StartStop:
    """Factory for ``app.register_worker``: no-ops when ``mqtt_url`` is unset."""
    settings = ctx.settings
    state: dict[str, Any] = {}

    async def start() -> None:
        if not settings.mqtt_url:
            return
        client_id, lock = settings.mqtt_client_id, None
        if settings.mqtt_shared_group:
            client_id, lock = claim_slot(client_id)
        service = MqttService(settings, ctx.store, root_url(settings), client_id)
        state.update(service=service, lock=lock)
        ctx.services["mqtt"] = service
        await service.start()

    async def stop() -> None:
        service = state.get("service")
        if service is not None:
            await service.stop()
        if state.get("lock") is not None:
            state["lock"].close()

    return start, stop

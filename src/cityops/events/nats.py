"""Connecting to the NATS cluster of ``settings.events_url`` (a comma-separated list)."""

from __future__ import annotations

import logging

import nats
from nats.aio.client import Client

log = logging.getLogger(__name__)


def server_list(url: str) -> list[str]:
    """``nats://a:4222,nats://b:4222`` -> each server (blanks dropped)."""
    return [u.strip() for u in url.split(",") if u.strip()]


async def connect(url: str, name: str) -> Client:
    """A connection that keeps reconnecting (to any server of the list) for ever: a NATS
    node restarting must not end the event log of a CityOps node."""

    async def on_error(exc: Exception) -> None:
        log.warning("NATS: %s", exc)

    return await nats.connect(
        servers=server_list(url),
        name=name,
        max_reconnect_attempts=-1,
        reconnect_time_wait=0.5,
        connect_timeout=5,
        error_cb=on_error,
    )

"""/api/events: Server-Sent Events of new observations, incidents and alerts, filtered by
what the caller may see (see ``cityops.web.events``)."""

from __future__ import annotations

import asyncio
import signal
import threading
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import StreamingResponse

from cityops.api.context import Context, ctx
from cityops.api.deps import principal
from cityops.auth.principal import Principal
from cityops.errors import NotFound
from cityops.events import bus_of
from cityops.web.events import Client, Hub

router = APIRouter(tags=["web"])
KEEPALIVE = 15.0  # seconds between comments, so proxies keep the connection open


def frame(name: str, data: dict[str, Any]) -> bytes:
    """One SSE message."""
    return b"event: " + name.encode() + b"\ndata: " + orjson.dumps(data) + b"\n\n"


async def _stream(hub: Hub, client: Client) -> AsyncIterator[bytes]:
    try:
        yield b"retry: 1000\n: connected\n\n"
        while True:
            try:
                name, data = await asyncio.wait_for(client.queue.get(), KEEPALIVE)
            except TimeoutError:
                yield b": keepalive\n\n"
                continue
            if name == "close":
                return
            yield frame(name, data)
    finally:
        hub.disconnect(client)


@router.get("/api/events", include_in_schema=False)
async def events(request: Request, who: Principal = Depends(principal)) -> StreamingResponse:
    """``text/event-stream`` of ``observation``, ``incident`` and ``alert`` events."""
    hub = ctx(request).services.web_events
    if hub is None:
        raise NotFound("live events are not running")
    client = hub.connect(who)
    return StreamingResponse(
        _stream(hub, client),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _chain_exit_signals(hub: Hub) -> Callable[[], None]:
    """End open streams when the server is told to stop: uvicorn waits for open
    responses before it shuts the app down, and an event stream never ends by itself."""
    if threading.current_thread() is not threading.main_thread():
        return lambda: None
    loop = asyncio.get_running_loop()
    previous: dict[int, Any] = {}

    def handler(sig: int, frame: Any) -> None:
        loop.call_soon_threadsafe(hub.close_clients)
        before = previous.get(sig)
        if callable(before):
            before(sig, frame)

    for sig in (signal.SIGINT, signal.SIGTERM):
        before = signal.getsignal(sig)
        if callable(before):  # only chain onto a server's handler, never replace defaults
            previous[sig] = before
            signal.signal(sig, handler)

    def restore() -> None:
        for sig, before in previous.items():
            if signal.getsignal(sig) is handler:
                signal.signal(sig, before)

    return restore


def web_events_worker(
    c: Context,
) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """The live-event hub as an app worker (entry point ``web_events`` of ``cityops.workers``)."""
    hub = Hub(c.store, bus_of(c))
    c.services.web_events = hub
    restore: list[Callable[[], None]] = []

    async def start() -> None:
        await hub.start()
        restore.append(_chain_exit_signals(hub))

    async def stop() -> None:
        for undo in restore:
            undo()
        await hub.stop()

    return start, stop

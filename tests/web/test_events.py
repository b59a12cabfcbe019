"""Live events: the hub delivers committed observations and incidents to the clients that
may see them, and /api/events streams them as Server-Sent Events."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

from cityops.auth.principal import ANONYMOUS, Principal, Role
from cityops.store.base import Store
from cityops.store.writer import Event
from cityops.web.events import message_for
from tests.alerting.support import ingest_at
from tests.helpers import bearer

NOW = datetime(2025, 8, 1, tzinfo=UTC)
OP_A = Principal(Role.OPERATOR, "op-a", org_id=1)
OP_B = Principal(Role.OPERATOR, "op-b", org_id=2)
ADMIN = Principal(Role.ADMIN, "root")


def test_message_filtering() -> None:
    access = {7: (1, "restricted"), 8: (1, "public")}
    obs = Event("created", "Observation", 7, {"times": [NOW], "results": [1.5]})
    assert message_for(OP_A, obs, access) == (
        "observation",
        {"datastream": 7, "kind": "created", "times": [NOW.timestamp()], "results": [1.5]},
    )
    assert message_for(OP_B, obs, access) is None and message_for(ANONYMOUS, obs, access) is None
    public = Event("created", "Observation", 8, {"times": [NOW], "results": [2.0]})
    assert message_for(ANONYMOUS, public, access) is not None
    inc = Event("created", "Incident", 3, {"org_id": 1, "state": "open"})
    assert message_for(OP_A, inc, access) == (
        "incident",
        {"id": 3, "kind": "created", "org_id": 1, "state": "open"},
    )
    assert message_for(OP_B, inc, access) is None and message_for(ANONYMOUS, inc, access) is None
    assert message_for(ADMIN, inc, access) is not None
    alert = Event("issued", "Alert", 5, {"org_id": 1, "identifier": "x"})
    assert message_for(OP_A, alert, access) == (
        "alert",
        {"id": 5, "kind": "issued", "org_id": 1, "identifier": "x"},
    )
    assert message_for(ANONYMOUS, alert, access) == ("alert", {"id": 5, "kind": "issued"})


async def test_hub_delivers_by_access(app: Any, store: Store, city: dict[str, Any]) -> None:
    hub = app.state.ctx.services["web_events"]
    a, b = city["orgs"]
    mine = hub.connect(Principal(Role.OPERATOR, "op-a", org_id=a))
    other = hub.connect(Principal(Role.OPERATOR, "op-b", org_id=b))
    await asyncio.to_thread(ingest_at, store, city["ds"], [(NOW, 10.0)])
    name, data = await asyncio.wait_for(mine.queue.get(), 5)
    assert name == "observation" and data["datastream"] == city["ds"]
    assert data["results"] == [10.0]
    await asyncio.sleep(0.1)
    assert other.queue.empty()
    hub.disconnect(mine)
    hub.disconnect(other)


async def _sse(app: Any, headers: list[tuple[bytes, bytes]], until: str) -> list[str]:
    """Drive /api/events by hand (httpx's ASGI transport waits for the end of a body):
    collect chunks until one contains ``until``, then disconnect."""
    chunks: list[str] = []
    done = asyncio.Event()

    async def receive() -> dict[str, Any]:
        await done.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            chunks.append(f"status {message['status']}")
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b"").decode())
            if until in chunks[-1]:
                done.set()

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/events",
        "raw_path": b"/api/events",
        "query_string": b"",
        "headers": [(b"host", b"test"), *headers],
        "client": ("127.0.0.1", 1),
        "server": ("test", 80),
    }
    await asyncio.wait_for(app(scope, receive, send), 10)
    return chunks


async def test_sse_stream(app: Any, store: Store, city: dict[str, Any]) -> None:
    token = bearer(city["tok"]["op_a"])["Authorization"].encode()

    async def later() -> None:
        await asyncio.sleep(0.3)
        await asyncio.to_thread(ingest_at, store, city["ds"], [(NOW, 12.5)])

    task = asyncio.create_task(later())
    chunks = await _sse(app, [(b"authorization", token)], "event: observation")
    await task
    assert chunks[0] == "status 200" and chunks[1].startswith("retry: 1000")
    frame = next(c for c in chunks if c.startswith("event: observation"))
    data = json.loads(frame.split("data: ", 1)[1])
    assert data["datastream"] == city["ds"] and data["results"] == [12.5]
    assert not app.state.ctx.services["web_events"].clients  # disconnected client is gone

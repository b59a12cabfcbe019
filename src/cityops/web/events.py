"""Live events for Server-Sent Events: committed store events, filtered per client.

The store calls :meth:`Hub.listen` in the writer thread after each commit; it only hands
the events to the event loop (``call_soon_threadsafe``). One pump task there resolves
who may see each datastream (cached; looked up in a thread for new ids) and puts the
visible events on each client's own queue, so one slow client never holds up the others.

What a client sees: observations of datastreams it may read (``sees_row``); incidents of
its organisation (admins: all; anonymous: none); alerts of its organisation in full, and
to everybody else only that an alert changed (the public feed is the source of truth).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from cityops.auth.policy import sees_row
from cityops.auth.principal import Principal, Role
from cityops.events.bus import EventBus, InProcessBus
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Event

log = logging.getLogger(__name__)
QUEUE_SIZE = 1000
MAX_POINTS = 50  # newest observations per datastream and event
INCIDENT_READERS = {Role.CITY_ADMIN, Role.OPERATOR, Role.ANALYST}
Message = tuple[str, dict[str, Any]]
_CLOSE: Message = ("close", {})


@dataclass(eq=False)
class Client:
    """One SSE connection: who it is and its queue of (event name, data)."""

    who: Principal
    queue: asyncio.Queue[Message] = field(default_factory=lambda: asyncio.Queue(QUEUE_SIZE))
    dropped: int = 0

    def offer(self, message: Message) -> None:
        try:
            self.queue.put_nowait(message)
        except asyncio.QueueFull:
            self.dropped += 1  # the client is too slow; it reloads on "resync"


def _org_reader(who: Principal, org_id: Any) -> bool:
    return who.is_admin or (
        who.role in INCIDENT_READERS and who.org_id is not None and org_id == who.org_id
    )


def observation_message(event: Event) -> dict[str, Any]:
    """A datastream's new observations, newest ``MAX_POINTS``, times in s since epoch."""
    times, results = event.data.get("times", []), event.data.get("results", [])
    pairs = sorted(zip(times, results, strict=False), key=lambda p: p[0])[-MAX_POINTS:]
    return {
        "datastream": event.id,
        "kind": event.kind,
        "times": [t.timestamp() for t, _ in pairs],
        "results": [r for _, r in pairs],
    }


def message_for(who: Principal, event: Event, access: dict[int, tuple[Any, Any]]) -> Message | None:
    """What ``who`` is sent for ``event`` (None: nothing)."""
    if event.entity == "Observation":
        row = access.get(event.id)
        if row is None or not sees_row(who, row[0], row[1]):
            return None
        return "observation", observation_message(event)
    if event.entity == "Incident":
        if not _org_reader(who, event.data.get("org_id")):
            return None
        return "incident", {"id": event.id, "kind": event.kind, **_plain(event.data)}
    if event.entity in ("Alert", "CapAlert"):
        if _org_reader(who, event.data.get("org_id")):
            return "alert", {"id": event.id, "kind": event.kind, **_plain(event.data)}
        return "alert", {"id": event.id, "kind": event.kind}
    return None


def _plain(data: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in data.items()}


class Hub:
    """Fans committed events out to SSE clients on one event loop."""

    def __init__(self, store: Store, bus: EventBus | None = None) -> None:
        self.store = store
        self.bus = bus or InProcessBus(store)  # a cluster's: every node's commits
        self.clients: set[Client] = set()
        self.access: dict[int, tuple[Any, Any]] = {}  # datastream id -> (org_id, visibility)
        self.loop: asyncio.AbstractEventLoop | None = None
        self._inbox: asyncio.Queue[list[Event] | None] | None = None
        self._task: asyncio.Task[None] | None = None
        self._unsubscribe: Callable[[], None] | None = None

    async def start(self) -> None:
        self.loop = asyncio.get_running_loop()
        self._inbox = asyncio.Queue()
        self._task = asyncio.create_task(self._pump(), name="cityops-sse-pump")
        self._unsubscribe = self.bus.subscribe(self.listen)

    async def stop(self) -> None:
        self.close_clients()
        if self._unsubscribe is not None:
            self._unsubscribe()
        if self._task is not None and self._inbox is not None:
            self._inbox.put_nowait(None)
            await asyncio.wait([self._task], timeout=5)

    def close_clients(self) -> None:
        """End every stream (server shutdown): uvicorn waits for open responses."""
        for client in list(self.clients):
            client.offer(_CLOSE)

    def listen(self, events: list[Event]) -> None:
        """Store listener, in the writer thread: hand over and return at once."""
        wanted = [
            e
            for e in events
            if e.entity in ("Observation", "Incident", "Alert", "CapAlert", "Datastream")
        ]
        if wanted and self.loop is not None and self._inbox is not None:
            self.loop.call_soon_threadsafe(self._inbox.put_nowait, wanted)

    def connect(self, who: Principal) -> Client:
        client = Client(who)
        self.clients.add(client)
        return client

    def disconnect(self, client: Client) -> None:
        self.clients.discard(client)

    async def _pump(self) -> None:
        assert self._inbox is not None
        while (events := await self._inbox.get()) is not None:
            try:
                await self._deliver(events)
            except Exception:  # a bad event must not end live updates for everybody
                log.exception("could not deliver live events")

    async def _deliver(self, events: list[Event]) -> None:
        for e in events:
            if e.entity == "Datastream":
                self.access.pop(e.id, None)  # organisation or visibility may have changed
        missing = {e.id for e in events if e.entity == "Observation"} - set(self.access)
        if missing:
            self.access.update(await asyncio.to_thread(self._lookup, missing))
        for event in events:
            for client in list(self.clients):
                message = message_for(client.who, event, self.access)
                if message is not None:
                    client.offer(message)

    def _lookup(self, ids: set[int]) -> dict[int, tuple[Any, Any]]:
        ds = s.datastreams
        with self.store.read() as conn:
            rows = conn.execute(
                select(ds.c.id, ds.c.org_id, ds.c.visibility).where(ds.c.id.in_(sorted(ids)))
            )
            return {int(r.id): (r.org_id, r.visibility) for r in rows}

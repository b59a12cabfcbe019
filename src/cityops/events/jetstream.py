"""The event log on NATS JetStream: every node publishes its commits, every consumer reads
the stream.

Publishing (decision): after each commit the store hands the events to this bus (the
writer thread only queues them); a publisher task sends them to the stream in commit
order, each message with a ``Nats-Msg-Id`` (node, sequence), so a publish retried after a
lost reply is stored once (JetStream's duplicate window). While NATS is unavailable the
messages wait in memory (the outbox, at most ``OUTBOX_MAX``) and are retried with backoff
until NATS is back; a full outbox drops the oldest and counts and logs each drop
(``stats["dropped"]``), never silently. What a node killed between its commit and the
publish held in the outbox is lost from the log (milliseconds of events): its data is in
the database, and the hazard engine rebuilds windows from the database, so a rule sees
those observations with the next batch of its datastream. A database outbox table would
close that gap at the cost of one more write per commit; not done.

Consuming:
- per node (``group=None``; live views, caches, rule reloads): one ordered, ephemeral
  consumer per node from the newest message on: every node sees every commit, nothing is
  kept for a node that is down (it reloads its state on start).
- cluster-wide (``group``; alert generation, MQTT notifications): a durable pull consumer
  per group shared by all nodes, acknowledged after the listener's work is done, so each
  event is handled once in the cluster, and again by another node if the one handling it
  dies first.
- the hazard engine: one durable consumer per partition (``partitions.py``).

Everything NATS runs on this bus's own thread and event loop, so the store's writer, the
engine thread and the app's loop only ever hand work over.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from concurrent.futures import Future
from itertools import count
from typing import Any, TypeVar

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy

from cityops.events import codec
from cityops.events.bus import Listener
from cityops.events.nats import connect, ensure_stream, retry_unready
from cityops.store.base import Store
from cityops.store.writer import Event

log = logging.getLogger(__name__)
T = TypeVar("T")
STREAM = "cityops-events"
MAX_AGE = 24 * 3600.0  # seconds the stream keeps events (durable consumers catch up within)
OUTBOX_MAX = 500_000  # messages waiting for NATS before the oldest are dropped (and counted)
PUBLISH_WINDOW = 256  # publishes in flight at once
ACK_WAIT = 30.0  # seconds before an unacknowledged message goes to another node
NODE_HEADER = "CityOps-Node"
_Outgoing = tuple[str, bytes, str]  # subject, payload, message id


class JetStreamBus:
    """See the module docstring. ``start`` before the workers subscribe, ``stop`` after."""

    clustered = True

    def __init__(
        self,
        store: Store,
        url: str,
        *,
        partitions: int = 16,
        lease_seconds: float = 6.0,
        node: str | None = None,
        stream: str = STREAM,
    ) -> None:
        self.store, self.url, self.stream = store, url, stream
        self.partitions, self.lease_seconds = partitions, lease_seconds
        self.node = node or f"{socket.gethostname()}-{os.getpid()}-{os.urandom(3).hex()}"
        self.stats: Counter[str] = Counter()
        self.loop = asyncio.new_event_loop()
        self._thread: threading.Thread | None = None
        self._nc: Client | None = None
        self._js: JetStreamContext | None = None
        self._outbox: deque[_Outgoing] = deque()
        self._wake = asyncio.Event()
        self._seq = count(1)
        self._local: list[tuple[Listener, frozenset[str] | None]] = []
        self._pending: list[tuple[Event, str]] = []
        self._tasks: list[asyncio.Task[Any]] = []
        self._unsubscribe_store: Callable[[], None] | None = None

    # life cycle ------------------------------------------------------------------------
    @property
    def js(self) -> JetStreamContext:
        assert self._js is not None, "the bus is not started"
        return self._js

    def run(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        """Run ``coro`` on the bus loop (from any other thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def start(self, timeout: float = 180.0) -> None:
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="cityops-events", daemon=True
        )
        self._thread.start()
        self.run(self._connect()).result(timeout)
        self._unsubscribe_store = self.store.subscribe(self._on_commit)

    async def _connect(self) -> None:
        self._wake = asyncio.Event()
        self._nc = await connect(self.url, f"cityops {self.node}")
        self._js = self._nc.jetstream()
        self.replicas = await self._ensure_stream()
        self._tasks.append(asyncio.create_task(self._publisher(), name="cityops-events-publish"))
        self._node_sub = await retry_unready(
            lambda: self.js.subscribe(
                codec.entity_filter(),
                cb=self._on_node_message,
                ordered_consumer=True,
                deliver_policy=DeliverPolicy.NEW,
            ),
            "the node's event subscription",
        )

    async def _ensure_stream(self) -> int:
        """The stream, replicated on min(3, cluster size) servers, retried while JetStream
        is not ready (never fewer replicas because of a passing election)."""
        assert self._nc is not None
        return await ensure_stream(
            self._nc,
            self.stream,
            [codec.entity_filter()],
            max_age=MAX_AGE,
            duplicate_window=120.0,
        )

    def stop(self) -> None:
        if self._unsubscribe_store is not None:
            self._unsubscribe_store()
        if self._thread is None:
            return
        try:
            self.run(self._close()).result(15)
        except Exception:
            log.exception("closing the event bus failed")
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self._thread = None

    async def _close(self) -> None:
        deadline = self.loop.time() + 5
        while self._outbox and self.loop.time() < deadline:  # publish what is committed
            await asyncio.sleep(0.05)
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._outbox:
            self.stats["dropped"] += len(self._outbox)
            log.error("event bus stopped with %d events not published", len(self._outbox))
        if self._nc is not None:
            await self._nc.close()
        others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in others:  # the client's own helpers (heartbeat checks of the consumer)
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)

    # publishing --------------------------------------------------------------------------
    def _on_commit(self, events: list[Event]) -> None:
        """Store listener (writer thread): hand the events to the bus loop."""
        self.loop.call_soon_threadsafe(self._queue, events)

    def _queue(self, events: list[Event]) -> None:
        for event in events:
            for piece in codec.split(event):
                msg_id = f"{self.node}-{next(self._seq)}"
                self._outbox.append(
                    (codec.subject(piece, self.partitions), codec.encode(piece), msg_id)
                )
        while len(self._outbox) > OUTBOX_MAX:
            self._outbox.popleft()
            self.stats["dropped"] += 1
            if self.stats["dropped"] % 10_000 == 1:
                log.error("event outbox full: %d events dropped so far", self.stats["dropped"])
        self._wake.set()

    async def _publisher(self) -> None:
        delay = 0.1
        while True:
            if not self._outbox:
                self._wake.clear()
                await self._wake.wait()
            batch = [self._outbox[i] for i in range(min(PUBLISH_WINDOW, len(self._outbox)))]
            results = await asyncio.gather(
                *(self._publish_one(*m) for m in batch), return_exceptions=True
            )
            done = 0
            for result in results:  # keep order: stop at the first failure
                if isinstance(result, BaseException):
                    break
                done += 1
            for _ in range(done):
                self._outbox.popleft()
            self.stats["published"] += done
            if done < len(batch):
                self.stats["publish_retries"] += 1
                log.warning("event publish failed (%s); retrying", results[done])
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            else:
                delay = 0.1

    async def _publish_one(self, subj: str, payload: bytes, msg_id: str) -> None:
        await self.js.publish(
            subj,
            payload,
            stream=self.stream,
            timeout=5,
            headers={"Nats-Msg-Id": msg_id, NODE_HEADER: self.node},
        )

    async def publish_raw(self, subj: str, payload: bytes, msg_id: str) -> None:
        """Publish one prepared message now (the engine's forwards), deduplicated by id."""
        await self._publish_one(subj, payload, msg_id)

    # per-node consumers ------------------------------------------------------------------
    def subscribe(
        self,
        listener: Listener,
        *,
        group: str | None = None,
        entities: tuple[str, ...] | None = None,
        ordered: bool = False,
    ) -> Callable[[], None]:
        wanted = frozenset(entities) if entities is not None else None
        if group is None:
            entry = (listener, wanted)
            self._local.append(entry)

            def unsubscribe_local() -> None:
                if entry in self._local:
                    self._local.remove(entry)

            return unsubscribe_local
        task = self.run(self._start_group(group, listener, wanted, ordered)).result(30)

        def unsubscribe_group() -> None:
            self.loop.call_soon_threadsafe(task.cancel)

        return unsubscribe_group

    async def _on_node_message(self, msg: Msg) -> None:
        if codec.is_forward(msg.subject):
            return
        origin = (msg.headers or {}).get(NODE_HEADER, "")
        try:
            event = codec.decode(msg.data)
        except Exception:  # not ours to crash on: count and skip
            self.stats["undecodable"] += 1
            log.warning("undecodable event on %s", msg.subject)
            return
        if not self._pending:
            self.loop.call_soon(self._deliver_local)
        self._pending.append((event, origin))

    def _deliver_local(self) -> None:
        """Every message received so far in one call per listener (a natural batch)."""
        pending, self._pending = self._pending, []
        events = [e for e, _ in pending]
        for listener, wanted in list(self._local):
            mine = events if wanted is None else [e for e in events if e.entity in wanted]
            if mine:
                try:
                    listener(mine)
                except Exception:
                    log.exception("event listener failed")
        remote = [e for e, origin in pending if origin != self.node and e.entity != "Observation"]
        if remote:  # other nodes' changes: the writer's caches forget what they changed
            self.store.writer.submit(lambda tx: tx.state.observe(remote))

    # cluster-wide consumers --------------------------------------------------------------
    async def _start_group(
        self, group: str, listener: Listener, wanted: frozenset[str] | None, ordered: bool
    ) -> asyncio.Task[None]:
        only = next(iter(wanted)) if wanted is not None and len(wanted) == 1 else None
        psub = await retry_unready(
            lambda: self.js.pull_subscribe(
                codec.entity_filter(only),
                durable=f"cityops-{group}",
                stream=self.stream,
                config=ConsumerConfig(
                    ack_policy=AckPolicy.EXPLICIT,
                    ack_wait=ACK_WAIT,
                    max_ack_pending=1 if ordered else 1000,
                    deliver_policy=DeliverPolicy.NEW,
                ),
            ),
            f"the {group} consumer",
        )
        task = asyncio.create_task(
            self.consume(psub, listener, wanted, 1 if ordered else 100), name=f"cityops-{group}"
        )
        self._tasks.append(task)
        return task

    async def consume(
        self,
        psub: JetStreamContext.PullSubscription,
        listener: Listener,
        wanted: frozenset[str] | None,
        batch: int,
        skip_forwards: bool = True,
    ) -> None:
        """Fetch, hand over, await the listener's future, acknowledge; on failure ask for
        redelivery. Runs until cancelled."""
        while True:
            try:
                msgs = await psub.fetch(batch, timeout=1)
            except TimeoutError:
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("event fetch failed (%s); retrying", exc)
                await asyncio.sleep(1)
                continue
            forwards = [m for m in msgs if skip_forwards and codec.is_forward(m.subject)]
            for m in forwards:  # the engine's copies, not for this consumer
                await m.ack()
            msgs, events = await decode_batch([m for m in msgs if m not in forwards], self.stats)
            if wanted is not None:
                events = [e for e in events if e.entity in wanted]
            try:
                if events:
                    result = listener(events)
                    if result is not None:
                        await asyncio.wrap_future(result)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("event consumer failed; the events will be redelivered")
                for m in msgs:
                    await m.nak(delay=1)
                continue
            for m in msgs:
                await m.ack()


async def decode_batch(msgs: list[Msg], stats: Counter[str]) -> tuple[list[Msg], list[Event]]:
    """The messages that are events, and their events; a message that is no event is
    terminated (never redelivered: it would fail again for ever), counted and logged."""
    good, events = [], []
    for m in msgs:
        try:
            events.append(codec.decode(m.data))
            good.append(m)
        except Exception:
            stats["undecodable"] += 1
            log.warning("undecodable event on %s: dropped", m.subject)
            await m.term()
    return good, events

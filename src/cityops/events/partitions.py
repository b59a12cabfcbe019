"""The hazard engine as a partitioned consumer of the event log.

Datastreams are hashed to ``P`` partitions (``codec.partition_of``); a rule belongs to the
partition of its first (lowest-id) input datastream, its *home*. Each partition is owned by
exactly one live node at a time, through a lease in JetStream's key-value store:

- every node writes its heartbeat (``cityops_nodes``, key = node, TTL = lease time) every
  third of the lease time and reads the live nodes from it;
- a lease is the key ``p<n>`` of ``cityops_engine_leases`` (TTL = lease time), created by
  the node that takes the partition (create fails when it exists: one owner) and renewed
  with the revision it holds (a renewal that fails means the lease is lost: the node stops
  that partition at once);
- a node holds at most ceil(P / live nodes) partitions: it takes free ones up to that
  number and releases what it holds above it, so the partitions spread evenly over the
  live nodes and a dead node's partitions are taken once its leases expire. A node that
  hands a partition over (too many held, or stopping) deletes the lease only after its
  engine reloaded without it: the batch being evaluated has then committed its writes,
  and batches not started are skipped (never acknowledged: they go to the next owner),
  so the next owner starts from every incident this node wrote.

The owner of a partition reads its durable consumer (``cityops-engine-p<n>``: observation
events of that partition's datastreams, plus forwarded copies). An observation batch of a
datastream that is a second input of a rule at home elsewhere is forwarded there (a copy
on ``cityops.ev._fwd...``, deduplicated by the stream sequence) before it is acknowledged.
Messages are acknowledged after the engine evaluated them and its writes committed
(``Engine.submit``), so each one is evaluated once in the cluster; a node killed in
between leaves them unacknowledged and the next owner gets them again. On every change of
the partitions it owns, the engine reloads the rules at home there, rebuilds its windows
from the database and primes the incidents' levels from the open incidents, so evaluating
a batch again opens no second incident.
"""

from __future__ import annotations

import asyncio
import logging
import math
import zlib
from collections import defaultdict
from collections.abc import Callable, Mapping
from concurrent.futures import Future
from typing import Any

from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.kv import KeyValue

from cityops.events import codec
from cityops.events.jetstream import JetStreamBus, decode_batch
from cityops.events.nats import retry_unready
from cityops.store.writer import Event

log = logging.getLogger(__name__)
NODES_BUCKET = "cityops_nodes"
LEASES_BUCKET = "cityops_engine_leases"
FETCH = 200  # messages per fetch


def home_partition(datastreams: set[int] | frozenset[int], partitions: int) -> int:
    """The partition that evaluates a rule: that of its lowest-id input datastream."""
    return codec.partition_of(min(datastreams, default=0), partitions)


class EnginePartitions:
    """Leases and partition consumers of one node; feeds the engine through ``submit``."""

    def __init__(
        self,
        bus: JetStreamBus,
        submit: Callable[[list[Event]], Future[Any]],
        reown: Callable[[frozenset[int]], Future[Any]],
        catalog: Callable[[], Mapping[int, frozenset[int]]],
    ) -> None:
        self.bus, self.submit, self.reown, self.catalog = bus, submit, reown, catalog
        self.count, self.lease = bus.partitions, bus.lease_seconds
        self.ack_wait = max(5.0, 2 * self.lease)
        self.owned: dict[int, int] = {}  # partition -> lease revision
        self._applied: frozenset[int] = frozenset()  # what the engine and consumers run
        self.consumers: dict[int, asyncio.Task[None]] = {}
        self.live: list[str] = []
        self.stats: dict[str, int] = defaultdict(int)
        self._task: asyncio.Task[None] | None = None
        self._homes: tuple[int, dict[int, set[int]]] = (0, {})

    # life cycle --------------------------------------------------------------------------
    def start(self) -> None:
        self.bus.run(self._start()).result(180)

    def stop(self) -> None:
        try:
            self.bus.run(self._stop()).result(30)
        except Exception:
            log.exception("releasing the engine partitions failed")

    async def _start(self) -> None:
        # each call retried while JetStream elects leaders (a NATS node just died)
        js = self.bus.js
        replicas = getattr(self.bus, "replicas", 1)
        self.nodes: KeyValue = await retry_unready(
            lambda: js.create_key_value(
                bucket=NODES_BUCKET, ttl=self.lease, history=1, replicas=replicas
            ),
            "the engine's node bucket",
        )
        self.leases: KeyValue = await retry_unready(
            lambda: js.create_key_value(
                bucket=LEASES_BUCKET, ttl=self.lease, history=1, replicas=replicas
            ),
            "the engine's lease bucket",
        )
        for p in range(self.count):  # every partition's consumer exists before data flows
            config = self._config(p)
            await retry_unready(
                lambda c=config: js.add_consumer(self.bus.stream, c),  # type: ignore[misc]
                f"engine partition {p}'s consumer",
            )
        await retry_unready(lambda: self.nodes.put(self.bus.node, b"1"), "the node's entry")
        self._task = asyncio.create_task(self._leases(), name="cityops-engine-leases")

    def _config(self, p: int) -> ConsumerConfig:
        return ConsumerConfig(
            durable_name=f"cityops-engine-p{p}",
            filter_subject=codec.entity_filter("Observation", p),
            ack_policy=AckPolicy.EXPLICIT,
            ack_wait=self.ack_wait,
            max_ack_pending=10_000,
            deliver_policy=DeliverPolicy.NEW,
        )

    async def _stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        await self._release(list(self.owned))
        try:
            await self.nodes.delete(self.bus.node)
        except Exception:
            pass

    # leases ------------------------------------------------------------------------------
    async def _leases(self) -> None:
        renewed = self.bus.loop.time()
        while True:
            await asyncio.sleep(self.lease / 3)
            try:
                await self._round()
                renewed = self.bus.loop.time()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS unavailable: leases lapse, others take over
                log.warning("engine lease round failed: %s", exc)
                if self.owned and self.bus.loop.time() - renewed > self.lease:
                    log.warning("engine leases lapsed: evaluating nothing until renewed")
                    self.stats["lapsed"] += 1
                    for p in list(self.owned):
                        await self._drop(p)
            finally:
                try:
                    await self._apply()  # also after a round that failed half-way
                except Exception:
                    log.exception("hazard engine could not take its partitions; retrying")

    async def _round(self) -> None:
        await self.nodes.put(self.bus.node, b"1")
        try:
            self.live = sorted(await self.nodes.keys())
        except Exception:  # no keys (ours expired in a pause)
            self.live = [self.bus.node]
        target = math.ceil(self.count / max(1, len(self.live)))
        for p, revision in list(self.owned.items()):
            try:
                self.owned[p] = await self.leases.update(f"p{p}", self.bus.node.encode(), revision)
            except Exception:
                log.warning("engine partition %d: lease lost", p)
                self.stats["lost"] += 1
                await self._drop(p)
        extra = sorted(self.owned, reverse=True)[: max(0, len(self.owned) - target)]
        if extra:
            await self._release(extra)
        if len(self.owned) < target:
            start = zlib.crc32(self.bus.node.encode()) % self.count  # spread first tries
            for i in range(self.count):
                p = (start + i) % self.count
                if len(self.owned) >= target:
                    break
                if p in self.owned:
                    continue
                try:
                    self.owned[p] = await self.leases.create(f"p{p}", self.bus.node.encode())
                    self.stats["taken"] += 1
                except Exception:
                    continue  # owned by another node

    async def _apply(self) -> None:
        """Bring the engine and the consumers to the partitions held: the engine reloads
        for the new set first (after the batches it already has), then new ones start."""
        now = frozenset(self.owned)
        if now == self._applied:
            return
        log.info("engine partitions of %s: %s", self.bus.node, sorted(now))
        await asyncio.wrap_future(self.reown(now))
        self._applied = now
        for p in sorted(now):
            if p not in self.consumers:
                self.consumers[p] = asyncio.create_task(
                    self._consume(p), name=f"cityops-engine-p{p}"
                )

    async def _drop(self, p: int) -> None:
        """Stop consuming ``p`` (what was fetched and not acknowledged goes to the next
        owner again)."""
        self.owned.pop(p, None)
        task = self.consumers.pop(p, None)
        if task is not None:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)

    async def _release(self, parts: list[int]) -> None:
        """Hand partitions over: stop their consumers, let the engine reload without them
        (after the batch it is evaluating; the others it skips, unacknowledged), only then
        delete the leases, so that the next owner starts from every incident written."""
        revisions = {p: self.owned[p] for p in parts if p in self.owned}
        for p in parts:
            await self._drop(p)
        await self._apply()
        for p, revision in revisions.items():
            try:
                await self.leases.delete(f"p{p}", last=revision)
            except Exception:
                pass  # expires by itself

    # consuming ---------------------------------------------------------------------------
    def homes(self, datastream: int) -> set[int]:
        """The home partitions of the rules that read ``datastream``."""
        catalog = self.catalog()
        if self._homes[0] != id(catalog):
            by_ds: dict[int, set[int]] = defaultdict(set)
            for streams in catalog.values():
                home = home_partition(streams, self.count)
                for ds in streams:
                    by_ds[ds].add(home)
            self._homes = (id(catalog), dict(by_ds))
        return self._homes[1].get(datastream, set())

    async def _consume(self, p: int) -> None:
        while True:  # until cancelled: a lost subscription is bound again
            try:
                await self._consume_once(p)
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("engine partition %d: consumer failed (%s); again in 1 s", p, exc)
                await asyncio.sleep(1)

    async def _consume_once(self, p: int) -> None:
        psub = await self.bus.js.pull_subscribe_bind(
            consumer=f"cityops-engine-p{p}", stream=self.bus.stream
        )
        try:
            while True:
                try:
                    msgs = await psub.fetch(FETCH, timeout=1)
                except TimeoutError:
                    continue
                except asyncio.CancelledError:
                    raise
                except Exception as exc:
                    log.warning("engine partition %d: fetch failed (%s)", p, exc)
                    await asyncio.sleep(1)
                    continue
                msgs, events = await decode_batch(msgs, self.bus.stats)
                try:
                    for m in msgs:
                        if codec.is_forward(m.subject):
                            continue
                        ds = int(m.subject.split(".")[4])
                        for home in sorted(self.homes(ds) - {p}):
                            seq = m.metadata.sequence.stream if m.metadata.sequence else 0
                            await self.bus.publish_raw(
                                codec.forward_subject(ds, home), m.data, f"fwd-{seq}-{home}"
                            )
                            self.stats["forwarded"] += 1
                    await asyncio.wrap_future(self.submit(events))
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("engine partition %d: batch failed; redelivered", p)
                    for m in msgs:
                        await m.nak(delay=1)
                    continue
                for m in msgs:
                    await m.ack()
                self.stats["batches"] += 1
        finally:
            await psub.unsubscribe()

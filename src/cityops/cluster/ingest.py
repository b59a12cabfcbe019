"""Observation writes through the log: acknowledged once a replicated stream holds them,
stored by consumers in batches, the stream acknowledged only after the commit.

Publishing (any node, ``IngestLog.accept``): the checks the client must see are made first
(``check.Checker``), ids are reserved (``ids.IdPool``), every observation gets a receipt key
(its own, e.g. an MQTT message's, or ``("log", id)``), and the write is published to the
``cityops-ingest`` stream with a ``Nats-Msg-Id``: a publish retried after a lost answer is
dropped by the stream's duplicate window. JetStream answers a publish once a majority of
the stream's replicas hold it; only then does the client get its 201 (or PUBACK).

Storing (every node, ``Consumer``): one durable pull consumer shared by all nodes (a work
queue: each message goes to one node at a time). A fetched batch becomes one write job:
one ``ingest.write.store_batch`` call (one bulk insert) per principal, each in a savepoint;
a group that fails is stored again message by message so that only the bad write fails.
After the commit the messages are acknowledged. A node killed before that leaves them
unacknowledged: after ``ACK_WAIT`` another node gets them, and the receipt keys make the
second store a no-op for rows already committed. A write that can no longer be stored
(its Datastream was deleted after the 201) is logged and terminated, never retried for
ever.
"""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy
from nats.js.errors import Error as JsError
from nats.js.errors import FetchTimeoutError

from cityops.auth import audit
from cityops.auth.principal import Principal
from cityops.cluster.check import Checker
from cityops.cluster.codec import Write, decode, encode
from cityops.cluster.ids import IdPool
from cityops.datamodel.observation import ObservationIn, parse_observation
from cityops.errors import CityOpsError, InvalidInput, ServiceUnavailable
from cityops.events.nats import ensure_stream
from cityops.ingest.write import Stored, store_batch
from cityops.store.base import Store
from cityops.store.writer import Tx

log = logging.getLogger(__name__)

STREAM = "cityops-ingest"
SUBJECT = "cityops.ingest"
DURABLE = "cityops-writers"
RECEIPT_SOURCE = "log"
ACK_WAIT = 15.0  # seconds before another node takes over an unacknowledged message
FETCH_MAX = 500  # messages fetched at once
TRANSACTION_ROWS = 20_000  # observations in one transaction (at least one whole message)
PUBLISH_SECONDS = 20.0  # how long a publish is retried (NATS leader election) before 503


@dataclass
class LogStats:
    accepted: int = 0  # observations acknowledged to clients
    stored: int = 0  # observations committed by this node's consumer
    duplicates: int = 0  # redelivered observations found stored already
    dropped: int = 0  # acknowledged observations that could not be stored (logged)
    batches: int = 0
    redelivered: int = 0  # messages this node got that had been delivered before


@dataclass
class _Job:
    msg: Msg
    write: Write
    failed: bool = False
    results: list[int] = field(default_factory=list)


class IngestLog:
    """Publish observation writes to the stream; run the consumer that stores them."""

    def __init__(self, store: Store, nc: Client) -> None:
        self.store, self.nc = store, nc
        self.js = nc.jetstream()
        self.ids = IdPool(store)
        self.checker = Checker()
        self.stats = LogStats()
        self.replicas = 0
        self._task: asyncio.Task[None] | None = None

    async def start(self, consume: bool = True) -> None:
        self.replicas = await ensure_stream(
            self.nc, STREAM, [f"{SUBJECT}.>"], retention=RetentionPolicy.WORK_QUEUE
        )
        if consume:
            self._task = asyncio.create_task(self._consume(), name="cityops-ingest-log")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass

    # ---- publishing ----------------------------------------------------------------
    async def accept(
        self,
        kind: str,
        principal: Principal,
        batch: Sequence[ObservationIn],
        remote: str | None = None,
    ) -> list[int | CityOpsError]:
        """Check ``batch``, reserve ids and publish the writable observations; return the
        id of each, or why it was refused. Returns once the stream holds them (raises
        ServiceUnavailable when the stream cannot be reached within PUBLISH_SECONDS)."""
        items = list(batch)
        if self.checker.needs_database(items):
            errors = await self.store.read_async(
                lambda conn: self.checker.check(conn, items, principal)
            )
        else:
            errors = self.checker.check(None, items, principal)
        good = [o for o, e in zip(batch, errors, strict=True) if e is None]
        ids = iter(await self.ids.take(len(good)))
        for obs in good:
            obs.id = next(ids)
            if obs.receipt is None:
                obs.receipt = (RECEIPT_SOURCE, str(obs.id))
        if good:
            await self._publish(Write(kind, principal, good, remote))
            self.stats.accepted += len(good)
        return [e if e is not None else int(o.id or 0) for o, e in zip(batch, errors, strict=True)]

    async def post(self, body: Any, principal: Principal, parent: Any, remote: str | None) -> int:
        """POST /Observations (or under a Datastream or FeatureOfInterest): the new id."""
        if not isinstance(body, dict):
            raise InvalidInput("Observation: must be a JSON object", field="Observation")
        name = parent.et.name if parent is not None else None
        ds = parent.id if name == "Datastream" else None
        foi = parent.id if name == "FeatureOfInterest" else None
        if parent is not None and ds is None and foi is None:
            raise InvalidInput(f"cannot create an Observation under {name}", field="Observation")
        obs = parse_observation(body, datastream_id=ds, foi_id=foi)
        (result,) = await self.accept("post", principal, [obs], remote)
        if isinstance(result, CityOpsError):
            raise result
        return result

    async def bulk(
        self, batch: list[ObservationIn], principal: Principal, remote: str | None
    ) -> list[int]:
        """CreateObservations' valid rows: their ids. As on the direct path, a row the
        caller may not write refuses the whole request."""
        results = await self.accept("bulk", principal, batch, remote)
        for result in results:
            if isinstance(result, CityOpsError):
                raise result
        return [int(r) for r in results]  # type: ignore[arg-type]

    async def _publish(self, write: Write) -> None:
        data = encode(write)
        if len(data) > self.nc.max_payload * 0.9 and len(write.observations) > 1:
            half = len(write.observations) // 2
            for part in (write.observations[:half], write.observations[half:]):
                await self._publish(Write(write.kind, write.principal, part, write.remote))
            return
        first = write.observations[0].id
        headers = {"Nats-Msg-Id": f"obs-{first}-{len(write.observations)}"}
        loop = asyncio.get_running_loop()
        deadline = loop.time() + PUBLISH_SECONDS
        while True:
            try:
                await self.js.publish(
                    f"{SUBJECT}.{write.kind}", data, timeout=2.0, stream=STREAM, headers=headers
                )
                return
            except (NatsError, JsError) as exc:  # no answer, no stream leader, reconnecting
                if loop.time() > deadline:
                    raise ServiceUnavailable(
                        f"the event log (events_url) did not accept the write: {exc}"
                    ) from exc
                await asyncio.sleep(0.2)  # a stream leader is being elected

    # ---- consuming -----------------------------------------------------------------
    async def _consume(self) -> None:
        sub = None
        failures = store_failures = 0
        while True:
            try:
                if sub is None:
                    sub = await self.js.pull_subscribe(
                        f"{SUBJECT}.>",
                        durable=DURABLE,
                        stream=STREAM,
                        config=ConsumerConfig(
                            ack_policy=AckPolicy.EXPLICIT,
                            ack_wait=ACK_WAIT,
                            max_deliver=-1,
                            max_ack_pending=20 * FETCH_MAX,
                        ),
                    )
                msgs = await sub.fetch(FETCH_MAX, timeout=1.0)
            except (TimeoutError, FetchTimeoutError, NatsTimeout):
                continue
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # NATS node lost, consumer leader moving
                failures += 1
                if failures == 1 or failures % 120 == 0:  # once, then once a minute
                    log.warning("ingest log: fetch failed (%s); retrying", exc)
                await asyncio.sleep(0.5)
                continue
            failures = 0
            try:
                await self.store_messages(msgs)
            except asyncio.CancelledError:
                raise
            except Exception:  # the database is down: not acknowledged, redelivered
                store_failures += 1
                if store_failures == 1 or store_failures % 60 == 0:  # then once a minute
                    log.exception("ingest log: storing a batch failed; it will be redelivered")
                await self._give_back(msgs)
                await asyncio.sleep(1.0)
                continue
            store_failures = 0

    @staticmethod
    async def _give_back(msgs: list[Msg]) -> None:
        """Not stored: let the stream deliver them again now rather than after ACK_WAIT."""
        for msg in msgs:
            try:
                await msg.nak()
            except Exception:  # acknowledged already, or the connection is away
                pass

    async def store_messages(self, msgs: list[Msg]) -> None:
        """Store ``msgs`` in one transaction; acknowledge them after the commit."""
        jobs: list[_Job] = []
        for msg in msgs:
            if msg.metadata.num_delivered > 1:
                self.stats.redelivered += 1
            try:
                jobs.append(_Job(msg, decode(msg.data)))
            except (ValueError, KeyError, TypeError) as exc:
                log.error("ingest log: dropping a message CityOps cannot read: %s", exc)
                await msg.term()
        chunk: list[_Job] = []
        size = 0
        for job in jobs:  # bulk writes are large: bound the rows of one transaction
            chunk.append(job)
            size += len(job.write.observations)
            if size >= TRANSACTION_ROWS:
                await self._commit(chunk)
                chunk, size = [], 0
        if chunk:
            await self._commit(chunk)

    async def _commit(self, jobs: list[_Job]) -> None:
        await self.store.write(_store_job(jobs))
        self.stats.batches += 1
        for job in jobs:
            if job.failed:
                self.stats.dropped += len(job.write.observations)
                await job.msg.term()
            else:
                new = set(job.results)
                self.stats.stored += len(new)
                self.stats.duplicates += len(job.write.observations) - len(new)
                await job.msg.ack()


def _store_job(jobs: list[_Job]) -> Any:
    groups: dict[Principal, list[_Job]] = defaultdict(list)
    for job in jobs:
        groups[job.write.principal].append(job)

    def run(tx: Tx) -> None:
        for principal, group in groups.items():
            try:
                _store(tx, principal, group)
            except CityOpsError:
                for job in group:  # isolate the write that cannot be stored
                    try:
                        _store(tx, principal, [job])
                    except CityOpsError as exc:
                        job.failed = True
                        log.error(
                            "ingest log: %d acknowledged observation(s) of %s cannot be "
                            "stored and are dropped: %s",
                            len(job.write.observations),
                            principal.name,
                            exc.message,
                        )

    return run


def _store(tx: Tx, principal: Principal, group: list[_Job]) -> None:
    """Store the writes of one principal with one bulk insert, in a savepoint."""
    mark = len(tx.events)
    try:
        with tx.conn.begin_nested():
            stored = store_batch(tx, [o for j in group for o in j.write.observations], principal)
            _audit(tx, principal, group, stored)
    except Exception:
        del tx.events[mark:]
        raise
    inserted = {int(r["id"]) for r in stored.rows}
    for job in group:
        job.results = [
            o.id for o in job.write.observations if o.id is not None and o.id in inserted
        ]


def _audit(tx: Tx, principal: Principal, group: list[_Job], stored: Stored) -> None:
    """The audit rows the HTTP write paths record (MQTT writes have none, as before)."""
    org_of = {ds_id: row.org_id for ds_id, row in stored.streams.items()}
    inserted = {int(r["id"]) for r in stored.rows}
    for job in group:
        obs = [o for o in job.write.observations if o.id in inserted]
        if job.write.kind == "post" and obs:
            o = obs[0]
            audit.record(
                tx, principal, "create", "Observation", o.id,
                remote=job.write.remote, org_id=org_of.get(o.datastream_id),
            )  # fmt: skip
        elif job.write.kind == "bulk" and obs:
            counts: dict[int | None, int] = defaultdict(int)
            for o in obs:
                counts[org_of.get(o.datastream_id)] += 1
            for org, count in counts.items():
                audit.record(
                    tx, principal, "create", "Observation", obs[0].id,
                    {"count": count, "path": "CreateObservations"}, job.write.remote, org,
                )  # fmt: skip

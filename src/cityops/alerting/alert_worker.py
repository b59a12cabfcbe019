"""The public-warnings worker: turns incident changes into alerts, and delivers issued
alerts on the notification channels.

It listens to the store's commits (in the writer thread it only hands events over to the
event loop). Incident events are processed one at a time, in order, each in its own write
job, so the chain of one incident is built in sequence and one bad rule fails alone.
Deliveries run in their own task with a timeout per attempt; nothing here ever waits
inside ingest or the hazard engine.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from datetime import UTC, datetime
from functools import partial
from typing import Any, Protocol

from sqlalchemy import delete, select

from cityops.errors import CityOpsError
from cityops.events import bus_of
from cityops.events.bus import EventBus
from cityops.settings import Settings
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.writer import Event, Tx

from . import residents
from .auto_issue import release_due
from .cap_alerts import on_incident
from .cap_issue import base_url, page_url
from .channels import DeliveryError, Message, channel_types
from .channels.outbox import Claimed, claim_due, next_due, record
from .channels.webpush import VAPID_SECRET, SubscriptionGone, new_vapid_pem
from .escalation import escalate_due, send_escalations

log = logging.getLogger(__name__)
_WAKE_ENTITIES = ("Alert", "AlertDelivery")
STOP_TIMEOUT = 5.0
PERIODIC_INTERVAL = 30.0  # seconds between escalation / held-update checks


class AlertWorker:
    """Start with :meth:`start` inside the running event loop; stop with :meth:`stop`."""

    def __init__(self, store: Store, settings: Settings, bus: EventBus | None = None) -> None:
        self.store, self.settings, self.bus = store, settings, bus
        # (incident, changes, future done once processed: a cluster acknowledges then)
        self.incidents: asyncio.Queue[tuple[int, list[str], Future[None] | None]] = asyncio.Queue()
        self.wake = asyncio.Event()
        self.errors = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._unsubscribe: Any = None
        self.keys: dict[str, str] = {}

    # lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self.keys = await self.store.write(server_keys)
        if self.bus is not None and self.bus.clustered:
            # Cluster: each incident change once in the cluster, in order (durable group,
            # acknowledged after its alert job); deliveries are woken on every node.
            wake = self.bus.subscribe(self._listen, entities=_WAKE_ENTITIES)
            once = self.bus.subscribe(
                self._listen_incidents, group="alerts", entities=("Incident",), ordered=True
            )
            self._unsubscribe = lambda: (wake(), once())
        else:
            self._unsubscribe = self.store.subscribe(self._listen)
        self._tasks = [
            asyncio.create_task(self._incident_loop(), name="cityops-alerts"),
            asyncio.create_task(self._delivery_loop(), name="cityops-deliveries"),
            asyncio.create_task(self._periodic_loop(), name="cityops-escalation"),
        ]

    async def stop(self) -> None:
        if self._unsubscribe:
            self._unsubscribe()
        for task in self._tasks:
            task.cancel()
        if self._tasks:  # bounded: a channel library stuck in its shutdown must not hang us
            await asyncio.wait(self._tasks, timeout=STOP_TIMEOUT)
        self._tasks = []

    def _listen(self, events: list[Event]) -> None:
        """Writer thread: pass incident changes on; wake the delivery loop on alerts."""
        if self._loop is None or self._loop.is_closed():
            return
        wake = False
        for e in events:
            if e.entity == "Incident" and e.data.get("origin", "engine") == "engine":
                item = (int(e.id), list(e.data.get("changes") or []), None)
                self._loop.call_soon_threadsafe(self.incidents.put_nowait, item)
            wake = wake or e.entity in _WAKE_ENTITIES
        if wake:
            self._loop.call_soon_threadsafe(self.wake.set)

    def _listen_incidents(self, events: list[Event]) -> Future[None] | None:
        """Cluster group listener: queue the engine's incident changes; the future is done
        when the last of them was processed (then the bus acknowledges them)."""
        if self._loop is None or self._loop.is_closed():
            raise RuntimeError("the alert worker is not running")
        last: Future[None] | None = None
        for e in events:
            if e.entity == "Incident" and e.data.get("origin", "engine") == "engine":
                last = Future()
                item = (int(e.id), list(e.data.get("changes") or []), last)
                self._loop.call_soon_threadsafe(self.incidents.put_nowait, item)
        return last

    async def drain(self) -> None:
        """Wait until every incident change handed over so far has been processed."""
        await asyncio.sleep(0)
        await self.incidents.join()

    # incidents -> alerts ---------------------------------------------------------------
    async def _incident_loop(self) -> None:
        while True:
            incident_id, changes, done = await self.incidents.get()
            try:
                await self.store.write(
                    partial(
                        on_incident,
                        incident_id=incident_id,
                        changes=changes,
                        settings=self.settings,
                    )
                )
            except CityOpsError as exc:
                self.errors += 1
                log.warning("no alert for incident %s: %s", incident_id, exc.message)
            except Exception:
                self.errors += 1
                log.exception("alerting on incident %s failed", incident_id)
            finally:
                self.incidents.task_done()
                if done is not None:
                    done.set_result(None)

    # time-driven: held automatic updates, escalation of unacknowledged incidents --------
    async def _periodic_loop(self) -> None:
        while True:
            await asyncio.sleep(PERIODIC_INTERVAL)
            try:
                await self.periodic()
            except Exception:
                log.exception("periodic alerting round failed")

    async def periodic(self) -> tuple[list[int], int]:
        """Issue held automatic drafts whose interval passed; escalate overdue incidents.
        Returns (alert ids issued, escalations sent)."""
        released = await self.store.write(partial(release_due, settings=self.settings))
        messages = await self.store.write(partial(escalate_due, settings=self.settings))
        sent = await send_escalations(self.settings, messages) if messages else 0
        return released, sent

    # deliveries ------------------------------------------------------------------------
    async def _delivery_loop(self) -> None:
        while True:
            try:
                await self.deliver_due()
                wait = self._seconds_to_next()
            except Exception:
                log.exception("delivery round failed")
                wait = self.settings.delivery_poll_interval
            try:
                await asyncio.wait_for(self.wake.wait(), timeout=wait)
            except TimeoutError:
                pass
            self.wake.clear()

    def _seconds_to_next(self) -> float:
        with self.store.read() as conn:
            due = next_due(conn)
        poll = self.settings.delivery_poll_interval
        if due is None:
            return poll
        return min(max((due - datetime.now(UTC)).total_seconds(), 0.01), poll)

    async def deliver_due(self) -> int:
        """Send every due delivery once (concurrently); returns how many were tried."""
        lease = self.settings.delivery_timeout * 2 + 5
        claimed = await self.store.write(lambda tx: claim_due(tx, lease))
        if not claimed:
            return 0
        messages = self._messages({c.alert_id for c in claimed})
        gone: list[int] = []
        results = await asyncio.gather(
            *(self._attempt(c, messages[c.alert_id], gone) for c in claimed)
        )
        await self.store.write(
            lambda tx: record(tx, list(zip(claimed, results, strict=True)), self.settings)
        )
        if gone:  # a resident's phone dropped the subscription: delete it, as unsubscribing
            await self.store.write(lambda tx: _forget(tx, gone))
        return len(claimed)

    def _message(self, c: Claimed, message: Message) -> Message:
        """The alert as this subscriber gets it: language, and a resident's unsubscribe link."""
        unsubscribe = None
        if c.public and c.channel == "email" and residents.LINK_KEY in self.keys:
            key = self.keys[residents.LINK_KEY]
            token = residents.sign_token(key, "unsubscribe", c.subscription_id, c.target)
            unsubscribe = f"{base_url(self.settings)}/public/email/unsubscribe?token={token}"
        return Message(
            message.alert_id,
            c.id,
            message.org,
            message.xml,
            message.summary,
            language=c.language,
            unsubscribe_url=unsubscribe,
        )

    async def _attempt(self, c: Claimed, message: Message, gone: list[int]) -> str | None:
        """One attempt; the error text, or None when delivered."""
        try:
            channel = channel_types.get(c.channel)(self.settings, self.keys)
            await asyncio.wait_for(
                channel.send(c.target, c.secret, self._message(c, message)),
                self.settings.delivery_timeout,
            )
        except SubscriptionGone as exc:
            if c.public:
                gone.append(c.subscription_id)
            return str(exc)
        except DeliveryError as exc:
            return str(exc) or "delivery failed"
        except TimeoutError:
            return f"timed out after {self.settings.delivery_timeout} s"
        except Exception as exc:  # a channel bug must not stop the others
            log.exception("channel %s failed", c.channel)
            return f"{type(exc).__name__}: {exc}"
        return None

    def _messages(self, alert_ids: set[int]) -> dict[int, Message]:
        a, o = s.alerts, s.organisations
        with self.store.read() as conn:
            rows = conn.execute(
                select(a, o.c.slug)
                .outerjoin(o, o.c.id == a.c.org_id)
                .where(a.c.id.in_(sorted(alert_ids)))
            )
            return {int(r.id): message_of(r, self.settings) for r in rows}


def message_of(row: Any, settings: Settings) -> Message:
    """An issued alert row as the message channels send."""
    infos = [
        {
            k: i.get(k)
            for k in (
                "language",
                "event",
                "headline",
                "description",
                "instruction",
                "severity",
                "urgency",
            )
        }
        for i in row.infos or []
    ]
    summary = {
        "type": "cap-alert",
        "id": int(row.id),
        "identifier": row.identifier,
        "sender": row.sender,
        "sent": row.sent.isoformat() if row.sent else None,
        "msg_type": row.msg_type,
        "severity": row.severity,
        "org": row.slug,
        "incident_id": row.incident_id,
        "chain_id": row.chain_id,
        "page_url": page_url(settings, int(row.id)),
        "references": (row.references or "").split(),
        "cap_url": f"{base_url(settings)}/alerts/{row.id}.xml",
        "headline": infos[0]["headline"] if infos else None,
        "infos": infos,
    }
    return Message(int(row.id), 0, row.slug or "cityops", bytes(row.xml), summary)


def server_keys(tx: Tx) -> dict[str, str]:
    """The server's keys channels need, created once: VAPID (Web Push) and the key of
    residents' links."""
    import secrets

    return {
        VAPID_SECRET: residents.server_secret(tx, VAPID_SECRET, new_vapid_pem),
        residents.LINK_KEY: residents.server_secret(
            tx, residents.LINK_KEY, lambda: secrets.token_urlsafe(32)
        ),
    }


def _forget(tx: Tx, subscription_ids: list[int]) -> None:
    t = s.alert_subscriptions
    tx.conn.execute(delete(t).where(t.c.id.in_(subscription_ids), t.c.public.is_(True)))


class _Services(Protocol):
    alerts: AlertWorker | None


class Host(Protocol):
    """What the alert worker needs of the app's context (``api.context.Context``)."""

    @property
    def settings(self) -> Settings: ...

    @property
    def store(self) -> Store: ...

    @property
    def services(self) -> _Services: ...


def alert_worker(
    ctx: Host,
) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    """Factory for the app lifespan (a ``cityops.workers`` entry point): the worker on the
    app's store and settings."""
    worker = AlertWorker(ctx.store, ctx.settings, bus_of(ctx))
    ctx.services.alerts = worker
    return worker.start, worker.stop

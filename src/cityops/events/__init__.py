"""The event log: how committed changes reach the components that react to them.

Jobs record events (``tx.emit``); after the commit the store hands them to the bus. Two
buses with one interface (``bus.EventBus``):

- ``InProcessBus`` (``settings.events_url`` unset, the embedded default): the store's own
  commit listeners, as before; each process sees only its own commits.
- ``JetStreamBus`` (``events_url`` set): every node publishes its commits to a replicated
  NATS JetStream stream and every consumer reads the stream, so each node sees every
  commit of the cluster (``jetstream.py``). The hazard engine reads it as a partitioned
  consumer (``partitions.py``).

Messages (subjects, payloads, the split of large batches) are in ``codec.py``; the NATS
connection and the replicated streams in ``nats.py`` (also used by ``cluster``'s ingest log).
``make_bus`` picks a bus from the settings; ``bus_of(ctx)`` is
the one the app started.
"""

from __future__ import annotations

from typing import Any

from cityops.events.bus import EventBus, InProcessBus
from cityops.settings import Settings
from cityops.store.base import Store

__all__ = ["EventBus", "InProcessBus", "bus_of", "make_bus"]


def make_bus(settings: Settings, store: Store) -> EventBus:
    """The bus ``settings`` ask for: JetStream when ``events_url`` is set."""
    if not settings.events_url:
        return InProcessBus(store)
    from cityops.events.jetstream import JetStreamBus

    return JetStreamBus(
        store,
        settings.events_url,
        partitions=settings.engine_partitions,
        lease_seconds=settings.engine_lease_seconds,
    )


def bus_of(ctx: Any) -> EventBus:
    """The app's bus (``ctx.services["events"]``), or an in-process one on ``ctx.store``
    for contexts built without one (tests that start one worker alone)."""
    bus = ctx.services.get("events")
    if bus is None:
        bus = ctx.services["events"] = InProcessBus(ctx.store)
    return bus  # type: ignore[no-any-return]

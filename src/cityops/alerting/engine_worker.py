"""The hazard engine as an app worker (entry point ``hazard_engine`` in ``cityops.workers``):
it evaluates rules on every committed ingest batch.

In-process (``events_url`` unset) it listens to the store's commits. On a cluster it is a
partitioned consumer of the event log (``cityops.events.partitions``): it evaluates the
rules at home in the partitions this node holds a lease on, and hears of rule changes
from every node."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from cityops.alerting.engine import Engine
    from cityops.store.base import Store

from cityops.events import bus_of

StartStop = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]


class _Services(Protocol):
    engine: Engine | None
    engine_partitions: Any  # events.partitions.EnginePartitions on a cluster node


class Host(Protocol):
    """What the engine's worker needs of the app's context (``api.context.Context``)."""

    @property
    def store(self) -> Store: ...

    @property
    def services(self) -> _Services: ...


def hazard_engine_worker(ctx: Host) -> StartStop:
    """Factory for the app's lifespan: the engine on the app's store."""
    from cityops.alerting.engine import Engine

    engine = Engine(ctx.store)
    ctx.services.engine = engine
    bus = bus_of(ctx)
    state: dict[str, Any] = {}

    async def start() -> None:
        if not bus.clustered:
            engine.start()
            return
        from cityops.events.partitions import EnginePartitions, home_partition

        engine.owns = lambda a: False  # nothing until a lease is held
        engine.start(partial(bus.subscribe, entities=("Rule",)))

        def reown(owned: frozenset[int]) -> Any:
            count = bus.partitions  # type: ignore[attr-defined]
            return engine.reown(lambda a: home_partition(a.datastreams, count) in owned)

        parts = EnginePartitions(bus, engine.submit, reown, lambda: engine.catalog)  # type: ignore[arg-type]
        ctx.services.engine_partitions = state["parts"] = parts
        parts.start()

    async def stop() -> None:
        if "parts" in state:
            state["parts"].stop()
        engine.stop()

    return start, stop

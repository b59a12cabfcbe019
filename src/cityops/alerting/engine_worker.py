"""The hazard engine as an app worker (entry point ``hazard_engine`` in ``cityops.workers``):
it evaluates rules on every committed ingest batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from cityops.alerting.engine import Engine
    from cityops.store.base import Store

StartStop = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]


class _Services(Protocol):
    engine: Engine | None


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

    async def start() -> None:
        engine.start()

    async def stop() -> None:
        engine.stop()

    return start, stop

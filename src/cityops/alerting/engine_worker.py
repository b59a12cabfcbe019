"""The hazard engine as an app worker (entry point ``hazard_engine`` in ``cityops.workers``):
it evaluates rules on every committed ingest batch."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

StartStop = tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]


def hazard_engine_worker(ctx: Any) -> StartStop:
    """Factory for the app's lifespan: the engine on the app's store."""
    from cityops.alerting.engine import Engine

    engine = Engine(ctx.store)
    ctx.services["engine"] = engine

    async def start() -> None:
        engine.start()

    async def stop() -> None:
        engine.stop()

    return start, stop

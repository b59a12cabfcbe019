"""The ``partitions`` worker: keeps the months ahead of observations partitioned.

At start and then every hour each CityOps node makes sure the current month and
``partition_months_ahead`` more have a partition (``partitions.ensure_ahead``; nodes
serialise on an advisory lock, so several nodes are safe). A failure is logged and retried
at the next run: meanwhile observations of a month without a partition go to the default
partition and nothing is refused. A no-op on SQLite.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from cityops.store import partitions

log = logging.getLogger(__name__)
INTERVAL = 3600.0  # seconds between runs: months change rarely, a run costs one lock


def partitions_worker(
    ctx: Any, interval: float = INTERVAL
) -> tuple[Callable[[], Awaitable[None]], Callable[[], Awaitable[None]]]:
    store, ahead = ctx.store, ctx.settings.partition_months_ahead
    task: asyncio.Task[None] | None = None

    async def run_once() -> None:
        try:
            created = await asyncio.to_thread(partitions.ensure_ahead, store.write_engine, ahead)
        except Exception:
            log.exception("could not create the partitions ahead (retried in %.0f s)", interval)
            return
        if created:
            log.info("created observation partitions %s", ", ".join(created))

    async def loop() -> None:
        while True:
            await asyncio.sleep(interval)
            await run_once()

    async def start() -> None:
        nonlocal task
        if store.kind != "postgresql":
            return
        await run_once()
        task = asyncio.create_task(loop(), name="cityops-partitions")

    async def stop() -> None:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    return start, stop

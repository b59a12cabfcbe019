"""Observation ids reserved before the write is acknowledged.

A client that POSTs an Observation gets ``201`` with its ``@iot.id`` and ``Location``
(SensorThings clients read the id from there), but through the log the row is written
after the answer. So ids come from PostgreSQL's own sequence of ``observations.id``, taken
``BLOCK`` at a time per node (one ``nextval`` query per block, not per request): unique
across all nodes and the plain write path, never reused. A node that dies leaves the rest
of its block unused (gaps in ids, as PostgreSQL's sequences already allow).
"""

from __future__ import annotations

import asyncio
from collections import deque

from sqlalchemy.engine import Connection

from cityops.store import schema as s
from cityops.store.base import Store

BLOCK = 1000


def _reserve_in(conn: Connection, dialect: object, n: int) -> list[int]:
    reserve = getattr(dialect, "reserve_ids", None)
    if reserve is None:
        raise RuntimeError("ingest through the log needs PostgreSQL (database_url)")
    return [int(i) for i in reserve(conn, s.observations, n)]


class IdPool:
    def __init__(self, store: Store, block: int = BLOCK) -> None:
        self.store, self.block = store, block
        self._free: deque[int] = deque()
        self._lock = asyncio.Lock()

    async def take(self, n: int) -> list[int]:
        """``n`` fresh Observation ids (ascending within a block)."""
        async with self._lock:
            while len(self._free) < n:
                self._free.extend(await self._reserve(max(self.block, n - len(self._free))))
            return [self._free.popleft() for _ in range(n)]

    async def _reserve(self, n: int) -> list[int]:
        dialect = self.store.dialect
        return await self.store.read_async(lambda conn: _reserve_in(conn, dialect, n))

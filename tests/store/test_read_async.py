"""``Store.read_async``: a read for async code that never blocks the event loop."""

from __future__ import annotations

import asyncio
import threading

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from cityops.errors import NotFound
from cityops.store.base import Store


def test_read_async_runs_off_the_loop_and_returns_the_result(store: Store) -> None:
    def query(conn: Connection) -> tuple[int, str]:
        return conn.execute(text("SELECT 41 + 1")).scalar_one(), threading.current_thread().name

    async def main() -> tuple[tuple[int, str], str]:
        return await store.read_async(query), threading.current_thread().name

    (value, reader_thread), loop_thread = asyncio.run(main())
    assert value == 42
    assert reader_thread != loop_thread


def test_read_async_raises_what_the_read_raises(store: Store) -> None:
    def query(conn: Connection) -> None:
        raise NotFound("no such thing")

    with pytest.raises(NotFound, match="no such thing"):
        asyncio.run(store.read_async(query))

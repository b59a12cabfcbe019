"""The statement time limit and lock waits: work that runs too long is stopped on both
databases and answered 503 with Retry-After; the connection stays usable."""

from __future__ import annotations

import sqlite3
import threading
import time
from typing import Any

import pytest

from cityops.errors import Unavailable
from cityops.settings import Settings
from cityops.store.base import Store
from tests.api.sta_fixtures import THING, admin_headers


def slow_sql(store: Store) -> str:
    if store.kind == "postgresql":
        return "SELECT pg_sleep(20)"
    return (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) "
        "SELECT count(*) FROM c"
    )


def test_a_read_over_the_limit_is_stopped(store: Store) -> None:
    store.set_statement_timeout(0.3)
    with pytest.raises(Unavailable), store.read() as conn:
        conn.exec_driver_sql(slow_sql(store)).all()
    with store.read() as conn:  # the pooled connection is fine afterwards
        assert conn.exec_driver_sql("SELECT 1").scalar_one() == 1


def test_interrupt_stops_a_running_read(store: Store) -> None:
    store.set_statement_timeout(600)
    errors: list[BaseException] = []

    def reader() -> None:
        try:
            with store.read() as conn:
                conn.exec_driver_sql(slow_sql(store)).all()
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=reader)
    t.start()
    time.sleep(0.5)
    store.interrupt()
    t.join(10)
    assert not t.is_alive()
    assert errors and isinstance(errors[0], Unavailable)


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="test-secret",
        anonymous_rate_per_min=100000,
        statement_timeout=0.5,
    )


async def test_slow_read_answers_503_with_retry_after(
    client: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from cityops.api.sta import reads

    real = reads.resolve

    def slow_resolve(conn: Any, path: str, who: Any) -> Any:
        conn.exec_driver_sql(slow_sql(store)).all()
        return real(conn, path, who)

    monkeypatch.setattr(reads, "resolve", slow_resolve)
    r = await client.get("/v1.1/Things")
    assert r.status_code == 503, r.text
    assert int(r.headers["retry-after"]) > 0


async def test_sqlite_lock_held_too_long_answers_503(client: Any, store: Store) -> None:
    if store.kind != "sqlite":
        pytest.skip("the database lock of another process is a SQLite matter")
    h = admin_headers(store)
    other = sqlite3.connect(store.url.removeprefix("sqlite:///"), isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        r = await client.post("/v1.1/Things", json=THING, headers=h)
        assert r.status_code == 503, r.text
        assert "retry-after" in r.headers
    finally:
        other.execute("ROLLBACK")
        other.close()
    r = await client.post("/v1.1/Things", json=THING, headers=h)
    assert r.status_code == 201, r.text

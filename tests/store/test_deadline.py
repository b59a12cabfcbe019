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


def _slow_rows(store: Store, renew: bool) -> list[int]:
    """Three rows, each ~200,000 SQLite steps apart, with a pause after each row longer
    than the limit: like a CSV export written to a slow client."""
    sql = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 600000) "
        "SELECT x FROM c WHERE x % 200000 = 0"
    )
    got = []
    with store.read() as conn:
        for row in conn.exec_driver_sql(sql):
            got.append(int(row[0]))
            time.sleep(0.4)
            if renew:
                store.renew_deadline(conn)
    return got


def test_a_streamed_read_is_limited_per_chunk_when_renewed(store: Store) -> None:
    if store.kind != "sqlite":
        pytest.skip("PostgreSQL limits each FETCH of a server-side cursor by itself")
    store.set_statement_timeout(0.3)
    assert _slow_rows(store, renew=True) == [200000, 400000, 600000]
    with pytest.raises(Unavailable):
        _slow_rows(store, renew=False)

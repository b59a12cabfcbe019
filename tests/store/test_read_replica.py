"""``CITYOPS_DATABASE_READ_URL``: GET requests read the replica, everything else the primary.

The "replica" here is a second real PostgreSQL database that differs from the primary on
purpose (a Thing of the same id with another name, no users, no sessions), so that every
answer shows which database it came from. Streaming replication itself (and failover) is
tested in tests/store/test_failover.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from cityops.app import create_app
from cityops.settings import Settings
from cityops.store import migrate
from cityops.store.base import Store
from tests.conftest import _drop_pg, _pg_database, require_service
from tests.helpers import bearer, make_org, make_user_token, password_of
from tests.store.test_partitions import add_obs, seed_world


def _database(name: str, value: float) -> Iterator[str]:
    url = _pg_database()
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert url is not None
    engine = create_engine(url)
    migrate.upgrade(engine)
    with engine.begin() as conn:
        seed_world(conn)
        conn.execute(text("UPDATE things SET name = :n WHERE id = 1"), {"n": name})
        add_obs(conn, 1, datetime(2026, 1, 2, tzinfo=UTC), value)
        for table in ("things", "datastreams", "observations"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 100)"))
    engine.dispose()
    yield url
    _drop_pg(url)


@pytest.fixture
def primary() -> Iterator[str]:
    yield from _database("on the primary", 1.25)


@pytest.fixture
def replica() -> Iterator[str]:
    yield from _database("on the replica", 42.5)


@pytest.fixture
def two_store(primary: str, replica: str) -> Iterator[Store]:
    store = Store(primary, read_pool_size=2, read_url=replica)
    yield store
    store.close()


@pytest.fixture
async def client(primary: str, replica: str, two_store: Store) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings(
        database_url=primary,
        database_read_url=replica,
        allowed_hosts="test",
        anonymous_rate_per_min=100000,
    )
    app = create_app(settings, two_store, upgrade=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def _name(r: httpx.Response) -> Any:
    assert r.status_code == 200, r.text
    return r.json()["name"]


async def test_gets_read_the_replica_and_writes_answer_from_the_primary(
    client: httpx.AsyncClient, two_store: Store
) -> None:
    admin = bearer(make_user_token(two_store, "adm", "admin"))
    # Sessions and tokens are checked on the primary (the replica has no users at all).
    assert _name(await client.get("/v1.1/Things(1)", headers=admin)) == "on the replica"
    assert _name(await client.get("/v1.1/Things(1)")) == "on the replica"
    export = await client.get("/api/export/datastreams/1.csv", headers=admin)
    assert export.status_code == 200, export.text
    assert "42.5" in export.text and "1.25" not in export.text

    # A write, and the answer it gives, are on the primary (read-your-writes) ...
    made = await client.post(
        "/v1.1/Things", json={"name": "new", "description": "d"}, headers=admin
    )
    assert made.status_code == 201, made.text
    new_id = int(made.headers["location"].rsplit("(", 1)[1].rstrip(")"))
    patched = await client.patch("/v1.1/Things(1)", json={"description": "x"}, headers=admin)
    assert patched.status_code in (200, 204), patched.text
    with two_store.read() as conn:  # outside a GET request: the primary
        got = conn.execute(text("SELECT name, description FROM things WHERE id = 1")).one()
    assert tuple(got) == ("on the primary", "x")
    # ... while a later GET reads the replica, which (not replicating here) lacks them.
    assert (await client.get(f"/v1.1/Things({new_id})", headers=admin)).status_code == 404


async def test_a_login_session_works_on_the_next_get(client: httpx.AsyncClient, two_store: Store):
    make_user_token(two_store, "op", "operator", make_org(two_store, "pakse"))
    r = await client.post("/api/login", json={"username": "op", "password": password_of("op")})
    assert r.status_code == 200, r.text
    me = await client.get("/api/me")
    assert me.json()["role"] == "operator"


def test_background_reads_use_the_primary_and_a_replica_scope_until_it_writes(
    two_store: Store,
) -> None:
    def name() -> str:
        with two_store.read() as conn:
            return str(conn.execute(text("SELECT name FROM things WHERE id = 1")).scalar())

    assert name() == "on the primary"
    with two_store.replica_reads():
        assert name() == "on the replica"
        two_store.write_sync(lambda tx: tx.conn.execute(text("SELECT 1")))
        assert name() == "on the primary"  # this scope wrote: its reads see its writes
    with two_store.replica_reads():
        assert name() == "on the replica"  # a new scope (request) starts on the replica
    assert name() == "on the primary"


def test_a_read_replica_needs_postgresql(tmp_path: Any, replica: str) -> None:
    with pytest.raises(ValueError, match="database_read_url"):
        Store(f"sqlite:///{tmp_path / 'x.db'}", read_url=replica)
    with pytest.raises(ValueError, match="postgresql"):
        Settings(database_read_url=f"sqlite:///{tmp_path / 'x.db'}")


async def test_an_unreachable_replica_falls_back_to_the_primary(primary: str) -> None:
    from tests.cluster.natscluster import free_port

    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/nowhere"
    store = Store(primary, read_pool_size=2, read_url=down)
    settings = Settings(database_url=primary, database_read_url=down, allowed_hosts="test")
    app = create_app(settings, store, upgrade=False)
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
                assert (await c.get("/health")).status_code == 200
                assert _name(await c.get("/v1.1/Things(1)")) == "on the primary"
                assert _name(await c.get("/v1.1/Things(1)")) == "on the primary"
    finally:
        store.close()

"""Shared fixtures: a store on each database, the app in-process, and tokens per role.

PostgreSQL tests use a fresh database on 127.0.0.1:5432 (user postgres). Without a
server they skip with the reason; with CI=true a missing server fails the run.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import create_engine, text

from cityops.app import create_app
from cityops.settings import Settings
from cityops.store import migrate
from cityops.store import schema as s
from cityops.store.base import Store

PG_ADMIN_URL = os.environ.get(
    "CITYOPS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def require_service(available: bool, what: str) -> None:
    """Skip (developer machine) or fail (CI) when a service is missing."""
    if available:
        return
    if IN_CI:
        pytest.fail(f"{what} is required in CI (CI=true) but is not available")
    pytest.skip(f"{what} not available on this machine")


def _pg_database() -> str | None:
    name = f"cityops_test_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:
        return None
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_pg(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str | None]:
    url = _pg_database()
    if url is not None:
        try:
            store = Store(url, read_pool_size=1)
            migrate.upgrade(store.write_engine)
            store.close()
        except Exception as exc:  # e.g. PostGIS missing
            _drop_pg(url)
            if IN_CI:
                raise
            print(f"PostgreSQL unusable for tests: {exc}")
            url = None
    yield url
    if url is not None:
        _drop_pg(url)


def _truncate(store: Store) -> None:
    names = ", ".join(t.name for t in s.metadata.sorted_tables)
    with store.write_engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (migrating each time is slow)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    store = Store(f"sqlite:///{path}", read_pool_size=1)
    migrate.upgrade(store.write_engine)
    store.close()
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL on each backend (a fresh SQLite file; an emptied PostgreSQL db)."""
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copyfile(request.getfixturevalue("sqlite_template"), target)
        return f"sqlite:///{target}"
    url = request.getfixturevalue("pg_url")
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    return url


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    st = Store(db_url, read_pool_size=4)
    migrate.upgrade(st.write_engine)
    if st.kind == "postgresql":
        _truncate(st)
    yield st
    st.close()


@pytest.fixture
def settings(db_url: str) -> Settings:
    return Settings(
        database_url=db_url,
        secret_key="test-secret",
        anonymous_rate_per_min=100000,
        login_rate_per_min=1000,
        allowed_hosts="test",  # the test client's host: links are built from it
    )


@pytest.fixture
async def app(settings: Settings, store: Store) -> AsyncIterator[Any]:
    application = create_app(settings, store, upgrade=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


@pytest.fixture(autouse=True)
def _cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2 with its production cost takes ~0.1 s per hash; tests make many users."""
    from argon2 import PasswordHasher

    from cityops.auth import users

    monkeypatch.setattr(
        users, "HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )

"""Databases for the query tests: a temporary SQLite file, and a scratch PostgreSQL/PostGIS
database when the server at 127.0.0.1:5432 answers (a skip otherwise, a failure when
CI=true)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, event, make_url, text
from sqlalchemy.engine import Engine

from cityops.store import schema
from cityops.store.sqlfuncs import register_sqlite_functions

# the same variable as tests/conftest.py: the URL of the admin ("postgres") database
PG_ADMIN_URL = make_url(
    os.environ.get("CITYOPS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
)
IN_CI = os.environ.get("CI", "").lower() == "true"


def make_sqlite(path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{path}")

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection: Any, _record: Any) -> None:
        register_sqlite_functions(dbapi_connection)

    schema.metadata.create_all(engine)
    return engine


@pytest.fixture(scope="session")
def sqlite_engine(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Engine]:
    engine = make_sqlite(tmp_path_factory.mktemp("q") / "query.sqlite")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def pg_engine() -> Iterator[Engine]:
    name = f"cityops_qtest_{uuid.uuid4().hex[:10]}"
    try:
        admin = create_engine(
            PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
        )
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:  # noqa: BLE001 - any failure means "no server here"
        where = PG_ADMIN_URL.render_as_string(hide_password=True)
        if IN_CI:
            pytest.fail(f"PostgreSQL unreachable at {where} and CI=true: {exc}")
        pytest.skip(f"PostgreSQL unreachable at {where}: {exc}")
    engine = create_engine(PG_ADMIN_URL.set(database=name))
    try:
        with engine.begin() as conn:
            conn.execute(text("CREATE EXTENSION IF NOT EXISTS postgis"))
        schema.metadata.create_all(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest) -> Engine:
    """Each test using it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_engine")  # type: ignore[no-any-return]
    return request.getfixturevalue("pg_engine")  # type: ignore[no-any-return]

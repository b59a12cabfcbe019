"""Migration 0005_h3: owners for existing Sensors and ObservedProperties.

A catalogue entry used by the Datastreams of exactly one organisation becomes that
organisation's; one used by several organisations, by a Datastream without one, or by
none stays admin-owned (no organisation). All stay public, as everything was visible.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from cityops.store import migrate
from tests.conftest import PG_ADMIN_URL, _drop_pg, _pg_database


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / f'm{uuid.uuid4().hex[:6]}.db'}"
    url = _pg_database()
    if url is None:
        pytest.skip(f"PostgreSQL not available at {PG_ADMIN_URL}")
    request.addfinalizer(lambda: _drop_pg(url))
    return url


def _seed(conn) -> None:
    now = datetime.now(UTC)
    for i, slug in ((1, "a"), (2, "b")):
        conn.execute(
            text(
                "INSERT INTO organisations (id, slug, name, kind, created_at) "
                "VALUES (:i, :s, :n, 'city', :t)"
            ),
            {"i": i, "s": slug, "n": slug.upper(), "t": now},
        )
    conn.execute(
        text(
            "INSERT INTO things (id, name, description, visibility) VALUES (1, 't', 'd', 'public')"
        )
    )
    for i in range(1, 5):  # sensor/property 1: A only; 2: A and B; 3: no org; 4: unused
        conn.execute(
            text(
                "INSERT INTO sensors (id, name, description, encoding_type, metadata) "
                "VALUES (:i, 's', 'd', 't', 'm')"
            ),
            {"i": i},
        )
        conn.execute(
            text(
                "INSERT INTO observed_properties (id, name, definition, description) "
                "VALUES (:i, 'p', 'p', 'd')"
            ),
            {"i": i},
        )
    for ds, (ref, org) in enumerate([(1, 1), (1, 1), (2, 1), (2, 2), (3, None)], start=1):
        conn.execute(
            text(
                "INSERT INTO datastreams (id, name, description, unit_of_measurement, "
                "observation_type, thing_id, sensor_id, observed_property_id, org_id, visibility) "
                "VALUES (:id, 'd', 'd', '{}', 'o', 1, :r, :r, :org, 'restricted')"
            ),
            {"id": ds, "r": ref, "org": org},
        )


def test_existing_catalogue_rows_get_owners(empty_url: str) -> None:
    engine = create_engine(empty_url)
    migrate.upgrade(engine, "0004")
    with engine.begin() as conn:
        _seed(conn)
    migrate.upgrade(engine, "0005_h3")
    with engine.connect() as conn:
        for table in ("sensors", "observed_properties"):
            got = conn.execute(
                text(f"SELECT id, org_id, visibility FROM {table} ORDER BY id")
            ).all()
            assert [tuple(r) for r in got] == [
                (1, 1, "public"),
                (2, None, "public"),
                (3, None, "public"),
                (4, None, "public"),
            ]
    engine.dispose()

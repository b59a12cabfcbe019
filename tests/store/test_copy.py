"""`cityops db copy`: a populated SQLite database to PostgreSQL and back, read through the
SensorThings API on the copy, with counts, values and id sequences checked."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import shapely.wkt
from sqlalchemy import create_engine, select
from typer.testing import CliRunner

from cityops.app import create_app
from cityops.cli import app as cli_app
from cityops.settings import Settings
from cityops.store import migrate
from cityops.store import schema as s
from cityops.store.base import Store
from cityops.store.copy import copy_database, count_rows
from tests.api.sta_fixtures import admin_headers, make_world
from tests.conftest import _drop_pg, _pg_database, require_service

POLY = "geography'POLYGON((104 14, 107 14, 107 16, 104 16, 104 14))'"


@pytest.fixture
def fresh_pg() -> Iterator[str]:
    url = _pg_database()
    require_service(url is not None, "PostgreSQL with PostGIS on 127.0.0.1:5432")
    assert url is not None
    yield url
    _drop_pg(url)


@asynccontextmanager
async def _client(url: str) -> AsyncIterator[tuple[httpx.AsyncClient, Store]]:
    store = Store(url, read_pool_size=2)
    migrate.upgrade(store.write_engine)
    settings = Settings(database_url=url, secret_key="k", anonymous_rate_per_min=100000)
    app = create_app(settings, store, upgrade=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            yield client, store
    store.close()


async def _populate(url: str) -> dict[str, Any]:
    async with _client(url) as (client, store):
        headers = admin_headers(store)
        world = await make_world(client, headers)
        body = [
            {
                "Datastream": {"@iot.id": world["datastream"]},
                "components": ["phenomenonTime", "result"],
                "dataArray": [[f"2024-08-{d:02d}T00:00:00+07:00", d / 2] for d in range(1, 29)],
            }
        ]
        r = await client.post("/v1.1/CreateObservations", json=body, headers=headers)
        assert r.status_code == 201, r.text
        r = await client.post(
            "/v1.1/Observations",
            headers=headers,
            json={
                "Datastream": {"@iot.id": world["datastream"]},
                "phenomenonTime": "2024-07-01T00:00:00Z/2024-07-02T00:00:00Z",
                "result": {"text": "ok"},
            },
        )
        assert r.status_code == 201, r.text
        return {**world, "headers": headers}


async def _check_api(url: str, world: dict[str, Any]) -> None:
    async with _client(url) as (client, _store):
        h = world["headers"]
        r = await client.get(f"/v1.1/Datastreams({world['datastream']})", headers=h)
        assert r.json()["phenomenonTime"].startswith("2024-07-01T00:00:00")
        r = await client.get(
            "/v1.1/Observations?$count=true&$top=1&$orderby=phenomenonTime", headers=h
        )
        assert r.json()["@iot.count"] == 29 and r.json()["value"][0]["result"] == {"text": "ok"}
        r = await client.get(f"/v1.1/Locations?$filter=st_within(location, {POLY})", headers=h)
        assert [v["location"]["coordinates"] for v in r.json()["value"]] == [[105.8, 15.1]]
        # new rows take fresh ids: the sequences were reset past the copied ones
        r = await client.post(
            f"/v1.1/Datastreams({world['datastream']})/Observations",
            json={"phenomenonTime": "2024-09-01T00:00:00Z", "result": 1},
            headers=h,
        )
        assert r.status_code == 201, r.text
        assert r.json()["@iot.id"] == 30


def _same_wkt(key: str, value: Any) -> Any:
    """PostGIS writes ``POINT(1 2)``, shapely ``POINT (1 2)``: compare normalised WKT."""
    return shapely.wkt.loads(value).wkt if key == "geom" and value else value


def _rows(url: str, table: Any) -> list[tuple[Any, ...]]:
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://"))
    with engine.connect() as conn:
        rows = [
            tuple(_same_wkt(k, v) for k, v in r._mapping.items())
            for r in conn.execute(select(table).order_by(table.c.id))
        ]
    engine.dispose()
    return rows


async def test_copy_sqlite_to_postgresql_and_back(tmp_path: Path, fresh_pg: str) -> None:
    sqlite_url = f"sqlite:///{tmp_path / 'src.db'}"
    world = await _populate(sqlite_url)
    seen: list[str] = []
    counts = copy_database(
        sqlite_url, fresh_pg, batch=7, progress=lambda table, n: seen.append(table)
    )
    assert all(c.source == c.copied for c in counts) and "observations" in seen
    assert {c.table: c.copied for c in counts}["observations"] == 29
    for table in (s.observations, s.locations, s.datastreams, s.features_of_interest):
        assert _rows(fresh_pg, table) == _rows(sqlite_url, table), table.name
    await _check_api(fresh_pg, world)

    back = f"sqlite:///{tmp_path / 'back.db'}"
    result = CliRunner().invoke(cli_app, ["db", "copy", fresh_pg, back, "--batch", "10"])
    assert result.exit_code == 0, result.output
    assert "counts match" in result.output
    engine = create_engine(back)
    with engine.connect() as conn:
        assert count_rows(conn)["observations"] == 30
    engine.dispose()
    assert _rows(back, s.locations) == _rows(fresh_pg, s.locations)


def test_copy_refuses_a_destination_with_rows(tmp_path: Path) -> None:
    a, b = f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"
    for url in (a, b):
        store = Store(url)
        migrate.upgrade(store.write_engine)
        store.write_sync(
            lambda tx: tx.conn.execute(
                s.sensors.insert().values(
                    name="s", description="d", encoding_type="text/plain", metadata="m"
                )
            )
        )
        store.close()
    from cityops.errors import Conflict

    with pytest.raises(Conflict, match="not empty"):
        copy_database(a, b)

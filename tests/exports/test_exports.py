"""Exports equal the stored data: CSV, Parquet, GeoJSON; the API checks access."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select, update

from cityops.app import create_app
from cityops.auth.principal import SYSTEM
from cityops.exports.geojson import stations_geojson
from cityops.exports.query import Selection, iter_observations
from cityops.exports.writers import csv_chunks, iso, write_parquet
from cityops.imports.csvfile import CsvOptions
from cityops.imports.service import import_csv
from cityops.settings import Settings
from cityops.store import schema as s
from tests.helpers import bearer, make_user_token


@pytest.fixture
def loaded(world_store, tmp_path: Path):
    store, world = world_store
    ds = world.find("station", "Pakse").streams["level"]
    f = tmp_path / "levels.csv"
    f.write_text(
        "t,v\n"
        + "".join(f"2024-08-0{d}T0{h}:00Z,{d + h / 10}\n" for d in range(1, 4) for h in range(3))
    )
    import_csv(store, f, ds, CsvOptions("t", "v"))
    return store, world, ds


def _stored(store, ds: int) -> list[tuple]:
    o = s.observations
    with store.read() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(o.c.id, o.c.phenomenon_time_start, o.c.result_number)
                .where(o.c.datastream_id == ds)
                .order_by(o.c.phenomenon_time_start)
            )
        ]


def test_csv_equals_store(loaded) -> None:
    store, _, ds = loaded
    with store.read() as conn:
        text = "".join(csv_chunks(iter_observations(conn, Selection.of_datastream(ds), SYSTEM)))
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [(int(r["id"]), r["phenomenon_time_start"], float(r["result"])) for r in rows] == [
        (i, iso(t), v) for i, t, v in _stored(store, ds)
    ]
    assert len(rows) == 9


def test_parquet_equals_store(loaded, tmp_path: Path) -> None:
    store, _, ds = loaded
    out = tmp_path / "x.parquet"
    with store.read() as conn:
        n = write_parquet(iter_observations(conn, Selection.of_datastream(ds), SYSTEM), out)
    table = pq.read_table(out)
    assert n == table.num_rows == 9
    got = list(
        zip(
            table["id"].to_pylist(),
            table["phenomenon_time_start"].to_pylist(),
            table["result"].to_pylist(),
            strict=True,
        )
    )
    assert got == _stored(store, ds)


def test_query_filter_and_time_window(loaded) -> None:
    store, _, ds = loaded
    sel = Selection(
        f"Datastreams({ds})/Observations", {"$filter": "result gt 2.05", "$orderby": "result desc"}
    )
    with store.read() as conn:
        rows = [r for chunk in iter_observations(conn, sel, SYSTEM) for r in chunk]
    assert [r.result_number for r in rows] == [3.2, 3.1, 3.0, 2.2, 2.1]
    win = Selection.of_datastream(
        ds, datetime(2024, 8, 2, tzinfo=UTC), datetime(2024, 8, 3, tzinfo=UTC)
    )
    with store.read() as conn:
        rows = [r for chunk in iter_observations(conn, win, SYSTEM) for r in chunk]
    assert [r.result_number for r in rows] == [2.0, 2.1, 2.2]


def test_geojson_latest_values(loaded) -> None:
    store, world, ds = loaded
    with store.read() as conn:
        doc = stations_geojson(conn, SYSTEM)
    assert len(doc["features"]) == len(world.things)
    pakse = next(f for f in doc["features"] if f["properties"]["name"] == "Mekong at Pakse")
    assert pakse["geometry"] == {"type": "Point", "coordinates": [105.8132, 15.0998]}
    stream = pakse["properties"]["datastreams"][0]
    assert (stream["id"], stream["latest"], stream["latestTime"]) == (
        ds,
        3.2,
        "2024-08-03T02:00:00Z",
    )


async def test_api_exports_check_access(loaded) -> None:
    store, _, ds = loaded
    with store.write_engine.begin() as conn:  # make Pakse restricted to its organisation
        for t in (s.datastreams, s.things, s.locations):
            conn.execute(
                update(t).where(t.c.org_id == _org(store, "mekong")).values(visibility="restricted")
            )
    analyst = make_user_token(store, "ana", "analyst", _org(store, "mekong"))
    outsider = make_user_token(store, "out", "analyst", _org(store, "bangkok"))
    settings = Settings(database_url=store.url, secret_key="k", anonymous_rate_per_min=10**6)
    app = create_app(settings, store, upgrade=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as c:
            ok = await c.get(f"/api/export/datastreams/{ds}.csv", headers=bearer(analyst))
            assert ok.status_code == 200 and ok.text.count("\n") == 10
            assert (await c.get(f"/api/export/datastreams/{ds}.csv")).status_code == 404
            other = await c.get(f"/api/export/datastreams/{ds}.parquet", headers=bearer(outsider))
            assert other.status_code == 404
            pq_ok = await c.get(f"/api/export/datastreams/{ds}.parquet", headers=bearer(analyst))
            assert pq.read_table(io.BytesIO(pq_ok.content)).num_rows == 9
            q = await c.get(
                "/api/export/observations.csv",
                params={"path": "Observations", "$filter": "result lt 2"},
            )
            assert q.status_code == 200 and q.text.count("\n") == 1  # header only: restricted
            geo = (await c.get("/api/export/stations.geojson")).json()
            names = {f["properties"]["name"] for f in geo["features"]}
            assert "Mekong at Pakse" not in names and "Bangkok weather station" in names
            bad = await c.get("/api/export/observations.csv", params={"$filter": "result lt"})
            assert bad.status_code == 400


def _org(store, slug: str) -> int:
    o = s.organisations
    with store.read() as conn:
        return int(conn.execute(select(o.c.id).where(o.c.slug == slug)).scalar_one())

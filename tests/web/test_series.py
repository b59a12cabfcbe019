"""/api/series: min/mean/max per bucket computed in SQL equal plain Python, on SQLite and
PostgreSQL, including points on bucket edges and sub-second times."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import httpx
from sqlalchemy import select, update

from cityops.store import schema as s
from cityops.store.base import Store
from cityops.web.series import downsample
from tests.alerting.support import ingest_at, make_datastream
from tests.helpers import bearer, make_org, make_user_token

T0 = datetime(2025, 8, 1, tzinfo=UTC)


def restrict(store: Store, ds: int) -> None:
    """Make a datastream (and its thing) visible to its own organisation only."""

    def job(tx: Any) -> None:
        tx.conn.execute(
            update(s.datastreams).where(s.datastreams.c.id == ds).values(visibility="restricted")
        )
        thing = select(s.datastreams.c.thing_id).where(s.datastreams.c.id == ds).scalar_subquery()
        tx.conn.execute(
            update(s.things).where(s.things.c.id == thing).values(visibility="restricted")
        )

    store.write_sync(job)


def _points(n: int = 400) -> list[tuple[datetime, float]]:
    rng = random.Random(8)
    pts = [
        (T0 + timedelta(microseconds=rng.randrange(0, 3 * 86400 * 10**6)), rng.uniform(-5, 15))
        for _ in range(n)
    ]
    edges = [(T0 + timedelta(hours=6 * k), float(k)) for k in range(12)]  # on bucket edges
    return pts + edges


def _reference(
    points: list[tuple[datetime, float]], start: datetime, end: datetime, n: int
) -> dict[int, tuple[float, float, float, int]]:
    span = end - start
    groups: dict[int, list[float]] = {}
    for t, v in points:
        if start <= t < end:
            index = math.floor(
                Fraction((t - start) // timedelta(microseconds=1))
                * n
                / Fraction(span // timedelta(microseconds=1))
            )
            groups.setdefault(index, []).append(v)
    return {k: (min(v), sum(v) / len(v), max(v), len(v)) for k, v in groups.items()}


def test_downsample_matches_python(store: Store) -> None:
    ds = make_datastream(store)
    points = _points()
    ingest_at(store, ds, points)
    start, end = T0 + timedelta(hours=1), T0 + timedelta(days=3)
    for n in (1, 7, 12, 500):
        with store.read() as conn:
            got = downsample(conn, store.kind, ds, start, end, n)
        want = _reference(points, start, end, n)
        width = (end - start) / n
        assert len(got.start) == len(want)
        for i, (t, lo, mean, hi, count) in enumerate(
            zip(got.start, got.min, got.mean, got.max, got.count, strict=True)
        ):
            index = round((t - start.timestamp()) / width.total_seconds())
            assert index in want, (n, i, t)
            w_lo, w_mean, w_hi, w_count = want[index]
            assert (lo, hi, count) == (w_lo, w_hi, w_count)
            assert math.isclose(mean, w_mean, rel_tol=1e-9, abs_tol=1e-9)


async def test_series_endpoint_access_and_levels(client: httpx.AsyncClient, store: Store) -> None:
    a, b = make_org(store, "pakse"), make_org(store, "kratie")
    ds = make_datastream(store, org="pakse")
    restrict(store, ds)
    ingest_at(store, ds, [(T0 + timedelta(minutes=15 * k), 10.0 + k / 100) for k in range(96)])
    mine = bearer(make_user_token(store, "op-a", "operator", a))
    other = bearer(make_user_token(store, "op-b", "operator", b))
    admin = bearer(make_user_token(store, "root", "admin"))
    rule = {
        "name": "flood",
        "type": "river_level",
        "subject": "Pakse",
        "inputs": {"level": ds},
        "levels": {"warning": 11.0, "danger": 12.0},
    }
    assert (await client.post("/api/rules", json=rule, headers=admin)).status_code == 201
    url = f"/api/series/{ds}?from=2025-08-01T00:00:00Z&to=2025-08-02T00:00:00Z&buckets=24"
    r = await client.get(url, headers=mine)
    assert r.status_code == 200, r.text
    doc: dict[str, Any] = r.json()
    assert len(doc["t"]) == 24 and doc["count"] == [4] * 24
    assert doc["min"][0] == 10.0 and doc["max"][0] == 10.03
    assert doc["levels"] == {"warning": 11.0, "danger": 12.0}
    r = await client.get(url, headers=other)
    assert r.status_code == 404  # another city's restricted datastream does not exist
    bad = await client.get(f"/api/series/{ds}?buckets=0", headers=mine)
    assert bad.status_code == 400
    naive = await client.get(f"/api/series/{ds}?from=2025-08-01T00:00:00", headers=mine)
    assert naive.status_code == 400

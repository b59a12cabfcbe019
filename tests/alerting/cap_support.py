"""Helpers for CAP alert tests: a Vietnamese city with a river gauge, rules through the
API, observations through the real ingest path, and waiting for the workers."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx

from cityops.cap import validate_schema
from cityops.store.base import Store
from tests.alerting.support import T0, ingest_at, make_datastream, river_rule
from tests.helpers import bearer, make_org, make_user_token

#: Automatic issue as fast as the policy allows (two readings, no wait, no update
#: interval): for tests about what happens once alerts are issued.
AUTO: dict[str, Any] = {
    "mode": "issue",
    "issue_after_readings": 2,
    "issue_after": 0,
    "update_interval": 0,
}


def make_world(store: Store) -> dict[str, Any]:
    """Hanoi (vi, Asia/Ho_Chi_Minh) with a gauge and users; Hue as another city."""
    hanoi = make_org(
        store,
        "hanoi",
        timezone="Asia/Ho_Chi_Minh",
        languages=["vi"],
        country_iso2="VN",
        lat=21.03,
        lon=105.85,
    )
    hue = make_org(store, "hue", timezone="Asia/Ho_Chi_Minh", languages=["vi"])
    ds = make_datastream(store, org="hanoi")
    tok = {
        role: make_user_token(store, f"{role}-hn", role, hanoi)
        for role in ("city_admin", "operator", "analyst")
    }
    tok["operator_hue"] = make_user_token(store, "operator-hue", "operator", hue)
    tok["admin"] = make_user_token(store, "root", "admin")
    return {"ds": ds, "tok": tok, "orgs": (hanoi, hue), "t": T0}


async def add_rule(client: httpx.AsyncClient, world: dict[str, Any], **extra: Any) -> int:
    r = await client.post(
        "/api/rules",
        json=river_rule(world["ds"], subject="Hanoi gauge", **extra),
        headers=bearer(world["tok"]["city_admin"]),
    )
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def observe(app: Any, store: Store, world: dict[str, Any], *values: float) -> None:
    """Ingest values an hour apart after the last ones, and wait for engine and alerts."""
    points = []
    for v in values:
        world["t"] += timedelta(hours=1)
        points.append((world["t"], v))
    services = app.state.ctx.services
    assert services["engine"].flush()
    ingest_at(store, world["ds"], points)
    assert services["engine"].flush()
    await services["alerts"].drain()


async def alerts(client: httpx.AsyncClient, token: str, query: str = "") -> list[dict[str, Any]]:
    r = await client.get(f"/api/alerts{query}", headers=bearer(token))
    assert r.status_code == 200, r.text
    return list(r.json()["value"])


async def cap_xml(client: httpx.AsyncClient, alert_id: int) -> bytes:
    """The CAP document of an issued alert, fetched anonymously and XSD-validated."""
    r = await client.get(f"/alerts/{alert_id}.xml")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/cap+xml")
    validate_schema(r.content)
    return r.content


async def wait_for(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll ``check`` (sync or async) until it returns something truthy."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("timed out waiting")
        await asyncio.sleep(0.05)


def local(dt: str) -> datetime:
    return datetime.fromisoformat(dt)

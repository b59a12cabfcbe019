"""/api/incidents and /api/rules in-process, on SQLite and PostgreSQL: an observation
above danger opens an incident readable through the API; operators act on it; other
cities get 404; rule validation errors name the field."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from cityops.store.base import Store
from tests.alerting.support import T0, ingest, make_datastream, river_rule
from tests.helpers import bearer, make_org, make_user_token


@pytest.fixture
def world(store: Store) -> dict[str, Any]:
    a, b = make_org(store, "pakse"), make_org(store, "kratie")
    ds = make_datastream(store, org="pakse")
    tokens = {
        role: make_user_token(store, f"{role}-a", role, a)
        for role in ("city_admin", "operator", "analyst")
    }
    tokens["operator_b"] = make_user_token(store, "operator-b", "operator", b)
    tokens["admin"] = make_user_token(store, "root", "admin")
    return {"ds": ds, "tok": tokens, "orgs": (a, b)}


async def _flood(client: httpx.AsyncClient, app: Any, store: Store, w: dict[str, Any]) -> int:
    r = await client.post(
        "/api/rules",
        json=river_rule(w["ds"], subject="Pakse"),
        headers=bearer(w["tok"]["city_admin"]),
    )
    assert r.status_code == 201, r.text
    engine = app.state.ctx.services["engine"]
    assert engine.flush()
    ingest(store, w["ds"], [10.0, 12.4])
    assert engine.flush()
    r = await client.get("/api/incidents?state=open", headers=bearer(w["tok"]["operator"]))
    [inc] = r.json()["value"]
    return int(inc["id"])


async def test_incident_readable_and_operator_actions(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    inc = await _flood(client, app, store, world)
    op = bearer(world["tok"]["operator"])
    doc = (await client.get(f"/api/incidents/{inc}", headers=op)).json()
    assert (doc["level_name"], doc["severity"], doc["rule"]) == ("danger", "Severe", "flood")
    assert doc["opened_at"].startswith((T0 + timedelta(hours=1)).isoformat()[:19])
    r = await client.post(f"/api/incidents/{inc}/acknowledge", json={"note": "seen"}, headers=op)
    assert r.status_code == 200 and r.json()["state"] == "acknowledged"
    r = await client.post(f"/api/incidents/{inc}/acknowledge", headers=op)
    assert r.status_code == 409
    r = await client.post(f"/api/incidents/{inc}/assign", json={"assignee": "team-2"}, headers=op)
    assert r.json()["assignee"] == "team-2"
    r = await client.post(f"/api/incidents/{inc}/annotate", json={"note": "sandbags"}, headers=op)
    assert r.status_code == 200
    r = await client.post(f"/api/incidents/{inc}/resolve", json={"note": "receded"}, headers=op)
    body = r.json()
    assert body["state"] == "resolved"
    kinds = [e["kind"] for e in body["timeline"]]
    assert kinds == ["opened", "acknowledged", "assigned", "annotated", "resolved"]
    assert body["timeline"][1]["actor"] == "operator-a"


async def test_other_city_gets_404_and_analyst_403(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    inc = await _flood(client, app, store, world)
    other = bearer(world["tok"]["operator_b"])
    assert (await client.get(f"/api/incidents/{inc}", headers=other)).status_code == 404
    r = await client.post(f"/api/incidents/{inc}/acknowledge", headers=other)
    assert r.status_code == 404
    assert (await client.get("/api/incidents", headers=other)).json()["value"] == []
    analyst = bearer(world["tok"]["analyst"])
    assert (await client.get(f"/api/incidents/{inc}", headers=analyst)).status_code == 200
    r = await client.post(f"/api/incidents/{inc}/resolve", headers=analyst)
    assert r.status_code == 403
    assert (await client.get("/api/incidents")).status_code == 401
    admin = bearer(world["tok"]["admin"])
    r = await client.post(f"/api/incidents/{inc}/resolve", headers=admin)
    assert r.json()["state"] == "resolved"


async def test_filters(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    await _flood(client, app, store, world)
    admin = bearer(world["tok"]["admin"])

    def get(q: str) -> Any:
        return client.get(f"/api/incidents?{q}", headers=admin)

    assert len((await get("level=danger")).json()["value"]) == 1
    assert len((await get("level=3")).json()["value"]) == 0
    assert len((await get("org=pakse")).json()["value"]) == 1
    assert len((await get("org=kratie")).json()["value"]) == 0
    assert len((await get("state=resolved")).json()["value"]) == 0
    assert len((await get("since=2025-08-01T00:30:00Z")).json()["value"]) == 1
    r = await get("state=closed")
    assert r.status_code == 400 and r.json()["field"] == "state"


async def test_rule_crud_and_validation(
    client: httpx.AsyncClient, store: Store, world: dict[str, Any]
) -> None:
    ca = bearer(world["tok"]["city_admin"])
    r = await client.post(
        "/api/rules", json=river_rule(world["ds"], levels={"danger": "high"}), headers=ca
    )
    assert r.status_code == 400 and r.json()["field"].startswith("levels")
    r = await client.post("/api/rules", json=river_rule(4242), headers=ca)
    assert r.status_code == 400 and "Datastream 4242 does not exist" in r.json()["detail"]
    r = await client.post("/api/rules", json=river_rule(world["ds"], unit="Cel"), headers=ca)
    assert r.status_code == 400 and "cannot be converted" in r.json()["detail"]
    r = await client.post(
        "/api/rules", json=river_rule(world["ds"]), headers=bearer(world["tok"]["operator"])
    )
    assert r.status_code == 403
    r = await client.post("/api/rules", json=river_rule(world["ds"]), headers=ca)
    rid = r.json()["id"]
    assert r.json()["levels"] == {"warning": 11.0, "danger": 12.0}
    r = await client.patch(f"/api/rules/{rid}", json={"enabled": False}, headers=ca)
    assert r.status_code == 200 and r.json()["enabled"] is False
    other = make_user_token(store, "ca-b", "city_admin", world["orgs"][1])
    assert (await client.get(f"/api/rules/{rid}", headers=bearer(other))).status_code == 404
    assert (await client.delete(f"/api/rules/{rid}", headers=ca)).status_code == 204


async def test_a_taken_incident_shows_condition_cleared_and_waits(
    client: httpx.AsyncClient, app: Any, store: Store, world: dict[str, Any]
) -> None:
    inc = await _flood(client, app, store, world)
    op = bearer(world["tok"]["operator"])
    r = await client.post(f"/api/incidents/{inc}/assign", json={"assignee": "team-2"}, headers=op)
    assert r.status_code == 200
    engine = app.state.ctx.services["engine"]
    ingest(store, world["ds"], [9.0] * 200, start=T0 + timedelta(hours=2))  # 8 days low
    assert engine.flush()
    doc = (await client.get(f"/api/incidents/{inc}", headers=op)).json()
    assert (doc["state"], doc["condition"]) == ("open", "cleared")
    assert (doc["max_level_name"], doc["peak_value"]) == ("danger", 12.4)
    r = await client.post(f"/api/incidents/{inc}/resolve", headers=op)
    assert r.json()["state"] == "resolved" and r.json()["peak_value"] == 12.4

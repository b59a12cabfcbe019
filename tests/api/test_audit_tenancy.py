"""The audit log across organisations (issue 16, item 9): an action on another
organisation's entity shows in both organisations' views, and in no third one."""

from __future__ import annotations

from typing import Any

from tests.api.sta_fixtures import THING, datastream_body
from tests.helpers import bearer, make_org, make_user_token


async def _log(client: Any, h: dict[str, str]) -> list[tuple[str, str, str]]:
    r = await client.get("/api/audit", headers=h)
    assert r.status_code == 200, r.text
    return [(e["actor"], e["action"], e["entity"]) for e in r.json()]


async def test_cross_organisation_action_in_both_views(client, store):
    city, national, other = (make_org(store, n) for n in ("city-a", "national", "city-b"))
    ca = bearer(make_user_token(store, "ca", "city_admin", city))
    na = bearer(make_user_token(store, "na", "city_admin", national))
    cb = bearer(make_user_token(store, "cb", "city_admin", other))
    # an administrator who belongs to the national agency
    root = bearer(make_user_token(store, "root", "admin", national))
    r = await client.post("/v1.1/Things", json=THING, headers=ca)
    thing = r.json()["@iot.id"]
    r = await client.post("/v1.1/Datastreams", json=datastream_body(thing), headers=ca)
    ds = r.json()["@iot.id"]
    assert (
        await client.patch(f"/v1.1/Things({thing})", json={"name": "x"}, headers=root)
    ).is_success
    r = await client.post(
        "/v1.1/CreateObservations",
        headers=root,
        json=[
            {
                "Datastream": {"@iot.id": ds},
                "components": ["phenomenonTime", "result"],
                "dataArray": [["2026-01-01T00:00:00Z", 1.0]],
            }
        ],
    )
    assert r.status_code == 201, r.text
    assert (await client.delete(f"/v1.1/Datastreams({ds})", headers=root)).is_success
    done = [
        ("root", "update", "Thing"),
        ("root", "create", "Observation"),
        ("root", "delete", "Datastream"),
    ]
    city_view, national_view = await _log(client, ca), await _log(client, na)
    assert all(entry in city_view for entry in done), city_view
    assert all(entry in national_view for entry in done), national_view
    assert ("ca", "create", "Thing") in city_view
    assert ("ca", "create", "Thing") not in national_view
    assert await _log(client, cb) == []

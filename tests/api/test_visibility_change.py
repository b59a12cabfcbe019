"""``@cityops.visibility`` on PATCH/PUT: applied to the entity and its children, or 400.

Never 200 without effect."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.sta_fixtures import THING, datastream_body
from tests.helpers import bearer, make_org, make_user_token


@pytest.fixture
async def world(client: Any, store: Any) -> dict[str, Any]:
    a = make_org(store, "city-a")
    make_org(store, "city-b")
    h = bearer(make_user_token(store, "ca", "city_admin", a))
    r = await client.post("/v1.1/Things", json=THING, headers=h)
    assert r.status_code == 201, r.text
    thing = r.json()["@iot.id"]
    r = await client.post("/v1.1/Datastreams", json=datastream_body(thing), headers=h)
    ds = r.json()["@iot.id"]
    r = await client.post(
        "/v1.1/Observations", json={"result": 3, "Datastream": {"@iot.id": ds}}, headers=h
    )
    obs = r.json()["@iot.id"]
    loc = (await client.get(f"/v1.1/Things({thing})/Locations", headers=h)).json()["value"][0]
    hl = (await client.get(f"/v1.1/Things({thing})/HistoricalLocations", headers=h)).json()
    foi = (await client.get(f"/v1.1/Observations({obs})/FeatureOfInterest", headers=h)).json()
    return {
        "foi": foi["@iot.id"],
        "h": h,
        "thing": thing,
        "ds": ds,
        "obs": obs,
        "loc": loc["@iot.id"],
        "hl": hl["value"][0]["@iot.id"],
    }


async def _public_status(client: Any, w: dict[str, Any]) -> dict[str, int]:
    urls = {
        "thing": f"/v1.1/Things({w['thing']})",
        "ds": f"/v1.1/Datastreams({w['ds']})",
        "obs": f"/v1.1/Observations({w['obs']})",
        "loc": f"/v1.1/Locations({w['loc']})",
        "hl": f"/v1.1/HistoricalLocations({w['hl']})",
        "foi": f"/v1.1/FeaturesOfInterest({w['foi']})",
    }
    return {k: (await client.get(u)).status_code for k, u in urls.items()}


@pytest.mark.parametrize("method", ["PATCH", "PUT"])
async def test_thing_visibility_applies_to_children(client, world, method):
    w = world
    assert set((await _public_status(client, w)).values()) == {200}
    body: dict[str, Any] = {"@cityops.visibility": "restricted"}
    if method == "PUT":
        body.update(name="n", description="d")
    r = await client.request(method, f"/v1.1/Things({w['thing']})", json=body, headers=w["h"])
    assert r.status_code == 200, r.text
    assert set((await _public_status(client, w)).values()) == {404}
    # the owner still reads all of it
    r = await client.get(f"/v1.1/Observations({w['obs']})", headers=w["h"])
    assert r.status_code == 200
    body["@cityops.visibility"] = "public"
    r = await client.request(method, f"/v1.1/Things({w['thing']})", json=body, headers=w["h"])
    assert r.status_code == 200, r.text
    assert set((await _public_status(client, w)).values()) == {200}


async def test_datastream_visibility_alone(client, world):
    w = world
    r = await client.patch(
        f"/v1.1/Datastreams({w['ds']})", json={"@cityops.visibility": "restricted"}, headers=w["h"]
    )
    assert r.status_code == 200, r.text
    got = await _public_status(client, w)
    assert got == {"thing": 200, "ds": 404, "obs": 404, "loc": 200, "hl": 200, "foi": 200}


@pytest.mark.parametrize(
    "path,body",
    [
        ("Observations({obs})", {"@cityops.visibility": "restricted"}),
        ("HistoricalLocations({hl})", {"@cityops.visibility": "restricted"}),
        ("Things({thing})", {"@cityops.visibility": "secret"}),
        ("Things({thing})", {"@cityops.visibility": None}),
        ("Things({thing})", {"@cityops.organisation": "city-b"}),
        ("Things({thing})", {"@cityops.organisation": "nowhere"}),
    ],
)
async def test_what_cannot_apply_is_400(client, world, path, body):
    r = await client.patch("/v1.1/" + path.format(**world), json=body, headers=world["h"])
    assert r.status_code == 400, r.text
    assert "@cityops" in r.json()["message"]
    assert set((await _public_status(client, world)).values()) == {200}


async def test_same_organisation_is_accepted(client, world):
    r = await client.patch(
        f"/v1.1/Things({world['thing']})",
        json={"@cityops.organisation": "city-a", "name": "renamed"},
        headers=world["h"],
    )
    assert r.status_code == 200, r.text
    assert r.json()["name"] == "renamed"

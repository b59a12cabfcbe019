"""Creating SensorThings entities: 201 + Location, deep insert, links, FOI, errors."""

from __future__ import annotations

import re

import pytest

from tests.api.sta_fixtures import THING, admin_headers, datastream_body, make_world


async def test_post_returns_201_location_and_entity(client, store):
    h = admin_headers(store)
    r = await client.post("/v1.1/Things", json=THING, headers=h)
    assert r.status_code == 201
    loc = r.headers["location"]
    assert re.search(r"/v1\.1/Things\(\d+\)$", loc)
    body = r.json()
    assert body["@iot.selfLink"] == loc
    assert body["name"] == "Pakse gauge"
    assert body["Locations@iot.navigationLink"].endswith("/Locations")
    got = await client.get(loc, headers=h)
    assert got.status_code == 200 and got.json()["properties"] == {"station_code": "013901"}


async def test_deep_insert_creates_historical_location(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.get(f"/v1.1/Things({ids['thing']})/HistoricalLocations", headers=h)
    assert len(r.json()["value"]) == 1
    r = await client.get(f"/v1.1/Things({ids['thing']})/Locations", headers=h)
    assert r.json()["value"][0]["location"]["coordinates"] == [105.8, 15.1]


async def test_deep_insert_is_all_or_nothing(client, store):
    h = admin_headers(store)
    bad = dict(THING, Datastreams=[{"name": "x"}])  # datastream misses mandatory properties
    r = await client.post("/v1.1/Things", json=bad, headers=h)
    assert r.status_code == 400
    assert "Datastreams[0]" in r.json()["message"]
    assert (await client.get("/v1.1/Things", headers=h)).json()["value"] == []
    assert (await client.get("/v1.1/Locations", headers=h)).json()["value"] == []


async def test_link_by_id_ignores_extra_fields(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    thing = (await client.get(f"/v1.1/Things({ids['thing']})", headers=h)).json()
    body = datastream_body(ids["thing"])
    body["Thing"] = thing  # the whole entity, as frost-sta-client sends it
    r = await client.post("/v1.1/Datastreams", json=body, headers=h)
    assert r.status_code == 201, r.text


async def test_observation_gets_foi_from_location_and_reuses_it(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    for v in (1.0, 2.0):
        r = await client.post(
            "/v1.1/Observations",
            headers=h,
            json={
                "phenomenonTime": "2024-09-01T00:00:00+07:00",
                "result": v,
                "Datastream": {"@iot.id": ids["datastream"]},
            },
        )
        assert r.status_code == 201, r.text
    fois = (await client.get("/v1.1/FeaturesOfInterest", headers=h)).json()["value"]
    assert len(fois) == 1
    assert fois[0]["feature"]["coordinates"] == [105.8, 15.1]
    obs = (await client.get("/v1.1/Observations?$expand=FeatureOfInterest", headers=h)).json()
    assert {o["FeatureOfInterest"]["@iot.id"] for o in obs["value"]} == {fois[0]["@iot.id"]}


async def test_datastream_times_and_latest_kept_up_to_date(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    ds = ids["datastream"]
    for t, v in (
        ("2024-09-02T00:00:00Z", 2),
        ("2024-09-01T00:00:00Z", 1),
        ("2024-09-03T00:00:00Z/2024-09-03T06:00:00Z", 3),
    ):
        r = await client.post(
            f"/v1.1/Datastreams({ds})/Observations",
            headers=h,
            json={"phenomenonTime": t, "result": v, "resultTime": "2024-09-04T00:00:00Z"},
        )
        assert r.status_code == 201, r.text
    got = (await client.get(f"/v1.1/Datastreams({ds})", headers=h)).json()
    assert got["phenomenonTime"] == "2024-09-01T00:00:00Z/2024-09-03T06:00:00Z"
    assert got["resultTime"] == "2024-09-04T00:00:00Z"
    assert got["observedArea"] == {"type": "Point", "coordinates": [105.8, 15.1]}
    from sqlalchemy import select

    from cityops.store import schema as s

    with store.read() as conn:
        row = conn.execute(select(s.datastreams).where(s.datastreams.c.id == ds)).first()
    assert row.last_result == 3


@pytest.mark.parametrize(
    "body, field",
    [
        ({"result": 1}, "Datastream"),
        ({"Datastream": {"@iot.id": 1}}, "result"),
        ({"result": 1, "Datastream": {"@iot.id": 999}}, "Datastream 999"),
        (
            {
                "result": 1,
                "Datastream": {"@iot.id": 1},
                "phenomenonTime": "2024-01-01T00:00:00-0700",
            },
            "phenomenonTime",
        ),
        (
            {"result": 1, "Datastream": {"@iot.id": 1}, "phenomenonTime": "yesterday"},
            "phenomenonTime",
        ),
        ({"result": 1, "Datastream": {"@iot.id": 1}, "bogus": 2}, "bogus"),
        ({"result": 1, "Datastream": "one"}, "Datastream"),
    ],
)
async def test_bad_observation_names_the_field(client, store, body, field):
    h = admin_headers(store)
    await make_world(client, h)
    r = await client.post("/v1.1/Observations", json=body, headers=h)
    assert r.status_code == 400
    assert field in r.json()["message"]
    assert (await client.get("/v1.1/Observations", headers=h)).json()["value"] == []


async def test_invalid_json_and_wrong_types(client, store):
    h = admin_headers(store)
    r = await client.post("/v1.1/Things", content=b"{not json", headers=h)
    assert r.status_code == 400 and "invalid JSON" in r.json()["message"]
    r = await client.post("/v1.1/Things", json={"name": 5, "description": "d"}, headers=h)
    assert r.status_code == 400 and "name" in r.json()["message"]
    r = await client.post("/v1.1/Things", json={"description": "d"}, headers=h)
    assert r.status_code == 400 and "name: missing" in r.json()["message"]
    r = await client.post(
        "/v1.1/Locations",
        headers=h,
        json={
            "name": "x",
            "description": "y",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [500, 1]},
        },
    )
    assert r.status_code == 400 and "location" in r.json()["message"]


async def test_body_over_limit_is_413(client, store):
    h = admin_headers(store)
    big = {"name": "x" * (17 * 1024 * 1024), "description": "d"}
    r = await client.post("/v1.1/Things", json=big, headers=h)
    assert r.status_code == 413


async def test_post_under_parent_path(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.post(
        f"/v1.1/Datastreams({ids['datastream']})/Observations", headers=h, json={"result": 7.5}
    )
    assert r.status_code == 201
    r = await client.post(
        f"/v1.1/Things({ids['thing']})/Locations",
        headers=h,
        json={
            "name": "moved",
            "description": "new site",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [105.9, 15.2]},
        },
    )
    assert r.status_code == 201
    locs = (await client.get(f"/v1.1/Things({ids['thing']})/Locations", headers=h)).json()
    assert [x["name"] for x in locs["value"]] == ["moved"]
    hist = (await client.get(f"/v1.1/Things({ids['thing']})/HistoricalLocations", headers=h)).json()
    assert len(hist["value"]) == 2

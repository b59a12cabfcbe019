"""PATCH, JSON Patch, PUT, DELETE and the cascades."""

from __future__ import annotations

from tests.api.sta_fixtures import admin_headers, make_world


async def test_patch_merges(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.patch(
        f"/v1.1/Things({ids['thing']})",
        headers=h,
        json={"description": "new", "properties": {"a": 1}},
    )
    assert r.status_code == 200
    got = (await client.get(f"/v1.1/Things({ids['thing']})", headers=h)).json()
    assert got["description"] == "new" and got["name"] == "Pakse gauge"
    assert got["properties"] == {"a": 1}


async def test_json_patch(client, store):
    h = {**admin_headers(store), "content-type": "application/json-patch+json"}
    ids = await make_world(client, h)
    ops = [
        {"op": "add", "path": "/properties/basin", "value": "Mekong"},
        {"op": "replace", "path": "/name", "value": "Pakse"},
    ]
    r = await client.patch(f"/v1.1/Things({ids['thing']})", headers=h, json=ops)
    assert r.status_code == 200, r.text
    got = r.json()
    assert got["name"] == "Pakse"
    assert got["properties"] == {"station_code": "013901", "basin": "Mekong"}
    r = await client.patch(
        f"/v1.1/Things({ids['thing']})",
        headers=h,
        json=[{"op": "remove", "path": "/properties/missing"}],
    )
    assert r.status_code == 400


async def test_put_replaces(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.put(
        f"/v1.1/Things({ids['thing']})", headers=h, json={"name": "n", "description": "d"}
    )
    assert r.status_code == 200
    assert r.json()["properties"] is None


async def test_patch_thing_locations_makes_historical_location(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.post(
        "/v1.1/Locations",
        headers=h,
        json={
            "name": "B",
            "description": "b",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [100, 10]},
        },
    )
    loc = r.json()["@iot.id"]
    r = await client.patch(
        f"/v1.1/Things({ids['thing']})", headers=h, json={"Locations": [{"@iot.id": loc}]}
    )
    assert r.status_code == 200
    hist = (await client.get(f"/v1.1/Things({ids['thing']})/HistoricalLocations", headers=h)).json()
    assert len(hist["value"]) == 2


async def test_delete_cascades(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    await client.post(
        f"/v1.1/Datastreams({ids['datastream']})/Observations", headers=h, json={"result": 1}
    )
    r = await client.delete(f"/v1.1/Things({ids['thing']})", headers=h)
    assert r.status_code == 200
    assert (await client.get(f"/v1.1/Things({ids['thing']})", headers=h)).status_code == 404
    assert (
        await client.get(f"/v1.1/Datastreams({ids['datastream']})", headers=h)
    ).status_code == 404
    assert (await client.get("/v1.1/Observations", headers=h)).json()["value"] == []
    assert (await client.get("/v1.1/HistoricalLocations", headers=h)).json()["value"] == []
    assert len((await client.get("/v1.1/Locations", headers=h)).json()["value"]) == 1
    assert (await client.delete(f"/v1.1/Things({ids['thing']})", headers=h)).status_code == 404


async def test_delete_latest_observation_refreshes_datastream(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    ds = ids["datastream"]
    made = []
    for t in ("2024-01-01T00:00:00Z", "2024-01-02T00:00:00Z"):
        r = await client.post(
            f"/v1.1/Datastreams({ds})/Observations",
            headers=h,
            json={"phenomenonTime": t, "result": 1},
        )
        made.append(r.json()["@iot.id"])
    await client.delete(f"/v1.1/Observations({made[1]})", headers=h)
    got = (await client.get(f"/v1.1/Datastreams({ds})", headers=h)).json()
    assert got["phenomenonTime"] == "2024-01-01T00:00:00Z"

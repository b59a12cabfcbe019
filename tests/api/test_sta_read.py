"""Reading: root, paths, properties, $value, $ref, paging and nextLink, options, dataArray."""

from __future__ import annotations

import httpx

from tests.api.sta_fixtures import admin_headers, datastream_body, make_world


async def _observations(client, h, ds: int, n: int) -> None:
    rows = [[f"2024-01-01T{i // 60:02d}:{i % 60:02d}:00Z", float(i)] for i in range(n)]
    r = await client.post(
        "/v1.1/CreateObservations",
        headers=h,
        json=[
            {
                "Datastream": {"@iot.id": ds},
                "components": ["phenomenonTime", "result"],
                "dataArray": rows,
            }
        ],
    )
    assert r.status_code == 201, r.text


async def test_service_root_lists_sets_and_conformance(client):
    r = await client.get("/v1.1")
    body = r.json()
    names = {v["name"] for v in body["value"]}
    assert names == {
        "Things",
        "Locations",
        "HistoricalLocations",
        "Datastreams",
        "Sensors",
        "ObservedProperties",
        "Observations",
        "FeaturesOfInterest",
    }
    conf = body["serverSettings"]["conformance"]
    assert "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete" in conf
    assert all(v["url"].startswith("http://test/v1.1/") for v in body["value"])


async def test_paging_follows_next_link_exactly(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    await _observations(client, h, ids["datastream"], 25)
    url = f"/v1.1/Datastreams({ids['datastream']})/Observations?$top=10&$count=true"
    seen, pages = [], 0
    while url:
        body = (await client.get(url, headers=h)).json()
        assert body["@iot.count"] == 25
        seen += [o["result"] for o in body["value"]]
        pages += 1
        url = body.get("@iot.nextLink")
        if url:
            url = url.replace("http://test", "")
    assert pages == 3 and seen == list(range(25))


async def test_top_capped_by_max_and_default(client, store, settings):
    h = admin_headers(store)
    ids = await make_world(client, h)
    await _observations(client, h, ids["datastream"], 120)
    body = (await client.get("/v1.1/Observations", headers=h)).json()
    assert len(body["value"]) == 100 and "@iot.nextLink" in body
    body = (await client.get("/v1.1/Observations?$top=100000", headers=h)).json()
    assert len(body["value"]) == 120 and "@iot.nextLink" not in body


async def test_orderby_several_keys_any_case(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    await _observations(client, h, ids["datastream"], 5)
    body = (
        await client.get("/v1.1/Observations?$orderby=result DeSc,id asc&$top=3", headers=h)
    ).json()
    assert [o["result"] for o in body["value"]] == [4, 3, 2]


async def test_select_and_expand(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    await _observations(client, h, ids["datastream"], 3)
    body = (
        await client.get(
            f"/v1.1/Things({ids['thing']})?$expand=Datastreams($select=name;$expand="
            "Observations($orderby=phenomenonTime desc;$top=1))",
            headers=h,
        )
    ).json()
    ds = body["Datastreams"][0]
    assert set(ds) == {"name", "Observations", "Observations@iot.nextLink"}
    assert [o["result"] for o in ds["Observations"]] == [2]
    body = (await client.get("/v1.1/Observations?$select=result&$top=1", headers=h)).json()
    assert body["value"] == [{"result": 0}]


async def test_property_value_and_ref(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.get(f"/v1.1/Things({ids['thing']})/name", headers=h)
    assert r.json() == {"name": "Pakse gauge"}
    r = await client.get(f"/v1.1/Things({ids['thing']})/name/$value", headers=h)
    assert r.text == "Pakse gauge"
    r = await client.get("/v1.1/Things/$ref", headers=h)
    assert r.json()["value"] == [{"@iot.selfLink": f"http://test/v1.1/Things({ids['thing']})"}]
    r = await client.get(f"/v1.1/Datastreams({ids['datastream']})/Thing", headers=h)
    assert r.json()["@iot.id"] == ids["thing"]


async def test_unknown_entities_are_404(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    for path in (
        "/v1.1/Things(999)",
        "/v1.1/Nothing",
        f"/v1.1/Things({ids['thing']})/nope",
        f"/v1.1/Things({ids['thing']})/Datastreams(999)",
    ):
        r = await client.get(path, headers=h)
        assert r.status_code == 404, path
        assert r.json()["code"] == 404


async def test_bad_and_unsupported_options(client):
    assert (await client.get("/v1.1/Things?$top=-1")).status_code == 400
    assert (await client.get("/v1.1/Things?$filter=name eq")).status_code == 400
    assert (await client.get("/v1.1/Things?$apply=x")).status_code == 501


async def test_data_array_read_and_write(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.post(
        "/v1.1/CreateObservations",
        headers=h,
        json=[
            {
                "Datastream": {"@iot.id": ids["datastream"]},
                "components": ["phenomenonTime", "result"],
                "dataArray": [
                    ["2024-01-01T00:00:00Z", 1.5],
                    ["not a time", 2],
                    ["2024-01-01T01:00:00Z", 3],
                ],
            }
        ],
    )
    assert r.status_code == 201
    out = r.json()
    assert (
        out[1] == "error"
        and out[0].endswith(")")
        and out[2].startswith("http://test/v1.1/Observations(")
    )
    body = (
        await client.get(
            "/v1.1/Observations?$resultFormat=dataArray&$select=phenomenonTime,result", headers=h
        )
    ).json()
    group = body["value"][0]
    assert group["components"] == ["phenomenonTime", "result"]
    assert group["dataArray"] == [["2024-01-01T00:00:00Z", 1.5], ["2024-01-01T01:00:00Z", 3]]


async def test_no_stack_traces_and_security_headers(client: httpx.AsyncClient):
    r = await client.get("/v1.1/Things")
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "content-security-policy" in r.headers


async def test_expand_pages_each_parent_separately(client, store):
    """Per-parent $top/$skip/$orderby/$filter/$count on a to-many expand, several parents."""
    h = admin_headers(store)
    ids = await make_world(client, h)
    other = await client.post("/v1.1/Datastreams", headers=h, json=datastream_body(ids["thing"]))
    streams = [ids["datastream"], other.json()["@iot.id"]]
    await _observations(client, h, streams[0], 6)  # results 0..5
    await _observations(client, h, streams[1], 3)  # results 0..2
    url = (
        "/v1.1/Datastreams?$orderby=id&$expand=Observations($filter=result ge 1;"
        "$orderby=phenomenonTime desc;$top=2;$skip=1;$count=true;$select=result)"
    )
    body = (await client.get(url, headers=h)).json()["value"]
    first, second = body
    assert [o["result"] for o in first["Observations"]] == [4, 3]
    assert first["Observations@iot.count"] == 5 and "Observations@iot.nextLink" in first
    assert [o["result"] for o in second["Observations"]] == [1]
    assert second["Observations@iot.count"] == 2 and "Observations@iot.nextLink" not in second


async def test_service_root_with_trailing_slash_is_the_root(client):
    """Conformance suites and clients build URLs as ``<root>/``: same document as /v1.1."""
    plain = await client.get("/v1.1")
    slash = await client.get("/v1.1/")
    assert slash.status_code == 200
    assert slash.json() == plain.json()


async def test_value_of_a_null_property_is_json_null(client, store):
    """A null property exists: $value answers 200 with the JSON literal null (the media
    type tells it apart from the string "null", which comes as text/plain)."""
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.put(
        f"/v1.1/Things({ids['thing']})", headers=h, json={"name": "n", "description": "d"}
    )
    assert r.status_code == 200
    r = await client.get(f"/v1.1/Things({ids['thing']})/properties/$value", headers=h)
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/json")
    assert r.text == "null"
    r = await client.get(f"/v1.1/Things({ids['thing']})/name/$value", headers=h)
    assert r.headers["content-type"].startswith("text/plain") and r.text == "n"
    r = await client.get("/v1.1/Things(999)/properties/$value", headers=h)
    assert r.status_code == 404


async def test_top_zero_gives_no_rows_no_next_link_and_the_count(client, store):
    h = admin_headers(store)
    ids = await make_world(client, h)
    await _observations(client, h, ids["datastream"], 5)
    body = (await client.get("/v1.1/Observations?$top=0&$count=true", headers=h)).json()
    assert body["value"] == [] and body["@iot.count"] == 5
    assert "@iot.nextLink" not in body
    body = (
        await client.get(
            f"/v1.1/Datastreams({ids['datastream']})?$expand=Observations($top=0;$count=true)",
            headers=h,
        )
    ).json()
    assert body["Observations"] == [] and body["Observations@iot.count"] == 5
    assert "Observations@iot.nextLink" not in body

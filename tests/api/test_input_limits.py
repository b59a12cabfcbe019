"""Whatever a client sends is refused with a 4xx naming the field, or stored so that it
reads back equal: no 500, and nothing stored that breaks later reads (on both databases).
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cityops.app import create_app
from tests.api.sta_fixtures import THING, admin_headers, make_world


def nest(value: Any, levels: int, kind: str = "list") -> Any:
    for i in range(levels):
        value = [value] if kind == "list" or i % 2 else {"k": value}
    return value


@pytest.mark.parametrize("levels", [61, 63, 300, 900])
async def test_deep_properties_are_refused_or_read_back(client, store, levels: int) -> None:
    h = admin_headers(store)
    body = {**THING, "properties": {"deep": nest(1, levels)}}
    r = await client.post("/v1.1/Things", json=body, headers=h)
    if levels <= 61:  # + the body and "properties": 63 levels in all
        assert r.status_code == 201, r.text
    else:
        assert r.status_code == 400, r.text
        assert "max_json_depth" in r.json()["message"]
    # whatever happened, every read of the collection still answers
    r = await client.get("/v1.1/Things", headers=h)
    assert r.status_code == 200, r.text


async def test_deep_result_is_refused(client, store) -> None:
    h = admin_headers(store)
    ids = await make_world(client, h)
    obs = {"result": nest(1, 400, "dict"), "Datastream": {"@iot.id": ids["datastream"]}}
    r = await client.post("/v1.1/Observations", json=obs, headers=h)
    assert r.status_code == 400, r.text
    r = await client.get(f"/v1.1/Datastreams({ids['datastream']})/Observations", headers=h)
    assert r.status_code == 200 and r.json()["value"] == []


json_leaf = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8)
)
json_value = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=12,
)


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(value=json_value, levels=st.integers(0, 300), kind=st.sampled_from(["list", "dict"]))
def test_any_json_is_refused_or_read_back(api: TestClient, value: Any, levels: int, kind: str):
    h, ds = api.headers_, api.datastream_  # type: ignore[attr-defined]
    doc = nest(value, levels, kind)
    for path, body, read in (
        ("/v1.1/Things", {**THING, "properties": {"p": doc}}, "properties"),
        ("/v1.1/Observations", {"result": doc, "Datastream": {"@iot.id": ds}}, "result"),
    ):
        r = api.post(path, content=json.dumps(body), headers=h)
        assert r.status_code in (201, 400), r.text
        if r.status_code == 400:
            continue
        back = api.get(r.headers["location"].replace("http://testserver", ""), headers=h)
        assert back.status_code == 200, back.text
        got = back.json()[read]
        assert same_json(got["p"] if read == "properties" else got, doc)


def same_json(a: Any, b: Any) -> bool:
    """Equal as JSON values. Numbers compare as numbers: PostgreSQL's jsonb keeps them as
    decimals, so 3.910793714162259e+16 reads back as 39107937141622590, the same JSON
    number (and the same double for any client) written without an exponent."""
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b if isinstance(a, int) and isinstance(b, int) else float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_json(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(same_json(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


@pytest.fixture
def api(settings, store):  # type: ignore[no-untyped-def]
    """A synchronous client (hypothesis drives plain functions) on the test store."""
    app = create_app(settings, store, upgrade=False)
    with TestClient(app) as tc:
        tc.headers_ = admin_headers(store)  # type: ignore[attr-defined]
        r = tc.post("/v1.1/Things", json=THING, headers=tc.headers_)  # type: ignore[attr-defined]
        from tests.api.sta_fixtures import datastream_body

        r = tc.post(
            "/v1.1/Datastreams",
            json=datastream_body(r.json()["@iot.id"]),
            headers=tc.headers_,  # type: ignore[attr-defined]
        )
        tc.datastream_ = r.json()["@iot.id"]  # type: ignore[attr-defined]
        yield tc


@pytest.mark.parametrize(
    "body",
    [
        {**THING, "name": "a\x00b"},
        {**THING, "properties": {"k\x00": 1}},
        {**THING, "properties": {"k": ["x\x00"]}},
    ],
)
async def test_nul_in_json_strings_is_refused(client, store, body) -> None:
    r = await client.post("/v1.1/Things", json=body, headers=admin_headers(store))
    assert r.status_code == 400, r.text
    assert "NUL" in r.json()["message"]


@pytest.mark.parametrize(
    "url",
    [
        "/v1.1/Things?$filter=name%20eq%20'a%00b'",
        "/v1.1/Things%00",
        "/api/incidents?status=%00",
        "/v1.1/Things?$select=name%00",
    ],
)
async def test_nul_in_path_or_query_is_refused(client, store, url: str) -> None:
    r = await client.get(url, headers=admin_headers(store))
    assert r.status_code == 400, r.text


async def test_naive_token_expiry_is_refused(client, store) -> None:
    h = admin_headers(store)
    for bad in ("2030-01-01T00:00:00", "9999-12-31T23:59:59-05:00"):
        r = await client.post("/api/tokens", json={"expires_at": bad}, headers=h)
        assert r.status_code == 400, r.text
        assert "expires_at" in r.text
    r = await client.post("/api/tokens", json={"expires_at": "2030-01-01T00:00:00Z"}, headers=h)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+07:00",
        "0001-01-01T00:00:00Z",
        "1899-12-31T23:59:59Z",
        "2201-01-01T00:00:00Z",
        "9999-12-31T23:59:59-05:00",
    ],
)
async def test_times_outside_the_years_are_refused(client, store, when: str) -> None:
    h = admin_headers(store)
    ids = await make_world(client, h)
    obs = {"result": 1, "phenomenonTime": when, "Datastream": {"@iot.id": ids["datastream"]}}
    r = await client.post("/v1.1/Observations", json=obs, headers=h)
    assert r.status_code == 400, r.text
    assert "phenomenonTime" in r.json()["message"] and "1900" in r.json()["message"]
    r = await client.get(f"/v1.1/Datastreams({ids['datastream']})/Observations", headers=h)
    assert r.status_code == 200


async def test_years_in_range_are_accepted(client, store) -> None:
    h = admin_headers(store)
    ids = await make_world(client, h)
    for when in ("1900-01-01T00:00:00Z", "2200-12-31T23:59:59Z"):
        obs = {"result": 1, "phenomenonTime": when, "Datastream": {"@iot.id": ids["datastream"]}}
        r = await client.post("/v1.1/Observations", json=obs, headers=h)
        assert r.status_code == 201, r.text


async def test_no_500_from_any_of_these(client: httpx.AsyncClient) -> None:
    r = await client.get("/v1.1/Things(1)%00")
    assert r.status_code < 500


@pytest.mark.parametrize("start", ["2024-01-01T00:00:00", "0001-01-01T00:00:00+07:00"])
async def test_export_window_needs_an_offset_and_a_sane_year(client, store, start: str) -> None:
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.get(
        f"/api/export/datastreams/{ids['datastream']}.csv", params={"start": start}, headers=h
    )
    assert r.status_code == 400, r.text
    assert r.json()["field"] == "start"


async def test_nul_in_a_login_is_refused(client) -> None:
    r = await client.post("/api/login", json={"username": "ad\x00min", "password": "x" * 12})
    assert 400 <= r.status_code < 500, r.text
    r = await client.post("/api/login", data={"username": "ad\x00min", "password": "x" * 12})
    assert 400 <= r.status_code < 500, r.text


def test_integers_beyond_64_bits_are_rendered_exactly() -> None:
    """PostgreSQL's jsonb reads a stored 1e20 back as a 21-digit integer, which orjson
    alone refuses (a 500 on every read of that entity): written as an exact number."""
    from cityops.api.json import JSON

    body = JSON({"result": 10**20, "nested": [{"n": -(2**70)}], "ok": True}).body
    assert (
        body
        == b'{"result":100000000000000000000,"nested":[{"n":-1180591620717411303424}],"ok":true}'
    )

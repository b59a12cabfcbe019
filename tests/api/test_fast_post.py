"""The fast POST /v1.1/Observations (api/sta/fast.py) against the general route.

Each request is sent twice to the same server: once to ``/v1.1/Observations`` (the fast
path) and once with a query string, which the fast path leaves to FastAPI's general
``POST /v1.1/{path}`` route. The answers must be the same (status, body and headers, with
the second id in place of the first) and so must the stored rows, on both databases,
for good and bad input and for every kind of caller.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cityops.api.sta import fast
from cityops.store import schema as s
from tests.api.sta_fixtures import THING, admin_headers, make_world
from tests.helpers import bearer, make_device_token, make_org, make_user_token, password_of

GENERAL = "/v1.1/Observations?general=1"

BODIES: list[Any] = [
    {"phenomenonTime": "2024-09-01T00:00:00+07:00", "result": 1.5},
    {
        "phenomenonTime": "2024-09-01T00:00:00Z/2024-09-01T01:00:00Z",
        "resultTime": "2024-09-01T01:00:05Z",
        "validTime": "2024-09-01T00:00:00Z/2024-09-02T00:00:00Z",
        "result": 3,
        "resultQuality": {"flag": "good"},
        "parameters": {"battery": 3.7},
    },
    {"phenomenonTime": "2024-09-02T00:00:00Z", "result": "dry"},
    {"phenomenonTime": "2024-09-02T00:00:00Z", "result": {"a": [1, 2]}},
    {"phenomenonTime": "2024-09-02T00:00:00Z", "result": 2**70},  # beyond 64 bits
    {"phenomenonTime": "2024-09-02T00:00:00Z", "result": None},
    {
        "phenomenonTime": "2024-09-03T00:00:00Z",
        "result": 1,
        "FeatureOfInterest": {
            "name": "Bank",
            "description": "left bank",
            "encodingType": "application/geo+json",
            "feature": {"type": "Point", "coordinates": [105.81, 15.11]},
        },
    },
    # bad input: the same error from both paths
    {"phenomenonTime": "2024-09-02T00:00:00Z"},
    {"phenomenonTime": "yesterday", "result": 1},
    {"phenomenonTime": "2024-09-02T00:00:00Z", "result": 1, "colour": "red"},
    {"phenomenonTime": "2024-09-02T00:00:00Z", "result": 1, "parameters": [1]},
    {"phenomenonTime": "2024-09-02T00:00:00Z", "result": "a\u0000b"},
    {"result": 1, "Datastream": {"@iot.id": 999999}},
    {"result": 1, "Datastream": "x"},
    {"result": 1, "Datastream": {"@iot.id": 10**30}},
    [1, 2],
    "text",
]
RAW_BODIES = [b"", b"   ", b"{not json", b'{"result": 1', b"\xff\xfe"]


def _same(fast_r: httpx.Response, general_r: httpx.Response) -> None:
    """Equal answers, the general one's ids and links mapped back to the fast one's."""
    assert fast_r.status_code == general_r.status_code, (fast_r.text, general_r.text)
    text, other = fast_r.text, general_r.text
    if fast_r.status_code == 201:
        a, b = fast_r.json()["@iot.id"], general_r.json()["@iot.id"]
        other = other.replace(f'"@iot.id":{b},', f'"@iot.id":{a},').replace(f"({b})", f"({a})")
        assert (
            general_r.headers["location"].replace(f"({b})", f"({a})")
            == (fast_r.headers["location"])
        )
    assert text == other
    skip = {"date", "location", "content-length"}
    assert {k: v for k, v in fast_r.headers.items() if k not in skip} == {
        k: v for k, v in general_r.headers.items() if k not in skip
    }


def _stored(store: Any, ident: int) -> dict[str, Any]:
    o = s.observations
    with store.read() as conn:
        row = conn.execute(select(o).where(o.c.id == ident)).mappings().one()
    return {k: v for k, v in row.items() if k != "id"}


@pytest.fixture
def fast_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the requests the fast path answered (to be sure each side took its path)."""
    calls: list[int] = []
    real = fast._post

    async def counting(request: Any) -> Any:
        calls.append(1)
        return await real(request)

    monkeypatch.setattr(fast, "_post", counting)
    return calls


async def _both(
    client: httpx.AsyncClient, fast_calls: list[int], headers: dict[str, str], **kw: Any
) -> tuple[httpx.Response, httpx.Response]:
    before = len(fast_calls)
    a = await client.post("/v1.1/Observations", headers=headers, **kw)
    assert len(fast_calls) == before + 1
    b = await client.post(GENERAL, headers=headers, **kw)
    assert len(fast_calls) == before + 1
    return a, b


async def test_same_answers_and_rows_as_the_general_route(client, store, fast_calls):
    h = admin_headers(store)
    ids = await make_world(client, h)
    for body in BODIES:
        if isinstance(body, dict) and "Datastream" not in body:
            body = dict(body, Datastream={"@iot.id": ids["datastream"]})
        a, b = await _both(client, fast_calls, h, json=body)
        _same(a, b)
        if a.status_code == 201:
            row_a, row_b = _stored(store, a.json()["@iot.id"]), _stored(store, b.json()["@iot.id"])
            if row_a.get("feature_of_interest_id") != row_b.get("feature_of_interest_id"):
                # a FeatureOfInterest made by deep insert: one each, equal but for the id
                row_a.pop("feature_of_interest_id"), row_b.pop("feature_of_interest_id")
            assert row_a == row_b
    for raw in RAW_BODIES:
        a, b = await _both(
            client, fast_calls, {**h, "Content-Type": "application/json"}, content=raw
        )
        _same(a, b)


async def test_same_answers_for_every_kind_of_caller(client, store, fast_calls):
    h = admin_headers(store)
    ids = await make_world(client, h)
    other = (await client.post("/v1.1/Things", json=dict(THING, name="Other"), headers=h)).json()
    body = {"result": 2.5, "phenomenonTime": "2024-09-01T00:00:00Z"}
    body["Datastream"] = {"@iot.id": ids["datastream"]}
    callers = {
        "anonymous": {},
        "junk token": bearer("nope"),
        "bad scheme": {"Authorization": "Token abc"},
        "analyst": bearer(make_user_token(store, "ana", "analyst", make_org(store, "vte"))),
        "own device": bearer(make_device_token(store, ids["thing"])),
        "other device": bearer(make_device_token(store, other["@iot.id"])),
    }
    for name, headers in callers.items():
        a, b = await _both(client, fast_calls, headers, json=body)
        _same(a, b)
        assert name != "own device" or a.status_code == 201
        assert name in ("own device",) or a.status_code >= 400, name


async def test_same_answers_for_a_session_cookie(client, store, fast_calls):
    h = admin_headers(store)
    ids = await make_world(client, h)
    make_user_token(store, "boss", "admin")
    r = await client.post("/api/login", json={"username": "boss", "password": password_of("boss")})
    assert r.status_code == 200, r.text
    body = {"result": 1.0, "Datastream": {"@iot.id": ids["datastream"]}}
    body["phenomenonTime"] = "2024-09-01T00:00:00Z"
    a, b = await _both(client, fast_calls, {}, json=body)  # the cookie, no CSRF token
    _same(a, b)
    assert a.status_code == 403
    a, b = await _both(client, fast_calls, {"X-CSRF-Token": r.json()["csrf_token"]}, json=body)
    _same(a, b)
    assert a.status_code == 201


async def test_other_requests_take_the_general_route(client, store, fast_calls):
    h = admin_headers(store)
    ids = await make_world(client, h)
    body = {"result": 1.0, "phenomenonTime": "2024-09-01T00:00:00Z"}
    r = await client.post(
        f"/v1.1/Datastreams({ids['datastream']})/Observations", json=body, headers=h
    )
    assert r.status_code == 201, r.text
    r = await client.get("/v1.1/Observations", headers=h)
    assert r.status_code == 200
    assert fast_calls == []

"""Query limits through the API: refused with 400 naming the limit, on both databases."""

from __future__ import annotations

import httpx
import pytest

from tests.api.sta_fixtures import admin_headers, make_world
from tests.sta.query.test_limits import nested_expand


@pytest.mark.parametrize("levels", [6, 30])
async def test_deep_expand_is_refused_by_name(client: httpx.AsyncClient, levels: int) -> None:
    r = await client.get("/v1.1/Datastreams", params={"$expand": nested_expand(levels)})
    assert r.status_code == 400, r.text
    assert "max_expand_depth" in r.json()["message"]


async def test_expand_at_the_limit_answers(client: httpx.AsyncClient, store) -> None:
    h = admin_headers(store)
    ids = await make_world(client, h)
    r = await client.get(
        f"/v1.1/Datastreams({ids['datastream']})", params={"$expand": nested_expand(5)}, headers=h
    )
    assert r.status_code == 200, r.text
    assert r.json()["Thing"]["Datastreams"][0]["Thing"]["Datastreams"][0]["@iot.id"]


async def test_long_or_chain_is_refused_by_name(client: httpx.AsyncClient) -> None:
    chain = " or ".join(f"id eq {i}" for i in range(3000))
    r = await client.get("/v1.1/Things", params={"$filter": chain})
    assert r.status_code == 400, r.text
    assert "max_expression_" in r.json()["message"]


async def test_or_chain_at_the_depth_limit_runs(client: httpx.AsyncClient, store) -> None:
    h = admin_headers(store)
    ids = await make_world(client, h)
    chain = " or ".join(f"id eq {ids['thing'] + i}" for i in range(120))
    r = await client.get("/v1.1/Things", params={"$filter": chain}, headers=h)
    assert r.status_code == 200, r.text
    assert [t["@iot.id"] for t in r.json()["value"]] == [ids["thing"]]


async def test_an_answer_over_the_entity_budget_is_refused(client, store, settings) -> None:
    h = admin_headers(store)
    ids = await make_world(client, h)
    rows = [[f"2024-01-01T00:{i // 60:02d}:{i % 60:02d}Z", float(i)] for i in range(30)]
    body = [
        {
            "Datastream": {"@iot.id": ids["datastream"]},
            "components": ["phenomenonTime", "result"],
            "dataArray": rows,
        }
    ]
    r = await client.post("/v1.1/CreateObservations", json=body, headers=h)
    assert r.status_code == 201, r.text
    settings.max_response_entities = 20
    r = await client.get(
        "/v1.1/Things", params={"$expand": "Datastreams($expand=Observations($top=100))"}, headers=h
    )
    assert r.status_code == 400, r.text
    assert "max_response_entities" in r.json()["message"]
    r = await client.get(
        "/v1.1/Things", params={"$expand": "Datastreams($expand=Observations($top=5))"}, headers=h
    )
    assert r.status_code == 200, r.text

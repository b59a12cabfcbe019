"""A city admin's view of their city: device tokens are listed (never their secrets) and
their issue and revocation appear in the city's audit log; nothing of another city."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.api.test_access_matrix import _thing
from tests.helpers import bearer, make_org, make_user_token


@pytest.fixture
def two_cities(store: Any) -> dict[str, Any]:
    a, b = make_org(store, "city-a"), make_org(store, "city-b")
    return {
        "thing_a": _thing(store, "city-a", "public")[0],
        "thing_b": _thing(store, "city-b", "public")[0],
        "ca": bearer(make_user_token(store, "ca", "city_admin", a)),
        "cb": bearer(make_user_token(store, "cb", "city_admin", b)),
        "op": bearer(make_user_token(store, "op", "operator", a)),
    }


async def test_device_tokens_in_the_city_audit_log(
    client: httpx.AsyncClient, two_cities: dict[str, Any]
) -> None:
    w = two_cities
    r = await client.post(
        "/api/tokens", json={"device": w["thing_a"], "name": "gauge 1"}, headers=w["ca"]
    )
    assert r.status_code == 201, r.text
    token_id = r.json()["id"]
    assert (await client.delete(f"/api/tokens/{token_id}", headers=w["ca"])).status_code == 200
    log = (await client.get("/api/audit?entity=Token", headers=w["ca"])).json()
    assert [(e["action"], str(e["entity_id"])) for e in log] == [
        ("revoke", str(token_id)),
        ("create", str(token_id)),
    ]
    assert (await client.get("/api/audit?entity=Token", headers=w["cb"])).json() == []


async def test_city_admin_lists_the_city_device_tokens(
    client: httpx.AsyncClient, two_cities: dict[str, Any]
) -> None:
    w = two_cities
    for thing, who in ((w["thing_a"], w["ca"]), (w["thing_b"], w["cb"])):
        r = await client.post("/api/tokens", json={"device": thing, "name": "dev"}, headers=who)
        assert r.status_code == 201, r.text
    mine = (await client.post("/api/tokens", json={"name": "own"}, headers=w["op"])).json()
    listed = (await client.get("/api/tokens", headers=w["ca"])).json()
    assert [t["thing_id"] for t in listed] == [w["thing_a"]]
    assert {"id", "name", "thing_id", "thing", "created_at", "revoked_at"} <= set(listed[0])
    assert not {"token", "token_hash"} & set(listed[0])
    own = (await client.get("/api/tokens", headers=w["op"])).json()
    # an operator sees their own tokens only (the fixture's and the new one), no device's
    assert mine["id"] in [t["id"] for t in own] and len(own) == 2
    assert {t["thing_id"] for t in own} == {None} and len({t["user_id"] for t in own}) == 1

"""Actions only an admin may take, refused to everybody else before anything happens
(the decision lives in ``auth``; the HTTP layer only asks)."""

from __future__ import annotations

import pytest

from tests.helpers import bearer, make_org, make_user_token


@pytest.mark.parametrize("role", ["city_admin", "operator", "analyst"])
async def test_only_an_admin_imports_outside_feeds(client, store, role: str) -> None:
    org = make_org(store, "city-a")
    headers = bearer(make_user_token(store, "someone", role, org))
    # an address nobody serves: were the check skipped, the fetch would fail otherwise
    r = await client.post(
        "/api/external-alerts/import", json={"url": "http://127.0.0.1:9/feed"}, headers=headers
    )
    assert r.status_code == 403
    assert "only an admin imports outside feeds" in r.text
    r = await client.get("/api/external-alerts")
    assert r.json()["value"] == []

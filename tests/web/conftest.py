"""A small world for the web tests: two cities, a restricted river station in the first
with a river rule (warning 11 m, danger 12 m), operators of each city and an admin."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from cityops.store.base import Store
from tests.alerting.support import make_datastream
from tests.helpers import bearer, make_org, make_user_token, password_of
from tests.web.test_series import restrict


@pytest.fixture
async def city(client: httpx.AsyncClient, store: Store) -> dict[str, Any]:
    a = make_org(store, "pakse", lat=15.1, lon=105.8, timezone="Asia/Vientiane")
    b = make_org(store, "kratie")
    ds = make_datastream(store, org="pakse")
    restrict(store, ds)
    tok = {
        "op_a": make_user_token(store, "operator-a", "operator", a),
        "op_b": make_user_token(store, "operator-b", "operator", b),
        "admin": make_user_token(store, "root", "admin"),
    }
    rule = {
        "name": "flood",
        "type": "river_level",
        "subject": "Pakse",
        "inputs": {"level": ds},
        "levels": {"warning": 11.0, "danger": 12.0},
    }
    r = await client.post("/api/rules", json=rule, headers=bearer(tok["admin"]))
    assert r.status_code == 201, r.text
    return {"ds": ds, "orgs": (a, b), "tok": tok}


async def login(client: httpx.AsyncClient, username: str) -> str:
    """Log in through the HTML form (with its CSRF cookie); the session's CSRF token."""
    page = await client.get("/login")
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = await client.post(
        "/login",
        data={
            "username": username,
            "password": password_of(username),
            "csrf_token": token,
            "next": "/ops",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/ops", r.text
    return str((await client.get("/api/me")).json()["csrf_token"])

"""Password login, session cookies, CSRF, lock-out, rate limits, admin endpoints."""

from __future__ import annotations

import httpx

from cityops.app import create_app
from tests.helpers import bearer, make_org, make_user_token, password_of


async def _login(client, user: str, password: str) -> httpx.Response:
    return await client.post("/api/login", json={"username": user, "password": password})


async def test_login_sets_a_safe_cookie_and_csrf_protects_writes(client, store):
    org = make_org(store, "hue")
    make_user_token(store, "ca", "city_admin", org)
    r = await _login(client, "ca", password_of("ca"))
    assert r.status_code == 200
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    csrf = r.json()["csrf_token"]
    me = (await client.get("/api/me")).json()
    assert me["name"] == "ca" and me["role"] == "city_admin" and me["csrf_token"] == csrf
    body = {"name": "n", "description": "d"}
    assert (await client.post("/v1.1/Things", json=body)).status_code == 403
    bad = await client.post("/v1.1/Things", json=body, headers={"X-CSRF-Token": "nope"})
    assert bad.status_code == 403
    ok = await client.post("/v1.1/Things", json=body, headers={"X-CSRF-Token": csrf})
    assert ok.status_code == 201
    await client.post("/api/logout")
    client.cookies.clear()
    assert (await client.get("/api/me")).json()["role"] == "public"


async def test_secure_cookie_over_tls(settings, store):
    app = create_app(
        settings.model_copy(update={"public_url": "https://ops.example"}), store, upgrade=False
    )
    make_user_token(store, "adm", "admin")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="https://ops.example"
    ) as c:
        r = await _login(c, "adm", password_of("adm"))
        assert "secure" in r.headers["set-cookie"].lower()
        assert r.headers["strict-transport-security"].startswith("max-age=")


async def test_lockout_after_repeated_failures(client, store):
    make_user_token(store, "adm", "admin")
    for _ in range(5):
        assert (await _login(client, "adm", "wrong")).status_code == 401
    r = await _login(client, "adm", password_of("adm"))
    nobody = await _login(client, "nobody", "x")
    assert r.status_code == nobody.status_code == 401
    assert r.json()["detail"] == nobody.json()["detail"]  # locked looks like unknown


async def test_login_rate_limit(settings, store):
    app = create_app(settings.model_copy(update={"login_rate_per_min": 3}), store, upgrade=False)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        codes = [(await _login(c, "x", "y")).status_code for _ in range(5)]
    assert codes[:3] == [401, 401, 401] and codes[3:] == [429, 429]


async def test_admin_endpoints(client, store):
    admin = bearer(make_user_token(store, "adm", "admin"))
    r = await client.post(
        "/api/orgs",
        headers=admin,
        json={
            "slug": "tam-ky",
            "name": "Tam Ky",
            "country_iso2": "VN",
            "timezone": "Asia/Ho_Chi_Minh",
            "languages": ["vi", "en"],
        },
    )
    assert r.status_code == 201
    bad = await client.post(
        "/api/orgs", headers=admin, json={"slug": "x", "name": "X", "timezone": "Mars/Olympus"}
    )
    assert bad.status_code == 400 and bad.json()["field"] == "timezone"
    r = await client.post(
        "/api/users",
        headers=admin,
        json={
            "username": "op1",
            "password": "long-enough-pw1",
            "role": "operator",
            "org": "tam-ky",
        },
    )
    assert r.status_code == 201
    r = await client.post("/api/tokens", headers=admin, json={"name": "script"})
    secret = r.json()["token"]
    assert (await client.get("/api/me", headers=bearer(secret))).json()["name"] == "adm"
    assert (await client.delete(f"/api/tokens/{r.json()['id']}", headers=admin)).status_code == 200
    assert (await client.get("/api/me", headers=bearer(secret))).status_code == 401
    assert (await client.get("/api/users", headers=admin)).status_code == 200
    assert (await client.post("/api/orgs", json={"slug": "y", "name": "Y"})).status_code == 401

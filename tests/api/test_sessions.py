"""Sessions stored server-side, logout, lock-out per account and address, rate limits on
the resolved caller, X-Forwarded-For from configured proxies only, password policy and
password changes (issue 16 items 6 and 7)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from cityops.app import create_app
from cityops.auth.users import add_user
from cityops.errors import InvalidInput
from tests.helpers import bearer, make_org, make_user_token, password_of


@asynccontextmanager
async def _client(app: Any, address: str = "127.0.0.1") -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _login(c: httpx.AsyncClient, user: str, password: str) -> httpx.Response:
    return await c.post("/api/login", json={"username": user, "password": password})


async def test_logout_ends_the_session_server_side(client, store):
    make_user_token(store, "adm", "admin")
    r = await _login(client, "adm", password_of("adm"))
    assert r.status_code == 200
    stolen = client.cookies.get("cityops_session")
    assert stolen
    csrf = r.json()["csrf_token"]
    assert (await client.post("/api/logout", headers={"X-CSRF-Token": csrf})).status_code == 200
    client.cookies.clear()
    # the old cookie value, replayed after logout, no longer identifies anyone
    me = await client.get("/api/me", headers={"Cookie": f"cityops_session={stolen}"})
    assert me.json()["role"] == "public"


async def test_logout_needs_the_sessions_csrf_token(client, store):
    make_user_token(store, "adm", "admin")
    await _login(client, "adm", password_of("adm"))
    assert (await client.post("/api/logout")).status_code == 403
    assert (await client.get("/api/me")).json()["role"] == "admin"


async def test_cookie_carries_only_a_random_session_id(client, store):
    make_user_token(store, "adm", "admin")
    await _login(client, "adm", password_of("adm"))
    value = client.cookies.get("cityops_session") or ""
    assert "." not in value and len(value) >= 40  # no signed payload, just the id


async def test_lockout_from_one_address_does_not_lock_out_another(settings, store):
    make_user_token(store, "adm", "admin")
    app = create_app(settings, store, upgrade=False)
    async with _client(app, "203.0.113.66") as attacker:
        for _ in range(8):
            assert (await _login(attacker, "adm", "wrong-guess-123")).status_code == 401
        locked = await _login(attacker, "adm", password_of("adm"))
        unknown = await _login(attacker, "nobody-at-all", "wrong-guess-123")
    # the same answer for a locked account and for one that does not exist
    assert locked.status_code == unknown.status_code == 401
    assert locked.json()["detail"] == unknown.json()["detail"]
    async with _client(app, "198.51.100.7") as owner:
        assert (await _login(owner, "adm", password_of("adm"))).status_code == 200


async def test_account_wide_limit_spares_addresses_that_logged_in_before(settings, store):
    from cityops.auth import lockout

    make_user_token(store, "adm", "admin")
    app = create_app(settings, store, upgrade=False)
    async with _client(app, "198.51.100.7") as owner:
        assert (await _login(owner, "adm", password_of("adm"))).status_code == 200
    # a botnet: many addresses, a few guesses each, over the account-wide limit
    per_address = lockout.PAIR_MAX_FAILURES - 1
    for i in range(lockout.ACCOUNT_MAX_FAILURES // per_address + 1):
        async with _client(app, f"203.0.113.{i + 1}") as bot:
            for _ in range(per_address):
                await _login(bot, "adm", "wrong-guess-123")
    async with _client(app, "192.0.2.200") as fresh:
        assert (await _login(fresh, "adm", password_of("adm"))).status_code == 401
    async with _client(app, "198.51.100.7") as owner:
        assert (await _login(owner, "adm", password_of("adm"))).status_code == 200


async def test_junk_credentials_count_as_anonymous_for_the_rate_limit(settings, store):
    app = create_app(
        settings.model_copy(update={"anonymous_rate_per_min": 3}), store, upgrade=False
    )
    async with _client(app) as c:
        plain = [(await c.get("/v1.1/Things")).status_code for _ in range(4)]
    assert plain[-1] == 429
    for junk in ({"Cookie": "cityops_session=junk"}, {"Authorization": "Bearer junk"}):
        async with _client(app, "192.0.2.10" if "Cookie" in junk else "192.0.2.11") as c:
            codes = [(await c.get("/v1.1/Things", headers=junk)).status_code for _ in range(5)]
        assert codes[-1] == 429, (junk, codes)


async def test_signed_in_callers_are_not_limited_as_anonymous(settings, store):
    token = make_user_token(store, "adm", "admin")
    app = create_app(
        settings.model_copy(update={"anonymous_rate_per_min": 2}), store, upgrade=False
    )
    async with _client(app) as c:
        codes = [(await c.get("/v1.1/Things", headers=bearer(token))).status_code for _ in range(6)]
    assert codes == [200] * 6


def test_rate_limit_memory_is_bounded():
    from cityops.api.middleware import RateLimit

    async def app(scope: Any, receive: Any, send: Any) -> None:  # pragma: no cover
        pass

    limiter = RateLimit(app, anonymous_per_min=5, login_per_min=5, max_clients=100)
    for i in range(1000):
        limiter._allow("anon", f"10.0.{i // 256}.{i % 256}")
    assert len(limiter.buckets) <= 100
    # evicting the least recently used keeps a busy client's bucket
    for _ in range(5):
        limiter._allow("anon", "192.0.2.1")
        for i in range(50):
            limiter._allow("anon", f"10.9.0.{i}")
    assert not limiter._allow("anon", "192.0.2.1")


async def test_forwarded_for_is_ignored_unless_from_a_trusted_proxy(settings, store):
    strict = settings.model_copy(update={"login_rate_per_min": 2})
    app = create_app(strict, store, upgrade=False)
    async with _client(app, "192.0.2.50") as c:
        codes = [
            (
                await c.post(
                    "/api/login",
                    json={"username": "x", "password": "y"},
                    headers={"X-Forwarded-For": f"203.0.113.{i}"},
                )
            ).status_code
            for i in range(4)
        ]
    assert codes[-1] == 429
    behind = strict.model_copy(update={"trusted_proxies": "192.0.2.50"})
    app = create_app(behind, store, upgrade=False)
    async with _client(app, "192.0.2.50") as c:
        codes = [
            (
                await c.post(
                    "/api/login",
                    json={"username": "x", "password": "y"},
                    headers={"X-Forwarded-For": f"198.51.100.1, 203.0.113.{i}"},
                )
            ).status_code
            for i in range(4)
        ]
    assert codes == [401] * 4  # each request from its own (proxied) client address


@pytest.mark.parametrize(
    "password", ["short-pw", "password1234", "Password1234", "qwertyuiopas", "adm-adm-adm-adm"]
)
def test_password_policy_refuses_short_and_common_passwords(password):
    from cityops.auth.users import check_policy

    with pytest.raises(InvalidInput) as err:
        check_policy(password, "adm-adm-adm-adm")
    assert err.value.field == "password"


def test_policy_accepts_a_long_uncommon_password():
    from cityops.auth.users import check_policy

    check_policy("river-gauge-at-pakse-7", "adm")


async def test_api_refuses_a_weak_password_with_400(client, store):
    admin = bearer(make_user_token(store, "adm", "admin"))
    org = make_org(store, "hue")
    assert org
    r = await client.post(
        "/api/users",
        headers=admin,
        json={"username": "op1", "password": "password1234", "role": "operator", "org": "hue"},
    )
    assert r.status_code == 400 and r.json()["field"] == "password"
    with pytest.raises(InvalidInput):
        store.write_sync(lambda tx: add_user(tx.conn, "op2", "letmein", "admin"))


async def test_change_own_password_needs_the_old_one_and_ends_other_sessions(settings, store):
    make_user_token(store, "adm", "admin")
    app = create_app(settings, store, upgrade=False)
    async with _client(app) as other, _client(app) as c:
        await _login(other, "adm", password_of("adm"))
        csrf = (await _login(c, "adm", password_of("adm"))).json()["csrf_token"]
        h = {"X-CSRF-Token": csrf}
        bad = await c.post(
            "/api/account/password",
            headers=h,
            json={"old_password": "not-the-old-one", "new_password": "river-gauge-at-pakse-7"},
        )
        assert bad.status_code == 403 and bad.json()["field"] == "old_password"
        weak = await c.post(
            "/api/account/password",
            headers=h,
            json={"old_password": password_of("adm"), "new_password": "password1234"},
        )
        assert weak.status_code == 400 and weak.json()["field"] == "new_password"
        ok = await c.post(
            "/api/account/password",
            headers=h,
            json={"old_password": password_of("adm"), "new_password": "river-gauge-at-pakse-7"},
        )
        assert ok.status_code == 200
        assert (await c.get("/api/me")).json()["role"] == "admin"  # this session stays
        assert (await other.get("/api/me")).json()["role"] == "public"  # others end
        assert (await _login(c, "adm", password_of("adm"))).status_code == 401
        assert (await _login(c, "adm", "river-gauge-at-pakse-7")).status_code == 200


async def test_admin_resets_a_password_and_re_enables_a_user(client, store):
    admin = bearer(make_user_token(store, "adm", "admin"))
    make_user_token(store, "operator-a", "analyst", make_org(store, "hue"))
    assert (await client.post("/api/users/operator-a/disable", headers=admin)).status_code == 200
    assert (await _login(client, "operator-a", password_of("operator-a"))).status_code == 401
    r = await client.post("/api/users/operator-a/enable", headers=admin)
    assert r.status_code == 200
    r = await client.post(
        "/api/users/operator-a/password", headers=admin, json={"password": "river-gauge-at-hue-1"}
    )
    assert r.status_code == 200
    assert (await _login(client, "operator-a", password_of("operator-a"))).status_code == 401
    r = await _login(client, "operator-a", "river-gauge-at-hue-1")
    assert r.status_code == 200 and r.json()["must_change_password"] is True


async def test_first_admin_must_change_the_printed_password(client, store):
    from cityops.cli.serve import ensure_first_admin

    first = ensure_first_admin(store)
    assert first is not None
    user, password = first
    r = await _login(client, user, password)
    assert r.status_code == 200 and r.json()["must_change_password"] is True
    h = {"X-CSRF-Token": r.json()["csrf_token"]}
    blocked = await client.post("/v1.1/Things", headers=h, json={"name": "n", "description": "d"})
    assert blocked.status_code == 403 and "password" in blocked.json()["message"]
    page = await client.get("/ops")
    assert page.status_code == 303 and page.headers["location"].startswith("/account/password")
    r = await client.post(
        "/api/account/password",
        headers=h,
        json={"old_password": password, "new_password": "river-gauge-at-pakse-7"},
    )
    assert r.status_code == 200
    ok = await client.post("/v1.1/Things", headers=h, json={"name": "n", "description": "d"})
    assert ok.status_code == 201


async def test_password_page_changes_the_password(client, store):
    make_user_token(store, "adm", "admin")
    csrf = (await _login(client, "adm", password_of("adm"))).json()["csrf_token"]
    page = await client.get("/account/password")
    assert page.status_code == 200 and 'name="new_password"' in page.text
    r = await client.post(
        "/account/password",
        data={
            "csrf_token": csrf,
            "old_password": password_of("adm"),
            "new_password": "river-gauge-at-pakse-7",
            "confirm_password": "river-gauge-at-pakse-7",
        },
    )
    assert r.status_code == 303
    assert (await _login(client, "adm", "river-gauge-at-pakse-7")).status_code == 200


def test_token_cache_is_a_bounded_lru():
    from cityops.auth.principal import ANONYMOUS
    from cityops.auth.tokens import _Cache

    cache = _Cache(size=50)
    cache.put("busy", ANONYMOUS)
    for i in range(500):  # a flood of junk tokens
        cache.put(f"junk-{i}", None)
        cache.get("busy")
    assert len(cache._items) <= 50
    assert cache.get("busy") == (True, ANONYMOUS)


async def test_logout_form_ends_the_session_server_side(client, store):
    make_user_token(store, "adm", "admin")
    csrf = (await _login(client, "adm", password_of("adm"))).json()["csrf_token"]
    stolen = client.cookies.get("cityops_session")
    r = await client.post("/logout", data={"csrf_token": csrf})
    assert r.status_code == 303
    client.cookies.clear()
    me = await client.get("/api/me", headers={"Cookie": f"cityops_session={stolen}"})
    assert me.json()["role"] == "public"

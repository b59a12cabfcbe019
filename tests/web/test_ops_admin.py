"""/ops/admin in-process: a city admin adds, disables, re-enables people and resets their
passwords, issues (shown once) and revokes device tokens and reads the city's audit log,
all with the session's CSRF token and only in their own city; an admin adds cities."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from cityops.store.base import Store
from tests.helpers import bearer, make_user_token, password_of
from tests.web.conftest import login

NEW_PASSWORD = "river-bank-lantern-42"


@pytest.fixture
def city_admin(store: Store, city: dict[str, Any]) -> str:
    make_user_token(store, "chief-a", "city_admin", city["orgs"][0])
    return "chief-a"


async def _post(client: httpx.AsyncClient, path: str, csrf: str, **data: str) -> httpx.Response:
    return await client.post(path, data={"csrf_token": csrf, **data})


async def test_people_of_the_city(
    client: httpx.AsyncClient, city: dict[str, Any], city_admin: str
) -> None:
    csrf = await login(client, city_admin)
    page = await client.get("/ops/admin")
    assert page.status_code == 200 and 'data-user="operator-a"' in page.text
    assert 'data-user="operator-b"' not in page.text  # another city's operator
    r = await _post(
        client, "/ops/admin/users", "", username="x", password=NEW_PASSWORD, role="operator"
    )
    assert r.status_code == 403
    r = await _post(
        client,
        "/ops/admin/users",
        csrf,
        username="op-new",
        password="short",
        role="operator",
        org="pakse",
    )
    assert r.status_code == 400 and "password" in r.text
    r = await _post(
        client,
        "/ops/admin/users",
        csrf,
        username="op-new",
        password=NEW_PASSWORD,
        role="operator",
        org="pakse",
    )
    assert r.status_code == 303, r.text
    page = await client.get(r.headers["location"])
    assert "Person added" in page.text and "must change password" in page.text
    r = await _post(
        client,
        "/ops/admin/users",
        csrf,
        username="op-x",
        password=NEW_PASSWORD,
        role="operator",
        org="kratie",
    )
    assert r.status_code == 403  # not in another city
    r = await _post(client, "/ops/admin/users/operator-b/disable", csrf)
    assert r.status_code == 404
    assert (await client.get("/api/me", headers=bearer(city["tok"]["op_a"]))).status_code == 200
    r = await _post(client, "/ops/admin/users/operator-a/disable", csrf)
    assert r.status_code == 303
    assert (await client.get("/api/me", headers=bearer(city["tok"]["op_a"]))).status_code == 401
    r = await _post(client, "/ops/admin/users/operator-a/enable", csrf)
    assert r.status_code == 303
    assert (await client.get("/api/me", headers=bearer(city["tok"]["op_a"]))).status_code == 200
    r = await _post(client, "/ops/admin/users/operator-a/password", csrf, password=NEW_PASSWORD)
    assert r.status_code == 303
    log = (await client.get("/ops/admin")).text.split('id="audit"', 1)[1]
    for action in ("reset-password", "enable", "disable", "create"):
        assert f"<td>{action}</td>" in log


async def test_device_tokens_shown_once_and_revoked(
    client: httpx.AsyncClient, city: dict[str, Any], city_admin: str
) -> None:
    csrf = await login(client, city_admin)
    page = (await client.get("/ops/admin")).text
    device = re.search(r'<select id="token-device" name="device"><option value="(\d+)"', page)
    assert device, page
    r = await _post(client, "/ops/admin/tokens", csrf, device=device.group(1), name="gauge box")
    assert r.status_code == 201
    secret = r.text.split('id="new-token" readonly value="', 1)[1].split('"', 1)[0]
    assert (await client.get("/api/me", headers=bearer(secret))).status_code == 200
    again = (await client.get("/ops/admin")).text
    assert secret not in again and "gauge box" in again
    token_id = re.search(r'data-token="(\d+)"', again)
    assert token_id
    r = await _post(client, f"/ops/admin/tokens/{token_id.group(1)}/revoke", csrf)
    assert r.status_code == 303
    assert (await client.get("/api/me", headers=bearer(secret))).status_code == 401
    r = await _post(client, "/ops/admin/tokens", csrf, device="abc")
    assert r.status_code == 400 and "device" in r.text


async def test_only_admins_and_admin_adds_cities(
    client: httpx.AsyncClient, city: dict[str, Any]
) -> None:
    await login(client, "operator-a")
    assert (await client.get("/ops/admin")).status_code == 403
    assert "/ops/admin" not in (await client.get("/ops")).text
    client.cookies.clear()
    csrf = await login(client, "root")
    r = await _post(
        client,
        "/ops/admin/orgs",
        csrf,
        slug="tamky",
        name="Tam Kỳ",
        country_iso2="VN",
        timezone="Asia/Ho_Chi_Minh",
        languages="vi, en",
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/ops/admin?done=city&org=tamky"
    page = await client.get(r.headers["location"])
    assert "People and devices: Tam Kỳ" in page.text and "City added." in page.text
    assert password_of("root")  # the admin signs in with the helper's password


async def test_admin_page_in_thai(
    client: httpx.AsyncClient, city: dict[str, Any], city_admin: str
) -> None:
    csrf = await login(client, city_admin)
    await _post(client, "/account/language", csrf, language="th", next="/ops/admin")
    r = await _post(client, "/ops/admin/users/operator-a/disable", csrf)
    page = await client.get(r.headers["location"])
    assert "โทเคนอุปกรณ์" in page.text and "ปิดใช้งานบัญชีแล้ว" in page.text

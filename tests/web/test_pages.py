"""Page routes in-process: login with CSRF, /ops for signed-in users only, station states
by city, the public page's language, and assets served from node_modules only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from cityops.store.base import Store
from cityops.web.i18n import negotiate
from cityops.web.stations import classify, worst
from tests.alerting.support import ingest_at
from tests.helpers import bearer, password_of
from tests.web.conftest import login


def test_classify_and_worst() -> None:
    levels = {"warning": 11.0, "danger": 12.0}
    assert [classify(v, levels) for v in (None, 10.9, 11.0, 11.9, 12.0)] == [
        "nodata",
        "normal",
        "warning",
        "warning",
        "danger",
    ]
    assert worst(["nodata", "normal"]) == "normal" and worst([]) == "nodata"
    assert worst(["warning", "danger", "normal"]) == "danger"


def test_negotiate_language() -> None:
    assert negotiate(None, "vi-VN,vi;q=0.9,en;q=0.5") == "vi"
    assert negotiate(None, "fr-FR, th;q=0.4, en;q=0.8") == "en"
    assert negotiate("th", "vi") == "th"
    assert negotiate("xx", None) == "en"


async def test_login_needs_the_form_csrf_token(
    client: httpx.AsyncClient, city: dict[str, Any]
) -> None:
    await client.get("/login")
    r = await client.post(
        "/login",
        data={"username": "operator-a", "password": password_of("operator-a"), "csrf_token": "x"},
    )
    assert r.status_code == 403 and "cityops_session" not in r.headers.get("set-cookie", "")
    assert (await client.get("/ops")).status_code == 303
    await login(client, "operator-a")
    page = await client.get("/ops")
    assert page.status_code == 200 and "Pakse" in page.text
    assert 'src="/static/js/dashboard.js"' in page.text and "<script>" not in page.text


async def test_wrong_password_and_open_redirect(
    client: httpx.AsyncClient, city: dict[str, Any]
) -> None:
    page = await client.get("/login?next=//evil.example/")
    assert 'name="next" value="/ops"' in page.text
    token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    r = await client.post(
        "/login", data={"username": "operator-a", "password": "nope", "csrf_token": token}
    )
    assert r.status_code == 401 and 'role="alert"' in r.text


async def test_station_state_follows_latest_value(
    client: httpx.AsyncClient, store: Store, city: dict[str, Any]
) -> None:
    op = bearer(city["tok"]["op_a"])
    doc = (await client.get("/api/web/stations", headers=op)).json()
    assert doc["org"]["slug"] == "pakse" and doc["stations"][0]["state"] == "nodata"
    now = datetime.now(UTC)
    ingest_at(store, city["ds"], [(now - timedelta(minutes=10), 10.0)])
    [st] = (await client.get("/api/web/stations", headers=op)).json()["stations"]
    assert st["state"] == "normal" and st["datastreams"][0]["levels"] == {
        "warning": 11.0,
        "danger": 12.0,
    }
    ingest_at(store, city["ds"], [(now, 12.5)])
    [st] = (await client.get("/api/web/stations", headers=op)).json()["stations"]
    assert st["state"] == "danger" and (st["lat"], st["lon"]) == (15.1, 105.8)


async def test_cities_by_role(client: httpx.AsyncClient, city: dict[str, Any]) -> None:
    other = bearer(city["tok"]["op_b"])
    doc = (await client.get("/api/web/stations?org=pakse", headers=other)).json()
    assert doc["org"]["slug"] == "kratie" and doc["stations"] == []  # own city only
    admin = bearer(city["tok"]["admin"])
    doc = (await client.get("/api/web/stations?org=pakse", headers=admin)).json()
    assert doc["org"]["slug"] == "pakse" and len(doc["stations"]) == 1
    net = (await client.get("/api/web/network", headers=other)).json()["value"]
    assert {c["slug"]: c["open_incidents"] for c in net} == {"kratie": 0, "pakse": None}
    assert (await client.get("/api/web/stations")).status_code == 401
    r = await client.get(f"/ops/stations/{city['ds']}", headers=other)
    assert r.status_code == 404


async def test_ops_pages_render(client: httpx.AsyncClient, city: dict[str, Any]) -> None:
    admin = bearer(city["tok"]["admin"])
    for path in ("/ops?org=pakse", "/ops/alerts", "/ops/data?org=pakse", "/ops/network"):
        r = await client.get(path, headers=admin)
        assert r.status_code == 200, path
    assert 'value="kratie"' in (await client.get("/ops", headers=admin)).text  # city switch
    data = (await client.get("/ops/data?org=pakse", headers=admin)).text
    assert "no data" in data and "level" in data


async def test_public_page_language(client: httpx.AsyncClient) -> None:
    r = await client.get("/public", headers={"Accept-Language": "vi-VN,vi;q=0.9"})
    assert r.status_code == 200 and '<html lang="vi">' in r.text
    assert "Cảnh báo hiện hành" in r.text and r.headers["content-language"] == "vi"
    r = await client.get("/public?lang=en", headers={"Accept-Language": "vi"})
    assert "Current warnings" in r.text and 'href="/alerts.atom"' in r.text
    assert (await client.get("/")).headers["location"] == "/public"
    doc = (await client.get("/api/public/warnings?lang=th")).json()
    assert doc == {"lang": "th", "region": None, "value": [], "all_clear": []}


async def test_assets_only_from_allowed_packages(client: httpx.AsyncClient) -> None:
    r = await client.get("/assets/leaflet/dist/leaflet-src.esm.js")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/assets/world-atlas/countries-110m.json")).status_code == 200
    for bad in (
        "/assets/leaflet/../../package.json",
        "/assets/commander/package.json",
        "/static/../web/__init__.py",
        "/assets/leaflet/%2e%2e/%2e%2e/package.json",
    ):
        assert (await client.get(bad)).status_code == 404, bad
    r = await client.get("/static/js/api.js")
    assert r.status_code == 200 and "script-src" not in r.headers["content-security-policy"]
    assert "default-src 'self'" in r.headers["content-security-policy"]


async def test_api_docs_served_locally(client: httpx.AsyncClient) -> None:
    """/docs loads Swagger UI from our own /assets (FastAPI's default page uses a CDN that
    the Content-Security-Policy blocks, so it rendered blank)."""
    page = await client.get("/docs")
    assert page.status_code == 200
    assert "/assets/swagger-ui-dist/swagger-ui-bundle.js" in page.text
    assert "cdn" not in page.text.lower()
    bundle = await client.get("/assets/swagger-ui-dist/swagger-ui-bundle.js")
    assert bundle.status_code == 200
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert (await client.get("/openapi.json")).json()["info"]["title"] == "CityOps"
    icon = await client.get("/favicon.ico", follow_redirects=True)
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/svg+xml"


async def test_values_shown_at_their_precision_with_zoned_times(
    client: httpx.AsyncClient, store: Store, city: dict[str, Any]
) -> None:
    """The data and station pages show a stored 10.123456 m as "10.12 m" (not the stored
    float) and the time as a <time> the page formats in the city's zone."""
    admin = bearer(city["tok"]["admin"])
    ingest_at(store, city["ds"], [(datetime.now(UTC) - timedelta(minutes=5), 10.123456)])
    data = (await client.get("/ops/data?org=pakse", headers=admin)).text
    assert 'data-decimals="2">10.12</span> m' in data and "10.123456" not in data
    assert "<time datetime=" in data and 'data-tz="Asia/Vientiane"' in data
    doc = (await client.get("/api/web/stations?org=pakse", headers=admin)).json()
    [ds] = doc["stations"][0]["datastreams"]
    assert (ds["display"], ds["unit"], ds["decimals"]) == ("10.12", "m", 2)

"""/api/programmes on SQLite and PostgreSQL: import, hostile files, export, views, links,
delivery and access."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cityops.programmes.iati_schema import iati_schema
from cityops.safexml import parse_untrusted
from cityops.store import schema as s
from cityops.store.base import Store
from tests.api.sta_fixtures import admin_headers, make_world
from tests.helpers import bearer, make_org, make_user_token

DATA = Path(__file__).parents[1] / "programmes" / "data"
API = "/api/programmes"
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE iati-activities [
  <!ENTITY xxe SYSTEM "file:///etc/passwd">
]>
<iati-activities version="2.03">&xxe;</iati-activities>
"""
LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<iati-activities version="2.03">&lol3;</iati-activities>
"""
MALFORMED = b"""<?xml version="1.0"?>
<iati-activities version="2.03">
  <iati-activity>
</iati-activities>
"""


def _file(data: bytes, name: str = "activities.xml") -> dict[str, Any]:
    return {"file": (name, data, "application/xml")}


async def _import(
    client: httpx.AsyncClient, headers: dict[str, str], data: bytes | None = None
) -> httpx.Response:
    body = data if data is not None else (DATA / "activities.xml").read_bytes()
    return await client.post(f"{API}/import", files=_file(body), headers=headers)


async def test_import_list_and_reimport(client: httpx.AsyncClient, store: Store) -> None:
    admin = admin_headers(store)
    r = await _import(client, admin)
    assert r.status_code == 200, r.text
    assert len(r.json()["added"]) == 3
    changed = (DATA / "activities.xml").read_bytes().replace(b">400000</value>", b">450000</value>")
    r = await _import(client, admin, changed)
    assert r.json()["updated"] == ["XX-TEST-FUNDER-A-001"] and r.json()["added"] == []
    listed = (await client.get(f"{API}/projects")).json()["value"]  # public
    assert len(listed) == 3
    river = (await client.get(f"{API}/projects", params={"city": "River City"})).json()["value"]
    assert {p["iati_identifier"] for p in river} == {"XX-TEST-FUNDER-A-001", "XX-TEST-FUNDER-B-7"}


@pytest.mark.parametrize(
    ("data", "line", "reason"),
    [
        (MALFORMED, 4, "mismatched tag"),
        (XXE, 3, "external entity"),
        (LAUGHS, 3, "entity"),
    ],
)
async def test_bad_files_are_refused_with_line_and_reason(
    client: httpx.AsyncClient, store: Store, data: bytes, line: int, reason: str
) -> None:
    r = await _import(client, admin_headers(store), data)
    assert r.status_code == 400, r.text
    detail = r.json()["detail"]
    assert f"line {line}" in detail and reason in detail
    assert (await client.get(f"{API}/projects")).json()["value"] == []


async def test_import_needs_a_login(client: httpx.AsyncClient) -> None:
    r = await _import(client, {})
    assert r.status_code == 401


async def test_export_xml_validates_and_csv(client: httpx.AsyncClient, store: Store) -> None:
    await _import(client, admin_headers(store))
    r = await client.get(f"{API}/export.xml", params={"city": "River City"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/xml")
    root = parse_untrusted(r.content)
    assert iati_schema().validate(root) and len(root.findall("iati-activity")) == 2
    r = await client.get(f"{API}/export.csv")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert len(r.text.strip().splitlines()) == 4


async def test_views_and_coordination(client: httpx.AsyncClient, store: Store) -> None:
    admin = admin_headers(store)
    await _import(client, admin)
    r = await client.post(
        f"{API}/rates",
        headers=admin,
        files={"file": ("rates.csv", (DATA / "rates.csv").read_bytes(), "text/csv")},
    )
    assert r.status_code == 200 and r.json()["rows"] == 5
    r = await client.get(f"{API}/totals", params={"by": "city", "currency": "USD"})
    assert r.status_code == 200, r.text
    assert r.json()["rates_used"] and {row["key"] for row in r.json()["rows"]} >= {"River City"}
    overlaps = (await client.get(f"{API}/coordination")).json()["overlaps"]
    assert any(o["city"] == "River City" and o["sector"] == "74020" for o in overlaps)
    assert (await client.get(f"{API}/timeline")).json()["events"]
    features = (await client.get(f"{API}/map")).json()["features"]
    assert any(f["properties"]["kind"] == "site" for f in features)


async def test_link_delivery_and_audit(client: httpx.AsyncClient, store: Store) -> None:
    admin = admin_headers(store)
    ids = (await _import(client, admin)).json()["ids"]
    world = await make_world(client, admin)
    obs = {
        "phenomenonTime": "2025-08-01T00:00:00Z",
        "result": 3.2,
        "Datastream": {"@iot.id": world["datastream"]},
    }
    assert (await client.post("/v1.1/Observations", json=obs, headers=admin)).status_code == 201
    url = f"{API}/projects/{ids[0]}/things/{world['thing']}"
    assert (await client.put(url)).status_code == 401
    r = await client.put(url, headers=admin)
    assert r.status_code == 200 and r.json()["created"] is True
    r = await client.get(
        f"{API}/projects/{ids[0]}",
        params={"start": "2025-08-01T00:00:00Z", "end": "2025-08-02T00:00:00Z"},
    )
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["things"] == [world["thing"]]
    assert (doc["delivery"]["stations"], doc["delivery"]["observations"]) == (1, 1)
    features = (await client.get(f"{API}/map")).json()["features"]
    assert any(f["properties"].get("thing_id") == world["thing"] for f in features)
    assert (await client.delete(url, headers=admin)).status_code == 204
    assert (await client.delete(url, headers=admin)).status_code == 404
    with store.read() as conn:
        actions = [
            r.action
            for r in conn.execute(
                select(s.audit_log.c.action).where(s.audit_log.c.entity == "Project")
            )
        ]
    assert actions.count("link") == 1 and actions.count("unlink") == 1


async def test_city_admin_only_in_its_city(client: httpx.AsyncClient, store: Store) -> None:
    ids = (await _import(client, admin_headers(store))).json()["ids"]
    hill = make_org(store, "hill-town")
    river = make_org(store, "river-city")
    outsider = bearer(make_user_token(store, "hill", "city_admin", hill))
    insider = bearer(make_user_token(store, "river", "city_admin", river))
    r = await client.delete(f"{API}/projects/{ids[0]}", headers=outsider)
    assert r.status_code == 403
    r = await client.delete(f"{API}/projects/{ids[0]}", headers=insider)
    assert r.status_code == 204
    r = await client.post(
        f"{API}/rates",
        headers=insider,
        files={"file": ("r.csv", b"date,currency,rate\n", "text/csv")},
    )
    assert r.status_code == 403


async def test_unknown_project_is_404(client: httpx.AsyncClient) -> None:
    assert (await client.get(f"{API}/projects/999")).status_code == 404


async def test_dashboard_page(client: httpx.AsyncClient, store: Store) -> None:
    admin = admin_headers(store)
    await _import(client, admin)
    r = await client.get("/ops/programmes", params={"by": "funder"}, headers=admin)
    assert r.status_code == 200 and "Example Funder B" in r.text
    assert "1 KRW = " in r.text and "(ECB)" in r.text  # KRW in USD through the ECB rates
    assert "River City" in r.text and "<script>" not in r.text
    r = await client.get("/ops/programmes")
    assert r.status_code == 303 and r.headers["location"].startswith("/login")

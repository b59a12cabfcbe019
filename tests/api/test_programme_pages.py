"""The cooperation register as a coordinator uses it: demo export, pages (not JSON), nav,
sector names, city filter, rates with their dates, downloads."""

from __future__ import annotations

import io
import re

import httpx
from openpyxl import load_workbook
from sqlalchemy import update

from cityops.demo.world import ensure_world
from cityops.programmes.iati_schema import iati_schema
from cityops.programmes.seed import seed_programmes
from cityops.safexml import parse_untrusted
from cityops.store import schema as s
from cityops.store.base import Store
from tests.api.sta_fixtures import admin_headers
from tests.helpers import bearer, make_org, make_user_token

API = "/api/programmes"


def _seed(store: Store) -> dict[str, str]:
    ensure_world(store)
    seed_programmes(store)
    return admin_headers(store)


async def test_demo_register_exports_valid_iati(client: httpx.AsyncClient, store: Store) -> None:
    _seed(store)
    r = await client.get(f"{API}/export.xml")
    assert r.status_code == 200, r.text
    root = parse_untrusted(r.content)
    assert iati_schema().validate(root) and len(root.findall("iati-activity")) == 7


async def test_register_is_in_the_navigation(client: httpx.AsyncClient, store: Store) -> None:
    admin = _seed(store)
    r = await client.get("/ops/network", headers=admin)
    assert 'href="/ops/programmes' in r.text


async def test_register_page_reads_as_a_page(client: httpx.AsyncClient, store: Store) -> None:
    admin = _seed(store)
    r = await client.get("/ops/programmes", params={"by": "sector"}, headers=admin)
    assert r.status_code == 200
    assert "Urban development and management" in r.text  # DAC code 43030 by its name
    assert "/api/programmes/projects/" not in r.text  # project links open pages
    assert re.search(r'href="/ops/programmes/\d+', r.text)
    assert "Connecting to live updates" not in r.text  # this page is not live
    for fmt in ("xml", "csv", "xlsx"):
        assert f"/api/programmes/export.{fmt}" in r.text
    # committed and disbursed are not zero on the demo
    assert "30,500,000" in r.text or "30,500,000" in r.text.replace("\u202f", ",")


async def test_totals_in_euro_show_the_ecb_rate_and_date(
    client: httpx.AsyncClient, store: Store
) -> None:
    admin = _seed(store)
    r = await client.get("/ops/programmes", params={"currency": "EUR"}, headers=admin)
    assert r.status_code == 200
    assert "rates load" not in r.text
    assert re.search(r"1 USD = [0-9.]+ EUR on 20\d\d-\d\d-\d\d \(ECB\)", r.text)


async def test_city_switcher_filters_the_register(client: httpx.AsyncClient, store: Store) -> None:
    admin = _seed(store)
    r = await client.get("/ops/programmes", params={"org": "tam-ky"}, headers=admin)
    assert "Tam Ky smart-city data platform" in r.text
    assert "U.S.–ASEAN Climate Futures" not in r.text
    r = await client.get("/ops/programmes", params={"city": "Vientiane"}, headers=admin)
    assert "U.S.–ASEAN Climate Futures" in r.text
    assert "Tam Ky smart-city data platform" not in r.text


async def test_project_page(client: httpx.AsyncClient, store: Store) -> None:
    admin = _seed(store)
    doc = (await client.get(f"{API}/projects", params={"city": "Tam Ky"})).json()
    project_id = doc["value"][0]["id"]
    r = await client.get(f"/ops/programmes/{project_id}", headers=admin)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    text = r.text
    assert "Korea International Cooperation Agency (KOICA)" in text
    assert "Information and communication technology (ICT)" in text
    assert "4,500,000" in text  # disbursed in 2021
    assert "Stations" in text and "Completeness" in text
    assert (await client.get("/ops/programmes/999999", headers=admin)).status_code == 404


async def test_xlsx_download(client: httpx.AsyncClient, store: Store) -> None:
    _seed(store)
    r = await client.get(f"{API}/export.xlsx")
    assert r.status_code == 200
    sheet = load_workbook(io.BytesIO(r.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 8 and "iati_identifier" in rows[0]


async def test_officer_edits_through_the_api(client: httpx.AsyncClient, store: Store) -> None:
    _seed(store)
    org = make_org(store, "koica", kind="partner")
    store.write_sync(
        lambda tx: tx.conn.execute(
            update(s.organisations)
            .where(s.organisations.c.id == org)
            .values(name="Korea International Cooperation Agency (KOICA)")
        )
    )
    officer = bearer(make_user_token(store, "ko", "prog_officer", org))
    listed = (await client.get(f"{API}/projects")).json()["value"]
    ids = {p["iati_identifier"].rsplit("-", 1)[-1]: p["id"] for p in listed}
    doc = (await client.get(f"{API}/projects/{ids['TAMKY']}")).json()["project"]
    doc["description"] = "Platform handed over to the city in 2022."
    r = await client.put(f"{API}/projects/{ids['TAMKY']}", json=doc, headers=officer)
    assert r.status_code == 200, r.text
    assert (await client.get(f"{API}/projects/{ids['TAMKY']}")).json()["project"][
        "description"
    ] == "Platform handed over to the city in 2022."
    other = (await client.get(f"{API}/projects/{ids['USASCP']}")).json()["project"]
    r = await client.put(f"{API}/projects/{ids['USASCP']}", json=other, headers=officer)
    assert r.status_code == 403
    doc["sectors"] = [{"code": "12", "vocabulary": "1", "percentage": None}]
    r = await client.put(f"{API}/projects/{ids['TAMKY']}", json=doc, headers=officer)
    assert r.status_code == 400 and "code" in r.text


async def test_period_filters_projects_and_years(client: httpx.AsyncClient, store: Store) -> None:
    admin = _seed(store)
    r = await client.get("/ops/programmes", params={"from": "2023", "to": "2024"}, headers=admin)
    assert r.status_code == 200
    assert "Tam Ky smart-city data platform" not in r.text  # 2020-2022
    assert "U.S.–ASEAN Climate Futures" in r.text
    assert '<th scope="row">2023</th>' in r.text and '<th scope="row">2022</th>' not in r.text
    bad = await client.get("/ops/programmes", params={"from": "20x3"}, headers=admin)
    assert bad.status_code == 200 and "from must be a year" in bad.text

"""/ops/datasets in-process: a city admin publishes a layer from the browser form with its
metadata; a broken file comes back as the page naming the offending feature, with the
fields as typed and nothing stored; operators may not publish."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from sqlalchemy import select

from cityops.store import schema as s
from cityops.store.base import Store
from tests.datasets.files import geojson, ward_features
from tests.helpers import make_user_token
from tests.web.conftest import login

META = {
    "slug": "wards",
    "title": "Wards of Pakse",
    "description": "Two wards",
    "publisher": "Pakse city",
    "licence": "CC BY 4.0",
    "source": "city survey 2024",
    "keywords": "wards, census",
    "temporal_start": "2019-04-01",
    "temporal_end": "",
    "update_frequency": "yearly",
    "visibility": "restricted",
}


@pytest.fixture
def city_admin(store: Store, city: dict[str, Any]) -> str:
    make_user_token(store, "chief-a", "city_admin", city["orgs"][0])
    return "chief-a"


def _file(features: list[dict[str, Any]]) -> dict[str, Any]:
    return {"file": ("wards.geojson", geojson(features), "application/geo+json")}


def _datasets(store: Store) -> list[Any]:
    with store.read() as conn:
        return list(conn.execute(select(s.datasets)))


async def test_publish_from_the_page(
    client: httpx.AsyncClient, store: Store, city: dict[str, Any], city_admin: str
) -> None:
    csrf = await login(client, city_admin)
    page = await client.get("/ops/datasets")
    assert page.status_code == 200 and 'id="publish"' in page.text
    r = await client.post(
        "/ops/datasets", data={**META, "csrf_token": csrf}, files=_file(ward_features())
    )
    assert r.status_code == 303 and r.headers["location"].startswith("/ops/datasets?done=")
    page = await client.get(r.headers["location"])
    assert 'data-dataset="wards"' in page.text and "Dataset published" in page.text
    [row] = _datasets(store)
    assert (row.title, row.licence, row.source, row.keywords) == (
        "Wards of Pakse",
        "CC BY 4.0",
        "city survey 2024",
        ["wards", "census"],
    )
    assert row.visibility == "restricted" and row.org_id == city["orgs"][0]
    assert row.temporal_start.date().isoformat() == "2019-04-01" and row.feature_count == 2


async def test_a_broken_feature_is_named_and_nothing_is_stored(
    client: httpx.AsyncClient, store: Store, city: dict[str, Any], city_admin: str
) -> None:
    csrf = await login(client, city_admin)
    features = ward_features()
    features[1]["geometry"] = {"type": "Polygon", "coordinates": [[[108.4, 15.5], [108.5, 15.5]]]}
    r = await client.post("/ops/datasets", data={**META, "csrf_token": csrf}, files=_file(features))
    assert r.status_code == 400
    assert "Nothing was imported." in r.text and "w2" in r.text  # the feature at fault
    assert 'value="Wards of Pakse"' in r.text  # the form keeps what was typed
    assert _datasets(store) == []
    r = await client.post(
        "/ops/datasets",
        data={**META, "temporal_start": "April 2019", "csrf_token": csrf},
        files=_file(ward_features()),
    )
    assert r.status_code == 400 and "temporal_start" in r.text
    assert _datasets(store) == []


async def test_only_admins_publish_and_csrf_is_checked(
    client: httpx.AsyncClient, store: Store, city: dict[str, Any], city_admin: str
) -> None:
    csrf = await login(client, city_admin)
    r = await client.post("/ops/datasets", data={**META, "csrf_token": "x"}, files=_file([]))
    assert r.status_code == 403 and _datasets(store) == []
    await client.post("/logout", data={"csrf_token": csrf})
    client.cookies.clear()
    await login(client, "operator-a")
    assert (await client.get("/ops/datasets")).status_code == 403
    r = await client.post("/ops/datasets", data=META, files=_file(ward_features()))
    assert r.status_code == 403 and _datasets(store) == []

"""POST /api/datasets: a city admin publishes for its own city; others may not; a broken
file is a 400 naming the feature and stores nothing."""

from __future__ import annotations

import httpx

from cityops.store.base import Store
from tests.datasets.files import geojson, ward_features
from tests.helpers import bearer, make_org, make_user_token


def _form(slug: str, org: str = "tamky") -> dict[str, str]:
    return {"org": org, "slug": slug, "title": "Wards", "keywords": "wards, admin"}


async def test_city_admin_uploads_for_its_city(client: httpx.AsyncClient, store: Store) -> None:
    tamky = make_org(store, "tamky")
    pakse = make_org(store, "pakse")
    admin = make_user_token(store, "tk-admin", "city_admin", tamky)
    other = make_user_token(store, "pk-admin", "city_admin", pakse)
    files = {"file": ("wards.geojson", geojson(ward_features()), "application/geo+json")}
    r = await client.post("/api/datasets", data=_form("w"), files=files, headers=bearer(other))
    assert r.status_code == 403
    r = await client.post("/api/datasets", data=_form("w"), files=files, headers=bearer(admin))
    assert r.status_code == 201, r.text
    col = (await client.get("/ogc/collections/w")).json()
    assert col["keywords"] == ["wards", "admin"]
    assert (await client.get("/ogc/collections/w/items")).json()["numberMatched"] == 2


async def test_broken_upload_names_the_feature(client: httpx.AsyncClient, store: Store) -> None:
    tamky = make_org(store, "tamky")
    admin = make_user_token(store, "tk-admin", "city_admin", tamky)
    feats = ward_features()
    feats[1]["geometry"] = {"type": "Point", "coordinates": [500000, 1700000]}
    files = {"file": ("wards.geojson", geojson(feats), "application/geo+json")}
    r = await client.post("/api/datasets", data=_form("w"), files=files, headers=bearer(admin))
    assert r.status_code == 400 and "feature 2 (id 'w2')" in r.text
    assert (await client.get("/ogc/collections/w")).status_code == 404
    files = {"file": ("wards.txt", b"x", "text/plain")}
    r = await client.post("/api/datasets", data=_form("w"), files=files, headers=bearer(admin))
    assert r.status_code == 400 and "unknown file type" in r.text

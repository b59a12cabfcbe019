"""The demo's data hub: Tam Kỳ's wards with the 2019 census, the 13 earlier units,
Champasak's districts and synthetic facilities, each with its source and licence on its
dataset page, and the exposure of a warning over one of Tam Kỳ's wards."""

from __future__ import annotations

from typing import Any

import httpx
import shapely
from sqlalchemy import select

from cityops.demo.datasets import ensure_datasets
from cityops.exposure.compute import exposure
from cityops.exposure.layers import load_layers
from cityops.store import schema as s
from cityops.store.base import Store
from tests.helpers import make_org

CENSUS_2019_TAM_KY = 122_374  # the census total of the 13 units (shared/data/README.md)


def _hub(store: Store) -> dict[str, int]:
    orgs = {slug: make_org(store, slug) for slug in ("tam-ky", "mekong")}
    assert ensure_datasets(store) == [
        "tamky-wards-2025",
        "tamky-units-2009",
        "champasak-districts",
        "tamky-facilities-synthetic",
    ]
    assert ensure_datasets(store) == []  # a restarted demo publishes nothing twice
    return orgs


def _features(store: Store, slug: str) -> list[dict[str, Any]]:
    d, f = s.datasets, s.dataset_features
    with store.read() as conn:
        rows = conn.execute(
            select(f.c.properties).join(d, d.c.id == f.c.dataset_id).where(d.c.slug == slug)
        )
        return [dict(r.properties) for r in rows]


def test_census_figures_and_synthetic_marks(store: Store) -> None:
    _hub(store)
    wards, units = _features(store, "tamky-wards-2025"), _features(store, "tamky-units-2009")
    assert len(wards) == 4 and len(units) == 13
    assert sum(w["population"] for w in wards) == CENSUS_2019_TAM_KY
    assert sum(u["population"] for u in units) == CENSUS_2019_TAM_KY
    assert sum(w["households"] for w in wards) == sum(u["households"] for u in units)
    tam_ky = next(w for w in wards if w["name"] == "Phường Tam Kỳ")
    assert tam_ky["population"] == 36_856  # An Mỹ, Trường Xuân, An Xuân, Phước Hòa
    assert len(_features(store, "champasak-districts")) == 10
    facilities = _features(store, "tamky-facilities-synthetic")
    assert len(facilities) == 13 * 2 + 4
    assert all(f["synthetic"] is True and "(synthetic)" in f["name"] for f in facilities)


def test_exposure_of_a_ward_warning(store: Store) -> None:
    orgs = _hub(store)
    d, f = s.datasets, s.dataset_features
    with store.read() as conn:
        layers = load_layers(conn, orgs["tam-ky"])
        mekong = load_layers(conn, orgs["mekong"])
        rows = conn.execute(
            select(f.c.properties, f.c.geom)
            .join(d, d.c.id == f.c.dataset_id)
            .where(d.c.slug == "tamky-wards-2025")
        )
        area = next(r.geom for r in rows if r.properties["name"] == "Phường Tam Kỳ")
    assert layers is not None and mekong is not None
    doc = exposure(layers, shapely.from_wkt(area))
    # the whole ward, and only it (slivers where the thinned neighbours overlap are left out)
    assert [w["name"] for w in doc["wards"]] == ["Phường Tam Kỳ"]
    assert doc["population"] == 36_856 and doc["synthetic_facilities"] is True
    assert len(doc["facilities"]["shelter"]) == 4  # one per unit merged into the ward
    pakse = exposure(mekong, shapely.Point(105.8132, 15.0998).buffer(0.1))
    assert "Pakse" in [w["name"] for w in pakse["wards"]]
    assert pakse["population"] is None  # no district population in the layer: not zero
    assert pakse["sentence"].endswith("wards (no population figures); no shelter inside")


async def test_dataset_page_names_source_and_licence(
    client: httpx.AsyncClient, store: Store
) -> None:
    _hub(store)
    r = await client.get("/ogc/collections/champasak-districts?f=html")
    assert r.status_code == 200
    assert "<dt>Source</dt><dd>geoBoundaries (2019)" in r.text
    assert "<dt>Licence</dt><dd>CC BY 3.0 IGO</dd>" in r.text
    r = await client.get("/ogc/collections/tamky-facilities-synthetic?f=html")
    assert "SYNTHETIC demo data" in r.text
    r = await client.get("/ogc/collections/tamky-facilities-synthetic/items?f=html&limit=1")
    assert "(synthetic)" in r.text and "<th>synthetic</th>" in r.text

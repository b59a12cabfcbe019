"""The ``exposure`` object on an alert and its incident, through the real path (ingest ->
engine -> draft alert over an alert area), from the city's ward and facility datasets."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx

from cityops.alerting.alert_areas import import_areas
from cityops.auth.principal import SYSTEM
from cityops.datasets.catalogue import Metadata
from cityops.datasets.service import import_file
from cityops.store.base import Store
from tests.alerting.cap_support import add_rule, alerts, make_world, observe
from tests.datasets.files import geojson
from tests.helpers import bearer

# the alert area: lon 105.80..105.90, lat 21.00..21.10
RING = [[105.8, 21.0], [105.9, 21.0], [105.9, 21.1], [105.8, 21.1], [105.8, 21.0]]


def _poly(x0: float, x1: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [[[x0, 21.0], [x1, 21.0], [x1, 21.1], [x0, 21.1], [x0, 21.0]]],
    }


def _layers(store: Store, tmp_path: Path) -> None:
    wards = [  # W1 half inside (105.75..105.85), W2 inside, W3 outside
        ("W1", _poly(105.75, 105.85), 1000, 300),
        ("W2", _poly(105.85, 105.90), 3000, 800),
        ("W3", _poly(105.95, 106.05), 9000, 2000),
    ]
    feats = [
        {
            "type": "Feature",
            "properties": {"name": n, "population": p, "households": h},
            "geometry": g,
        }
        for n, g, p, h in wards
    ]
    (tmp_path / "wards.geojson").write_bytes(geojson(feats))
    (tmp_path / "facilities.csv").write_text(
        "name,kind,capacity,synthetic,lon,lat\n"
        "Hall,shelter,400,true,105.86,21.05\n"
        "Clinic,hospital,,true,105.87,21.05\n"
        "Far hall,shelter,900,true,106.0,21.05\n"
    )
    for name, slug, kw in (
        ("wards.geojson", "wards", "wards"),
        ("facilities.csv", "fac", "facilities"),
    ):
        meta = Metadata(slug=slug, title=slug, keywords=[kw], visibility="restricted")
        import_file(store, SYSTEM, tmp_path / name, meta, "hanoi")


async def test_alert_and_incident_carry_their_exposure(
    client: httpx.AsyncClient, app: Any, store: Store, tmp_path: Path
) -> None:
    world = make_world(store)
    _layers(store, tmp_path)
    area = {
        "type": "Feature",
        "properties": {"name": "riverside", "description": "Riverside"},
        "geometry": {"type": "Polygon", "coordinates": [RING]},
    }
    doc = json.dumps({"type": "FeatureCollection", "features": [area]})
    store.write_sync(lambda tx: import_areas(tx, "hanoi", doc, SYSTEM))
    await add_rule(client, world, alert={"area": "riverside"})
    await observe(app, store, world, 12.4)
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    r = await client.get(f"/api/alerts/{draft['id']}", headers=bearer(world["tok"]["operator"]))
    exp = r.json()["exposure"]
    assert exp["population"] == 3500 and exp["households"] == 950  # 1000/2 + 3000
    assert [w["name"] for w in exp["wards"]] == ["W1", "W2"]
    assert [f["name"] for f in exp["facilities"]["shelter"]] == ["Hall"]
    assert exp["nearest_shelters_outside"][0]["name"] == "Far hall"
    assert (
        exp["sentence"]
        == "about 3,500 residents in 2 wards; 1 shelter with room for 400; 1 hospital"
    )
    assert exp["synthetic_facilities"] is True
    # the composer's suggestion in each language of the alert's texts (Hanoi: vi, en)
    vi = next(lang for lang in exp["sentences"] if lang.startswith("vi"))
    assert exp["sentences"][vi] == (
        "khoảng 3.500 cư dân tại 2 phường; 1 điểm sơ tán có sức chứa 400 người; 1 bệnh viện"
    )
    assert set(exp["sentences"]) == {i["language"] for i in r.json()["infos"]}
    r = await client.get(
        f"/api/incidents/{draft['incident_id']}", headers=bearer(world["tok"]["operator"])
    )
    assert r.json()["exposure"]["population"] == 3500
    assert r.json()["exposure"]["sentences"]["vi"].startswith("khoảng 3.500 cư dân")


async def test_no_layers_means_no_exposure(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    world = make_world(store)
    await add_rule(client, world)
    await observe(app, store, world, 12.4)
    [draft] = await alerts(client, world["tok"]["operator"], "?status=draft")
    r = await client.get(f"/api/alerts/{draft['id']}", headers=bearer(world["tok"]["operator"]))
    assert r.json()["exposure"] is None


def _extent(x0: float, level: float, **key: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": {"level": level, **key}, "geometry": _poly(x0, 105.9)}


async def test_incident_exposure_of_the_flood_extent_at_its_level(
    client: httpx.AsyncClient, app: Any, store: Store, tmp_path: Path
) -> None:
    """Level-to-area table of the gauge: from 11.0 m W2 floods (3,000 people), from 12.0 m
    also the east half of W1 (+500); another station's row is ignored. No alert needed."""
    world = make_world(store)
    _layers(store, tmp_path)
    rows = [
        _extent(105.85, 11.0, station="station level"),
        _extent(105.80, 12.0, datastream=world["ds"]),
        _extent(105.0, 1.0, station="another gauge"),
    ]
    (tmp_path / "extent.geojson").write_bytes(geojson(rows))
    meta = Metadata(slug="extent", title="Flood extent", keywords=["flood_extent"])
    import_file(store, SYSTEM, tmp_path / "extent.geojson", meta, "hanoi")
    await add_rule(client, world, alert={"mode": "off"})
    tok = world["tok"]["operator"]

    async def exposure() -> dict[str, Any]:
        r = await client.get("/api/incidents", headers=bearer(tok))
        [inc] = r.json()["value"]
        r = await client.get(f"/api/incidents/{inc['id']}", headers=bearer(tok))
        return dict(r.json()["exposure"])

    await observe(app, store, world, 12.4)
    exp = await exposure()
    assert (exp["basis"], exp["level"], exp["population"]) == ("flood_extent", 12.4, 3500)
    await observe(app, store, world, 11.5)
    exp = await exposure()
    assert (exp["level"], exp["population"], exp["households"]) == (11.5, 3000, 800)
    assert [w["name"] for w in exp["wards"]] == ["W2"]

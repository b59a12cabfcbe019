"""Build the offline map context shipped with the public page (src/cityops/web/static/geo/)
from the open layers in /work/shared/data (see its README for sources and licences):
Natural Earth 1:10m rivers, lakes, populated places and coastline (public domain, already
clipped to South-East Asia), and first-level administrative boundaries of Laos
(geoBoundaries ADM1, CC BY 3.0 IGO) and Viet Nam (censusVN2009 provinces, MIT) — Natural
Earth's own admin-1 layer is not in the data folder.

Geometry is simplified (Douglas-Peucker, tolerance in degrees) and coordinates rounded to
3 decimals (about 100 m), plenty for context under a warning area and small to ship.
Run: python scripts/make_context_layers.py [/work/shared/data]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape

OUT = Path(__file__).resolve().parents[1] / "src/cityops/web/static/geo"
TOLERANCE = 0.01


def _round(coords: Any) -> Any:
    if isinstance(coords, (int, float)):
        return round(float(coords), 3)
    return [_round(c) for c in coords]


def _feature(geom: Any, props: dict[str, Any]) -> dict[str, Any] | None:
    if geom.is_empty:
        return None
    doc = mapping(geom)
    return {
        "type": "Feature",
        "properties": props,
        "geometry": {"type": doc["type"], "coordinates": _round(doc["coordinates"])},
    }


def _write(name: str, features: list[dict[str, Any] | None]) -> None:
    doc = {"type": "FeatureCollection", "features": [f for f in features if f]}
    path = OUT / name
    path.write_text(json.dumps(doc, ensure_ascii=False, separators=(",", ":")))
    print(f"{path.name}: {len(doc['features'])} features, {path.stat().st_size} bytes")


def _load(path: Path) -> list[dict[str, Any]]:
    return list(json.loads(path.read_text())["features"])


def main(data: Path) -> None:
    ne = data / "naturalearth"
    OUT.mkdir(parents=True, exist_ok=True)
    places = []
    for f in _load(ne / "ne_10m_populated_places_simple_SEA.geojson"):
        p = f["properties"]
        props = {"name": p["name"], "rank": p["scalerank"], "pop": p["pop_max"]}
        places.append(_feature(shape(f["geometry"]), props))
    _write("places.json", places)
    for source, name, tol in (
        ("ne_10m_rivers_lake_centerlines_SEA.geojson", "rivers.json", TOLERANCE),
        ("ne_10m_lakes_SEA.geojson", "lakes.json", TOLERANCE),
        ("ne_10m_coastline_SEA.geojson", "coastline.json", 0.02),
    ):
        _write(
            name,
            [
                _feature(shape(f["geometry"]).simplify(tol), {"name": f["properties"].get("name")})
                for f in _load(ne / source)
            ],
        )
    admin = [
        _feature(
            shape(f["geometry"]).boundary.simplify(TOLERANCE),
            {"name": f["properties"]["shapeName"], "country": "LA"},
        )
        for f in _load(data / "laos/geoBoundaries-LAO-ADM1_simplified.geojson")
    ] + [
        _feature(
            shape(f["geometry"]).boundary.simplify(TOLERANCE),
            {"name": f["properties"]["province"], "country": "VN"},
        )
        for f in _load(data / "tamky/vn_provinces2009_census_all.geojson")
    ]
    _write("admin1.json", admin)


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "/work/shared/data"))

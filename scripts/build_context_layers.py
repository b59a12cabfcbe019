"""Build the offline map context shipped in ``web/static/geo/`` from Natural Earth.

Input: Natural Earth 1:10m layers already clipped to South-East Asia (lon 92-120,
lat -1-29; public domain), and Viet Nam's (censusVN2009, MIT) and Laos's (geoBoundaries,
CC BY 3.0 IGO) provinces as admin-1 boundaries, since no Natural Earth admin-1 layer is
in the project data. Output: small GeoJSON files, simplified (Douglas-Peucker, 0.004
degrees, about 400 m, invisible below city zoom), coordinates rounded to 4 decimals and
properties cut to what the map shows (name, scale rank, population). Run:

    python scripts/build_context_layers.py /work/shared/data src/cityops/web/static/geo
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from shapely.geometry import mapping, shape

TOLERANCE = 0.004
KEEP = ("name", "scalerank", "pop_max", "adm0name", "featurecla")


def _round(coords: Any) -> Any:
    if isinstance(coords[0], (int, float)):
        return [round(coords[0], 4), round(coords[1], 4)]
    return [_round(c) for c in coords]


def _feature(f: dict[str, Any], name_key: str = "name") -> dict[str, Any] | None:
    geom = shape(f["geometry"])
    if geom.geom_type != "Point":
        geom = geom.simplify(TOLERANCE, preserve_topology=True)
    if geom.is_empty:
        return None
    props = f.get("properties") or {}
    out = {k: props[k] for k in KEEP if props.get(k) is not None}
    if props.get(name_key):
        out["name"] = props[name_key]
    g = mapping(geom)
    return {
        "type": "Feature",
        "properties": out,
        "geometry": {**g, "coordinates": _round(g["coordinates"])},
    }


def build(src: Path, dest: Path, name: str, out: str, attribution: str, key: str = "name") -> None:
    doc = json.loads((src / name).read_text(encoding="utf-8"))
    feats = [x for f in doc["features"] if (x := _feature(f, key)) is not None]
    body = {"type": "FeatureCollection", "attribution": attribution, "features": feats}
    (dest / out).write_text(json.dumps(body, ensure_ascii=False, separators=(",", ":")), "utf-8")
    print(f"{out}: {len(feats)} features, {(dest / out).stat().st_size} bytes")


def main() -> None:
    src, dest = Path(sys.argv[1]), Path(sys.argv[2])
    dest.mkdir(parents=True, exist_ok=True)
    ne = src / "naturalearth"
    natural_earth = "Natural Earth (public domain)"
    build(ne, dest, "ne_10m_rivers_lake_centerlines_SEA.geojson", "rivers.geojson", natural_earth)
    build(ne, dest, "ne_10m_lakes_SEA.geojson", "lakes.geojson", natural_earth)
    build(ne, dest, "ne_10m_populated_places_simple_SEA.geojson", "places.geojson", natural_earth)
    build(
        src / "tamky",
        dest,
        "vn_provinces2009_census_all.geojson",
        "admin1_vn.geojson",
        "Viet Nam provinces (pre-2025): censusVN2009, M. Choisy (MIT)",
        key="province_vn",
    )
    build(
        src / "laos",
        dest,
        "geoBoundaries-LAO-ADM1_simplified.geojson",
        "admin1_la.geojson",
        "Laos provinces: geoBoundaries, OCHA ROAP, National Geographic Department (CC BY 3.0 IGO)",
        key="shapeName",
    )


if __name__ == "__main__":
    main()

"""Small layer files for the import tests, written in each supported format."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import shapely
from pyogrio import raw

WARDS = [  # two unit squares side by side near Tam Ky, with counts
    ("w1", 1000, 250, shapely.box(108.40, 15.50, 108.41, 15.51)),
    ("w2", 2000, 500, shapely.box(108.41, 15.50, 108.42, 15.51)),
]


def geojson(features: list[dict[str, Any]], **extra: Any) -> bytes:
    return orjson.dumps({"type": "FeatureCollection", "features": features, **extra})


def ward_features() -> list[dict[str, Any]]:
    return [
        {
            "type": "Feature",
            "id": name,
            "properties": {"name": name, "population": pop, "households": hh},
            "geometry": orjson.loads(shapely.to_geojson(geom)),
        }
        for name, pop, hh, geom in WARDS
    ]


def write_ogr(
    path: Path, driver: str, crs: str = "EPSG:4326", geoms: list[Any] | None = None
) -> None:
    shapes = geoms or [g for *_, g in WARDS]
    raw.write(
        str(path),
        np.array([shapely.to_wkb(g) for g in shapes], dtype=object),
        [
            np.array([w[0] for w in WARDS][: len(shapes)], dtype=object),
            np.array([w[1] for w in WARDS][: len(shapes)], dtype=np.int64),
        ],
        fields=["name", "population"],
        geometry_type="Polygon",
        crs=crs,
        driver=driver,
    )


def zipped_shapefile(tmp: Path, name: str = "wards") -> Path:
    folder = tmp / f"{name}_shp"
    folder.mkdir()
    write_ogr(folder / f"{name}.shp", "ESRI Shapefile")
    target = tmp / f"{name}.zip"
    with zipfile.ZipFile(target, "w") as z:
        for part in folder.iterdir():
            z.write(part, part.name)
    return target

"""Read a layer file into raw features: (label, geometry, properties) and the file's CRS.

GeoJSON and CSV are parsed here, so that a bad feature is named by its position (and its
``id`` when it has one); GeoPackage and zipped Shapefile go through pyogrio (GDAL in a
wheel), whose features are named by their FID. Every reader raises ``InvalidInput``
naming the offending feature: an import is whole-or-nothing.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import shapely
from shapely.geometry.base import BaseGeometry

from cityops.errors import InvalidInput

FORMATS = ("geojson", "csv", "gpkg", "shapefile")
LON_NAMES = ("lon", "lng", "long", "longitude", "x")
LAT_NAMES = ("lat", "latitude", "y")
WKT_NAMES = ("wkt", "geometry", "geom")


@dataclass
class RawFeature:
    """One feature as read: geometry in the file's CRS, properties as given."""

    label: str  # how an error names it: "feature 3 (id 'w12')", "row 7", "FID 4"
    geometry: BaseGeometry | None
    properties: dict[str, Any] = field(default_factory=dict)


@dataclass
class Layer:
    features: list[RawFeature]
    crs: str | None  # None: WGS 84 (GeoJSON's and CSV's default)


def format_of(path: Path) -> str:
    """The format from the file name; an unknown one is refused by name."""
    name = path.name.lower()
    if name.endswith((".geojson", ".json")):
        return "geojson"
    if name.endswith(".csv"):
        return "csv"
    if name.endswith(".gpkg"):
        return "gpkg"
    if name.endswith((".zip", ".shp.zip")):
        return "shapefile"
    raise InvalidInput(
        f"unknown file type {path.name!r}: expected .geojson, .csv, .gpkg or a zipped Shapefile",
        field="file",
    )


def read_layer(path: Path) -> Layer:
    """The features of a layer file in any supported format."""
    kind = format_of(path)
    if kind == "geojson":
        return read_geojson(path.read_bytes())
    if kind == "csv":
        return read_csv(path.read_bytes())
    return read_ogr(path, kind)


def read_geojson(data: bytes) -> Layer:
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"not JSON: {exc}", field="file") from exc
    if not isinstance(doc, dict) or doc.get("type") not in ("FeatureCollection", "Feature"):
        raise InvalidInput("GeoJSON must be a FeatureCollection or a Feature", field="file")
    items = doc.get("features") if doc["type"] == "FeatureCollection" else [doc]
    if not isinstance(items, list):
        raise InvalidInput("'features' must be an array", field="file")
    return Layer([_geojson_feature(i, f) for i, f in enumerate(items, 1)], _geojson_crs(doc))


def _geojson_crs(doc: dict[str, Any]) -> str | None:
    """The legacy ``crs`` member (GeoJSON 2008), still written by QGIS for projected data."""
    crs = doc.get("crs")
    if isinstance(crs, dict) and isinstance(crs.get("properties"), dict):
        name = crs["properties"].get("name")
        return str(name) if name else None
    return None


def _geojson_feature(i: int, item: Any) -> RawFeature:
    label = f"feature {i}"
    if isinstance(item, dict) and item.get("id") is not None:
        label += f" (id {item['id']!r})"
    if not isinstance(item, dict) or item.get("type") != "Feature":
        raise InvalidInput(f"{label}: not a GeoJSON Feature", field="file")
    props = item.get("properties") or {}
    if not isinstance(props, dict):
        raise InvalidInput(f"{label}: 'properties' must be an object", field="file")
    if item.get("id") is not None and "id" not in props:
        props = {"id": item["id"], **props}
    geom = item.get("geometry")
    if geom is None:
        return RawFeature(label, None, props)
    try:
        shape = shapely.from_geojson(orjson.dumps(geom))
    except (shapely.errors.GEOSException, ValueError) as exc:
        raise InvalidInput(f"{label}: bad geometry: {exc}", field="file") from exc
    return RawFeature(label, shape, props)


def read_csv(data: bytes) -> Layer:
    """Rows with lon/lat (or x/y, longitude/latitude) columns, or a WKT column."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput("CSV must be UTF-8", field="file") from exc
    reader = csv.DictReader(io.StringIO(text))
    names = {n.strip().lower(): n for n in reader.fieldnames or []}
    lon = next((names[n] for n in LON_NAMES if n in names), None)
    lat = next((names[n] for n in LAT_NAMES if n in names), None)
    wkt = next((names[n] for n in WKT_NAMES if n in names), None)
    if not (lon and lat) and not wkt:
        raise InvalidInput(
            "CSV needs coordinate columns (lon and lat, longitude and latitude, or x and y) "
            "or a WKT column",
            field="file",
        )
    return Layer(list(_csv_rows(reader, lon, lat, wkt)), None)


def _csv_rows(
    reader: csv.DictReader[str], lon: str | None, lat: str | None, wkt: str | None
) -> Iterator[RawFeature]:
    used = {lon, lat, wkt}
    for i, row in enumerate(reader, 2):  # line 1 is the header
        label = f"row {i}"
        props = {k: _scalar(v) for k, v in row.items() if k not in used and k is not None}
        try:
            if lon and lat:
                geom: BaseGeometry = shapely.Point(float(row[lon]), float(row[lat]))
            else:
                geom = shapely.from_wkt(row[wkt or ""])
        except (TypeError, ValueError, shapely.errors.GEOSException) as exc:
            raise InvalidInput(f"{label}: bad coordinates: {exc}", field="file") from exc
        yield RawFeature(label, geom, props)


def _scalar(value: str | None) -> Any:
    """A CSV cell as a number when it is one (population counts must compare as numbers)."""
    if value is None or value == "":
        return None
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            continue
    return value


def read_ogr(path: Path, kind: str) -> Layer:
    """GeoPackage or zipped Shapefile through pyogrio (the first layer)."""
    from pyogrio import raw
    from pyogrio.errors import DataLayerError, DataSourceError

    source = str(path)
    if kind == "shapefile":
        _check_zip(path)
        source = f"/vsizip/{path}"
    try:
        meta, fids, geoms, columns = raw.read(source, return_fids=True)
    except (DataSourceError, DataLayerError, OSError, RuntimeError) as exc:
        raise InvalidInput(f"cannot read {path.name}: {exc}", field="file") from exc
    names = list(meta["fields"])
    features = []
    for i, wkb in enumerate(geoms):
        label = f"FID {fids[i]}" if fids is not None else f"feature {i + 1}"
        try:
            geom = shapely.from_wkb(wkb) if wkb is not None else None
        except shapely.errors.GEOSException as exc:
            raise InvalidInput(f"{label}: bad geometry: {exc}", field="file") from exc
        props = {n: _plain(col[i]) for n, col in zip(names, columns, strict=True)}
        features.append(RawFeature(label, geom, props))
    return Layer(features, meta.get("crs"))


def _check_zip(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as z:
            if not any(n.lower().endswith(".shp") for n in z.namelist()):
                raise InvalidInput(f"{path.name} holds no .shp file", field="file")
    except zipfile.BadZipFile as exc:
        raise InvalidInput(f"{path.name} is not a zip file", field="file") from exc


def _plain(value: Any) -> Any:
    """A numpy scalar as the Python value JSON can hold."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value != value:  # NaN: a missing value
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value if isinstance(value, str | int | float | bool) or value is None else str(value)

"""CAP areas: circles around a point, or polygons from GeoJSON, checked with shapely.

GeoJSON orders coordinates (lon, lat); CAP writes ``lat,lon``. Inside CityOps a CAP polygon is
a tuple of (lat, lon) pairs, rounded to at most 6 decimals (about 0.1 m), closed, with at least
4 pairs and no crossing edges.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from shapely.geometry import Polygon as ShapelyPolygon
from shapely.validation import explain_validity

from cityops.cap.model import Area, Circle, LatLon, Polygon
from cityops.errors import InvalidInput

DECIMALS = 6


def _check_latlon(lat: float, lon: float, field: str) -> None:
    if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
        raise InvalidInput(f"({lat}, {lon}) is outside WGS 84 lat/lon ranges", field=field)


def circle_area(area_desc: str, lat: float, lon: float, radius_km: float) -> Area:
    """An area made of one circle of ``radius_km`` kilometres around (lat, lon)."""
    _check_latlon(lat, lon, "circle")
    if not radius_km > 0:
        raise InvalidInput("radius must be positive (km)", field="circle.radius_km")
    return Area(
        area_desc,
        circles=(Circle(round(lat, DECIMALS), round(lon, DECIMALS), round(radius_km, 3)),),
    )


def check_polygon(points: Polygon, field: str = "polygon") -> None:
    """Raise ``InvalidInput`` unless ``points`` is a closed, simple CAP polygon of 4+ pairs."""
    if len(points) < 4:
        raise InvalidInput("a polygon needs at least 4 lat,lon pairs", field=field)
    if points[0] != points[-1]:
        raise InvalidInput("a polygon must be closed (first pair equal to the last)", field=field)
    for lat, lon in points:
        _check_latlon(lat, lon, field)
        if round(lat, DECIMALS) != lat or round(lon, DECIMALS) != lon:
            raise InvalidInput(f"more than {DECIMALS} decimals in ({lat}, {lon})", field=field)
    shape = ShapelyPolygon([(lon, lat) for lat, lon in points])
    if not shape.is_valid:
        raise InvalidInput(f"polygon is not simple: {explain_validity(shape)}", field=field)
    if shape.area == 0:
        raise InvalidInput("polygon has no area", field=field)


def make_polygon(lonlat: Iterable[Iterable[float]], field: str = "polygon") -> Polygon:
    """Turn a GeoJSON ring of (lon, lat[, alt]) positions into a checked CAP polygon.

    Rounds to 6 decimals, drops repeated consecutive points, closes the ring if needed.
    """
    points: list[LatLon] = []
    for pos in lonlat:
        coords = list(pos)
        if len(coords) < 2:
            raise InvalidInput(f"position {coords!r} needs lon and lat", field=field)
        pair = (round(float(coords[1]), DECIMALS), round(float(coords[0]), DECIMALS))
        if not points or points[-1] != pair:
            points.append(pair)
    if points and points[0] != points[-1]:
        points.append(points[0])
    result = tuple(points)
    check_polygon(result, field)
    return result


def _geometries(obj: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """Flatten a GeoJSON geometry, Feature or FeatureCollection into its geometries."""
    kind = obj.get("type")
    if kind == "FeatureCollection":
        return [g for f in obj.get("features", []) for g in _geometries(f)]
    if kind == "Feature":
        geometry = obj.get("geometry")
        return _geometries(geometry) if geometry else []
    if kind == "GeometryCollection":
        return [g for sub in obj.get("geometries", []) for g in _geometries(sub)]
    return [obj]


def polygons_from_geojson(geojson: Mapping[str, Any] | str) -> tuple[Polygon, ...]:
    """CAP polygons of a GeoJSON Polygon or MultiPolygon (or Feature/FeatureCollection).

    Only exterior rings are kept: CAP polygons have no holes, and warning a hole too errs on
    the side of safety. Any other geometry type raises ``InvalidInput``.
    """
    if isinstance(geojson, str):
        try:
            geojson = json.loads(geojson)
        except json.JSONDecodeError as exc:
            raise InvalidInput(f"invalid GeoJSON: {exc}", field="geojson") from None
    if not isinstance(geojson, Mapping):
        raise InvalidInput("GeoJSON must be an object", field="geojson")
    polygons: list[Polygon] = []
    for geom in _geometries(geojson):
        kind, coords = geom.get("type"), geom.get("coordinates")
        if kind == "Polygon" and coords:
            rings = [coords]
        elif kind == "MultiPolygon" and coords:
            rings = list(coords)
        else:
            raise InvalidInput(f"expected Polygon or MultiPolygon, got {kind!r}", field="geojson")
        for ring in rings:
            polygons.append(make_polygon(ring[0], field=f"geojson.polygons[{len(polygons)}]"))
    if not polygons:
        raise InvalidInput("no polygon in GeoJSON", field="geojson")
    return tuple(polygons)


def area_from_geojson(area_desc: str, geojson: Mapping[str, Any] | str) -> Area:
    """An area whose polygons come from GeoJSON (lon,lat in, lat,lon out)."""
    return Area(area_desc, polygons=polygons_from_geojson(geojson))

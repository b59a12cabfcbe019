"""Geometries to WGS 84 (lon/lat) and valid: transformed with pyproj, repaired with
shapely's ``make_valid`` when the repair keeps the geometry's kind, refused otherwise."""

from __future__ import annotations

import math

import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry.base import BaseGeometry

from cityops.errors import InvalidInput

WGS84 = CRS.from_epsg(4326)


def transformer_for(crs: str | None) -> Transformer | None:
    """None when the layer is already WGS 84 (or CRS84); refuses an unknown CRS."""
    if not crs:
        return None
    try:
        source = CRS.from_user_input(crs)
    except CRSError as exc:
        raise InvalidInput(f"unknown coordinate reference system {crs!r}", field="file") from exc
    if source.equals(WGS84, ignore_axis_order=True):
        return None
    return Transformer.from_crs(source, WGS84, always_xy=True)


def clean(label: str, geom: BaseGeometry, transformer: Transformer | None) -> BaseGeometry:
    """The geometry in WGS 84, valid, within lon/lat range; or InvalidInput naming ``label``."""
    if transformer is not None:
        geom = shapely.transform(geom, lambda xy: _project(transformer, xy))
    if geom.is_empty:
        raise InvalidInput(f"{label}: empty geometry", field="file")
    minx, miny, maxx, maxy = geom.bounds
    if not all(math.isfinite(v) for v in geom.bounds) or not (
        -180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90
    ):
        raise InvalidInput(
            f"{label}: coordinates outside longitude/latitude range "
            "(a projected file needs its CRS: .prj, GeoPackage SRS or GeoJSON 'crs')",
            field="file",
        )
    if not geom.is_valid:
        geom = _repair(label, geom)
    return geom


def _project(transformer: Transformer, xy: object) -> object:
    import numpy as np

    arr = np.asarray(xy)
    x, y = transformer.transform(arr[:, 0], arr[:, 1])
    return np.column_stack([x, y])


def _repair(label: str, geom: BaseGeometry) -> BaseGeometry:
    """``make_valid``, kept only if it yields the same dimension (a self-crossing polygon
    becomes a multipolygon; one that collapses to a line is refused)."""
    reason = shapely.is_valid_reason(geom)
    fixed = shapely.make_valid(geom)
    if fixed.geom_type == "GeometryCollection":
        parts = [
            g
            for g in shapely.get_parts(fixed)
            if shapely.get_dimensions(g) == shapely.get_dimensions(geom)
        ]
        fixed = shapely.union_all(parts) if parts else fixed
    if (
        fixed.is_empty
        or shapely.get_dimensions(fixed) != shapely.get_dimensions(geom)
        or not fixed.is_valid
    ):
        raise InvalidInput(
            f"{label}: invalid geometry that cannot be repaired ({reason})", field="file"
        )
    return fixed

"""SQL for the geospatial $filter functions.

PostgreSQL: PostGIS functions on ``geom`` (their GiST index applies by itself). SQLite:
a bounding-box prefilter on the ``bbox_*`` columns (indexed) and the exact predicate in
a shapely-backed user function (``store/sqlfuncs.register_sqlite_functions``).
Geometries are planar in SRID 4326: ``geo.distance`` is in degrees.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float, Text, and_, literal

from cityops.errors import InvalidQuery
from cityops.sta.query.pyfuncs import DE9IM
from cityops.sta.query.sqlvalues import Val, as_sql
from cityops.store import sqlfuncs as sf

_NAMES = {"geo.intersects": "intersects", **{f"st_{n}": n for n in sf.GEO_PREDICATES}}


def geo_sql(name: str, args: list[Val], pos: int) -> Val:
    """SQL for geo.* and st_* calls whose arguments are compiled values."""
    geoms = [as_sql(a, "geometry", pos) for a in args[:2]]
    if name == "geo.distance":
        return Val("number", sf.GeoDistance(*geoms))
    if name == "geo.length":
        return Val("number", sf.GeoLength(geoms[0]))
    if name == "st_relate":
        pattern = args[2]
        if not (
            pattern.is_const and isinstance(pattern.const, str) and DE9IM.fullmatch(pattern.const)
        ):
            raise InvalidQuery(
                f"st_relate needs a literal DE-9IM pattern such as 'T*F**F***' (at position {pos})"
            )
        return Val("bool", sf.GeoPredicate("relate", *geoms, literal(pattern.const, Text())))
    op = _NAMES[name]
    exact = sf.GeoPredicate(op, *geoms)
    prefilter = _bbox_prefilter(op, args[0], args[1])
    if prefilter is None:
        return Val("bool", exact)
    return Val("bool", and_(sf.SqliteOnly(prefilter), exact))


def _bbox_prefilter(op: str, a: Val, b: Val) -> Any:
    """Bounding-box condition implied by ``op(a, b)``, when one side is a stored geometry
    with bbox columns and the other a literal; None otherwise."""
    if op in ("disjoint",):
        return None
    column, lit, flipped = (a, b, False) if a.bbox is not None else (b, a, True)
    if column.bbox is None or not column.local() or not lit.is_const or lit.geom is None:
        return None
    if lit.geom.is_empty:
        return None
    minx, miny, maxx, maxy = (literal(float(v), Float()) for v in lit.geom.bounds)
    cminx, cminy, cmaxx, cmaxy = column.bbox
    inside = op == "within" and not flipped or op == "contains" and flipped
    covers = op == "contains" and not flipped or op == "within" and flipped
    if inside:  # the stored geometry lies within the literal's box
        return and_(cminx >= minx, cmaxx <= maxx, cminy >= miny, cmaxy <= maxy)
    if covers:  # the stored geometry's box covers the literal's box
        return and_(cminx <= minx, cmaxx >= maxx, cminy <= miny, cmaxy >= maxy)
    return and_(cminx <= maxx, cmaxx >= minx, cminy <= maxy, cmaxy >= miny)

"""SQL functions whose spelling differs between SQLite and PostgreSQL/PostGIS.

Each is a SQLAlchemy ``FunctionElement`` with one ``@compiles`` per dialect, so the query
compiler builds one expression tree for both databases. Nothing here puts a value from a
request into SQL text: keys of JSON paths travel as bound parameters (``JsonPathType``)
and only constants chosen by our code (field names, type names) are spelled inline.

SQLite has no geometry: ``register_sqlite_functions`` installs shapely-backed user
functions (``cityops_st_within`` ...) that the store calls on every new connection.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import shapely
from shapely.geometry.base import BaseGeometry
from sqlalchemy import ARRAY, Boolean, Float, Integer, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

GEO_PREDICATES = (
    "equals",
    "disjoint",
    "touches",
    "within",
    "overlaps",
    "crosses",
    "intersects",
    "contains",
)
DATE_PARTS = {
    "year": "%Y",
    "month": "%m",
    "day": "%d",
    "hour": "%H",
    "minute": "%M",
    "second": "%S",
}
_SQLITE_TIME_FORMAT = "%Y-%m-%d %H:%M:%S.%f"


class JsonPathType(TypeDecorator[tuple[str, ...]]):
    """A JSON path bound as a parameter: ``$."a"."b"`` on SQLite, ``text[]`` on PostgreSQL."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            return dialect.type_descriptor(ARRAY(Text()))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        keys = tuple(value or ())
        if dialect.name == "postgresql":
            return list(keys)
        return "$" + "".join(f'."{k}"' for k in keys)


class _Fn(FunctionElement[Any]):
    inherit_cache = True

    def __init_subclass__(cls, **kw: Any) -> None:
        # SQLAlchemy asks every subclass to state it; ours share the superclass's key
        # unless they say otherwise (DatePart, GeoPredicate carry a non-clause name).
        if "inherit_cache" not in cls.__dict__:
            cls.inherit_cache = True
        super().__init_subclass__(**kw)


def _args(element: Any, compiler: Any, **kw: Any) -> list[str]:
    return [compiler.process(c, **kw) for c in element.clauses]


def _templates(cls: type, sqlite: str, postgresql: str) -> None:
    """Compile ``cls(a, b, ...)`` by ``str.format`` templates ({0} = first argument)."""

    def _sqlite(element: Any, compiler: Any, **kw: Any) -> str:
        return sqlite.format(*_args(element, compiler, **kw))

    def _pg(element: Any, compiler: Any, **kw: Any) -> str:
        return postgresql.format(*_args(element, compiler, **kw))

    compiles(cls)(_sqlite)
    compiles(cls, "postgresql")(_pg)


# -- JSON: typed access at a bound path; NULL when absent or of another type ----------
class JsonText(_Fn):
    """The string at a JSON path. (doc, path)"""

    type = Text()


class JsonNumber(_Fn):
    """The number at a JSON path. (doc, path)"""

    type = Float()


class JsonBool(_Fn):
    """The boolean at a JSON path. (doc, path)"""

    type = Boolean()


class JsonIsNull(_Fn):
    """A JSON path is absent or holds null. (doc, path)"""


_templates(
    JsonText,
    "CASE WHEN json_type({0}, {1}) = 'text' THEN json_extract({0}, {1}) END",
    "CASE WHEN jsonb_typeof({0} #> {1}) = 'string' THEN {0} #>> {1} END",
)
_templates(
    JsonNumber,
    "CASE WHEN json_type({0}, {1}) IN ('integer', 'real') THEN json_extract({0}, {1}) END",
    "CASE WHEN jsonb_typeof({0} #> {1}) = 'number' THEN CAST({0} #>> {1} AS double precision) END",
)
_templates(
    JsonBool,
    "CASE json_type({0}, {1}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END",
    "CASE WHEN jsonb_typeof({0} #> {1}) = 'boolean' THEN CAST({0} #>> {1} AS boolean) END",
)
_templates(
    JsonIsNull,
    "(coalesce(json_type({0}, {1}), 'null') = 'null')",
    "(coalesce(jsonb_typeof({0} #> {1}), 'null') = 'null')",
)


# -- date and time (SQLite: fixed-width UTC text 'YYYY-MM-DD HH:MM:SS.ffffff') --------
class DatePart(_Fn):
    """An integer field (year ... second) of a UTC date-time. (x); ``field`` attribute."""

    type = Integer()
    inherit_cache = False  # ``field`` is not a clause: never share a cached compilation

    def __init__(self, field: str, x: Any) -> None:
        self.field = field
        super().__init__(x)


@compiles(DatePart)
def _date_part_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    fmt = DATE_PARTS[element.field]
    return f"CAST(strftime('{fmt}', {_args(element, compiler, **kw)[0]}) AS INTEGER)"


@compiles(DatePart, "postgresql")
def _date_part_pg(element: Any, compiler: Any, **kw: Any) -> str:
    x = _args(element, compiler, **kw)[0]
    return f"CAST(floor(EXTRACT({element.field.upper()} FROM {x} AT TIME ZONE 'UTC')) AS INTEGER)"


class FractionalSeconds(_Fn):
    """The fraction of the second of a date-time, 0 <= f < 1. (x)"""

    type = Float()


class DateOf(_Fn):
    """The UTC calendar date of a date-time. (x)"""


class TimeOf(_Fn):
    """The UTC time of day of a date-time. (x)"""


class DateTimeAdd(_Fn):
    """A date-time plus a number of seconds. (x, seconds)"""


_templates(
    FractionalSeconds,
    "CAST(substr({0}, 20) AS REAL)",
    "CAST(mod(EXTRACT(MICROSECONDS FROM {0}), 1000000) / 1000000.0 AS double precision)",
)
_templates(DateOf, "substr({0}, 1, 10)", "CAST({0} AT TIME ZONE 'UTC' AS date)")
_templates(TimeOf, "substr({0}, 12, 15)", "CAST({0} AT TIME ZONE 'UTC' AS time)")
_templates(DateTimeAdd, "cityops_dt_add({0}, {1})", "({0} + make_interval(secs => {1}))")


# -- numbers -------------------------------------------------------------------------
class Floor(_Fn):
    type = Float()


class Ceiling(_Fn):
    type = Float()


class Round(_Fn):
    """Round half away from zero (SQLite's round; PostgreSQL's on numeric)."""

    type = Float()


class Mod(_Fn):
    """The remainder of a truncating division, sign of the dividend; NULL for 0. (a, b)"""

    type = Float()


# SQLite's math functions are a compile-time option: floor/ceiling from CAST (truncation)
_templates(Floor, "(CAST({0} AS INTEGER) - (CAST({0} AS INTEGER) > {0}))", "floor({0})")
_templates(Ceiling, "(CAST({0} AS INTEGER) + (CAST({0} AS INTEGER) < {0}))", "ceiling({0})")
_templates(Round, "round({0})", "CAST(round(CAST({0} AS numeric)) AS double precision)")
# SQLite's % truncates reals to integers, PostgreSQL has no % on double precision
_templates(
    Mod,
    "({0} - {1} * CAST(CAST({0} AS REAL) / nullif({1}, 0) AS INTEGER))",
    "CAST(mod(CAST({0} AS numeric), nullif(CAST({1} AS numeric), 0)) AS double precision)",
)


# -- strings -------------------------------------------------------------------------
class IndexOf(_Fn):
    """1-based position of b in a, 0 when absent (a, b): the SensorThings specification's
    example (``indexof(description,'Sensor') eq 1``) and FROST-Server count from 1."""

    type = Integer()


class EndsWith(_Fn):
    """a ends with b. Conditions stay untyped: SQLAlchemy would append ``= 1`` on SQLite."""


class Lower(_Fn):
    type = Text()


class Upper(_Fn):
    type = Text()


class Substring(_Fn):
    """OData substring(s, start[, length]): 0-based start; negatives count as 0."""

    type = Text()


class CollateC(_Fn):
    """Code-point order for text comparisons and sorting, as SQLite's BINARY."""

    type = Text()


_templates(IndexOf, "instr({0}, {1})", "strpos({0}, {1})")
_templates(
    EndsWith,
    "(length({1}) <= length({0}) AND substr({0}, length({0}) - length({1}) + 1) = {1})",
    "(right({0}, length({1})) = {1})",
)
# SQLite's lower() folds ASCII only; station names are Thai, Lao, Vietnamese ...
_templates(Lower, "cityops_lower({0})", "lower({0})")
_templates(Upper, "cityops_upper({0})", "upper({0})")
_templates(CollateC, "{0}", '({0} COLLATE "C")')


@compiles(Substring)
def _substring_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    args = _args(element, compiler, **kw)
    start = f"max(CAST({args[1]} AS INTEGER), 0) + 1"
    if len(args) == 2:
        return f"substr({args[0]}, {start})"
    return f"substr({args[0]}, {start}, max(CAST({args[2]} AS INTEGER), 0))"


@compiles(Substring, "postgresql")
def _substring_pg(element: Any, compiler: Any, **kw: Any) -> str:
    args = _args(element, compiler, **kw)
    start = f"{_pg_int(args[1])} + 1"
    if len(args) == 2:
        return f"substr({args[0]}, {start})"
    return f"substr({args[0]}, {start}, {_pg_int(args[2])})"


def _pg_int(x: str) -> str:
    # clamp before the cast: CAST(1e300 AS integer) raises on PostgreSQL
    return f"CAST(least(greatest(trunc({x}), 0), 2147483646) AS integer)"


# -- ordering: NULLs first ascending, last descending (SQLite's default) --------------
class SortAsc(_Fn):
    """``x ASC NULLS FIRST``."""


class SortDesc(_Fn):
    """``x DESC NULLS LAST``."""


_templates(SortAsc, "{0} ASC", "{0} ASC NULLS FIRST")
_templates(SortDesc, "{0} DESC", "{0} DESC NULLS LAST")


# -- geometry ------------------------------------------------------------------------
class SqliteOnly(_Fn):
    """A condition applied on SQLite only (a bounding-box prefilter PostGIS does itself)."""


class GeomLiteral(_Fn):
    """A WKT bound parameter as a geometry. (wkt)"""


class GeomFromJson(_Fn):
    """A GeoJSON document column (geometry or Feature) as a geometry. (doc)"""


class GeoDistance(_Fn):
    type = Float()


class GeoLength(_Fn):
    type = Float()


_templates(SqliteOnly, "({0})", "true")
# the SQLite user functions read WKT and GeoJSON text alike
_templates(GeomLiteral, "{0}", "ST_GeomFromText({0}, 4326)")
_templates(
    GeomFromJson,
    "{0}",
    "ST_SetSRID(ST_GeomFromGeoJSON(CAST(coalesce({0} -> 'geometry', {0}) AS text)), 4326)",
)
_templates(GeoDistance, "cityops_distance({0}, {1})", "ST_Distance({0}, {1})")
_templates(GeoLength, "cityops_length({0})", "ST_Length({0})")


class GeoPredicate(_Fn):
    """A DE-9IM named predicate, or ``relate`` with a pattern. (a, b[, pattern])"""

    inherit_cache = False  # ``name`` is not a clause: never share a cached compilation

    def __init__(self, name: str, *args: Any) -> None:
        self.name = name
        super().__init__(*args)


@compiles(GeoPredicate)
def _geo_pred_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"(cityops_st_{element.name}({', '.join(_args(element, compiler, **kw))}) = 1)"


@compiles(GeoPredicate, "postgresql")
def _geo_pred_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"ST_{element.name.capitalize()}({', '.join(_args(element, compiler, **kw))})"


# -- SQLite user functions -----------------------------------------------------------
@lru_cache(maxsize=4096)
def parse_geometry(text: str) -> BaseGeometry | None:
    """A prepared shapely geometry from WKT or GeoJSON (a geometry or a Feature)."""
    try:
        if text.lstrip().startswith("{"):
            import json

            doc = json.loads(text)
            if isinstance(doc, dict) and doc.get("type") == "Feature":
                doc = doc.get("geometry")
            geom = shapely.from_geojson(json.dumps(doc))
        else:
            geom = shapely.from_wkt(text)
    except (shapely.errors.ShapelyError, ValueError, TypeError):
        return None
    if geom is not None:
        shapely.prepare(geom)
    return geom


def _binary(fn: Any) -> Any:
    def call(a: str | None, b: str | None, *extra: Any) -> Any:
        ga = parse_geometry(a) if isinstance(a, str) else None
        gb = parse_geometry(b) if isinstance(b, str) else None
        if ga is None or gb is None:
            return None
        return fn(ga, gb, *extra)

    return call


def _predicate(name: str) -> Any:
    op = getattr(shapely, name)
    return _binary(lambda a, b: int(bool(op(a, b))))


def _dt_add(value: str | None, seconds: float | None) -> str | None:
    if value is None or seconds is None:
        return None
    try:
        moved = datetime.fromisoformat(value) + timedelta(seconds=seconds)
    except (ValueError, OverflowError):
        return None
    return moved.strftime(_SQLITE_TIME_FORMAT)


def _length(a: str | None) -> float | None:
    geom = parse_geometry(a) if isinstance(a, str) else None
    return None if geom is None else float(shapely.length(geom))


def register_sqlite_functions(dbapi_connection: Any) -> None:
    """Install the user functions the compiled queries need on a sqlite3 connection."""
    create = dbapi_connection.create_function
    for name in GEO_PREDICATES:
        create(f"cityops_st_{name}", 2, _predicate(name), deterministic=True)
    create(
        "cityops_st_relate",
        3,
        _binary(lambda a, b, p: int(bool(shapely.relate_pattern(a, b, p)))),
        deterministic=True,
    )
    create(
        "cityops_distance",
        2,
        _binary(lambda a, b: float(shapely.distance(a, b))),
        deterministic=True,
    )
    create("cityops_length", 1, _length, deterministic=True)
    create("cityops_dt_add", 2, _dt_add, deterministic=True)
    create("cityops_lower", 1, lambda s: s.lower() if isinstance(s, str) else s, deterministic=True)
    create("cityops_upper", 1, lambda s: s.upper() if isinstance(s, str) else s, deterministic=True)

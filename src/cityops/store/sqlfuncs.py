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

GEO_PREDICATES = ("equals", "disjoint", "touches", "within", "overlaps", "crosses",
                  "intersects", "contains")
DATE_PARTS = {"year": "%Y", "month": "%m", "day": "%d", "hour": "%H", "minute": "%M",
              "second": "%S"}
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


# -- JSON ----------------------------------------------------------------------------
class JsonText(_Fn):
    """The string at a JSON path, NULL when absent or not a string. (doc, path)"""

    type = Text()


class JsonNumber(_Fn):
    """The number at a JSON path, NULL when absent or not a number. (doc, path)"""

    type = Float()


class JsonBool(_Fn):
    """The boolean at a JSON path, NULL when absent or not a boolean. (doc, path)"""

    type = Boolean()


class JsonIsNull(_Fn):
    """True when a JSON path is absent or holds null. (doc, path)"""


_SQLITE_JSON = {
    JsonText: "CASE WHEN json_type({0}, {1}) = 'text' THEN json_extract({0}, {1}) END",
    JsonNumber: "CASE WHEN json_type({0}, {1}) IN ('integer', 'real') "
                "THEN json_extract({0}, {1}) END",
    JsonBool: "CASE json_type({0}, {1}) WHEN 'true' THEN 1 WHEN 'false' THEN 0 END",
    JsonIsNull: "(coalesce(json_type({0}, {1}), 'null') = 'null')",
}
_PG_JSON = {
    JsonText: "CASE WHEN jsonb_typeof({0} #> {1}) = 'string' THEN {0} #>> {1} END",
    JsonNumber: "CASE WHEN jsonb_typeof({0} #> {1}) = 'number' "
                "THEN CAST({0} #>> {1} AS double precision) END",
    JsonBool: "CASE WHEN jsonb_typeof({0} #> {1}) = 'boolean' "
              "THEN CAST({0} #>> {1} AS boolean) END",
    JsonIsNull: "(coalesce(jsonb_typeof({0} #> {1}), 'null') = 'null')",
}


@compiles(JsonText)
@compiles(JsonNumber)
@compiles(JsonBool)
@compiles(JsonIsNull)
def _json_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return _SQLITE_JSON[type(element)].format(*_args(element, compiler, **kw))


@compiles(JsonText, "postgresql")
@compiles(JsonNumber, "postgresql")
@compiles(JsonBool, "postgresql")
@compiles(JsonIsNull, "postgresql")
def _json_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return _PG_JSON[type(element)].format(*_args(element, compiler, **kw))


# -- date and time -------------------------------------------------------------------
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


@compiles(FractionalSeconds)
def _frac_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(substr({_args(element, compiler, **kw)[0]}, 20) AS REAL)"


@compiles(FractionalSeconds, "postgresql")
def _frac_pg(element: Any, compiler: Any, **kw: Any) -> str:
    x = _args(element, compiler, **kw)[0]
    return f"CAST(mod(EXTRACT(MICROSECONDS FROM {x}), 1000000) / 1000000.0 AS double precision)"


class DateOf(_Fn):
    """The UTC calendar date of a date-time. (x)"""


class TimeOf(_Fn):
    """The UTC time of day of a date-time. (x)"""


@compiles(DateOf)
def _date_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"substr({_args(element, compiler, **kw)[0]}, 1, 10)"


@compiles(DateOf, "postgresql")
def _date_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST({_args(element, compiler, **kw)[0]} AT TIME ZONE 'UTC' AS date)"


@compiles(TimeOf)
def _time_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"substr({_args(element, compiler, **kw)[0]}, 12, 15)"


@compiles(TimeOf, "postgresql")
def _time_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST({_args(element, compiler, **kw)[0]} AT TIME ZONE 'UTC' AS time)"


class DateTimeAdd(_Fn):
    """A date-time plus a number of seconds. (x, seconds)"""


@compiles(DateTimeAdd)
def _dt_add_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return "cityops_dt_add({}, {})".format(*_args(element, compiler, **kw))


@compiles(DateTimeAdd, "postgresql")
def _dt_add_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return "({} + make_interval(secs => {}))".format(*_args(element, compiler, **kw))


# -- numbers and strings -------------------------------------------------------------
class Floor(_Fn):
    type = Float()


class Ceiling(_Fn):
    type = Float()


class Round(_Fn):
    """Round half away from zero (as SQLite's round; PostgreSQL's on numeric)."""

    type = Float()


class Mod(_Fn):
    """The remainder of a truncating division, sign of the dividend; NULL for 0. (a, b)"""

    type = Float()


@compiles(Floor)
def _floor_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    x = _args(element, compiler, **kw)[0]
    return f"(CAST({x} AS INTEGER) - (CAST({x} AS INTEGER) > {x}))"


@compiles(Ceiling)
def _ceiling_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    x = _args(element, compiler, **kw)[0]
    return f"(CAST({x} AS INTEGER) + (CAST({x} AS INTEGER) < {x}))"


@compiles(Round)
def _round_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"round({_args(element, compiler, **kw)[0]})"


@compiles(Mod)
def _mod_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"({a} - {b} * CAST(CAST({a} AS REAL) / nullif({b}, 0) AS INTEGER))"


@compiles(Floor, "postgresql")
def _floor_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"floor({_args(element, compiler, **kw)[0]})"


@compiles(Ceiling, "postgresql")
def _ceiling_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"ceiling({_args(element, compiler, **kw)[0]})"


@compiles(Round, "postgresql")
def _round_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"CAST(round(CAST({_args(element, compiler, **kw)[0]} AS numeric)) AS double precision)"


@compiles(Mod, "postgresql")
def _mod_pg(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"CAST(mod(CAST({a} AS numeric), nullif(CAST({b} AS numeric), 0)) AS double precision)"


class IndexOf(_Fn):
    """0-based position of b in a, -1 when absent. (a, b)"""

    type = Integer()


class EndsWith(_Fn):
    """a ends with b. Untyped conditions: SQLAlchemy would append ``= 1`` on SQLite."""


class Lower(_Fn):
    type = Text()


class Upper(_Fn):
    type = Text()


class Substring(_Fn):
    """OData substring: 0-based start, optional length; negatives count as 0."""

    type = Text()


@compiles(IndexOf)
def _indexof_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return "(instr({}, {}) - 1)".format(*_args(element, compiler, **kw))


@compiles(IndexOf, "postgresql")
def _indexof_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return "(strpos({}, {}) - 1)".format(*_args(element, compiler, **kw))


@compiles(EndsWith)
def _endswith_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(length({b}) <= length({a}) AND substr({a}, length({a}) - length({b}) + 1) = {b})"


@compiles(EndsWith, "postgresql")
def _endswith_pg(element: Any, compiler: Any, **kw: Any) -> str:
    a, b = _args(element, compiler, **kw)
    return f"(right({a}, length({b})) = {b})"


@compiles(Lower)
def _lower_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    # SQLite's lower() folds ASCII only; station names are Thai, Lao, Vietnamese ...
    return f"cityops_lower({_args(element, compiler, **kw)[0]})"


@compiles(Upper)
def _upper_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"cityops_upper({_args(element, compiler, **kw)[0]})"


@compiles(Lower, "postgresql")
def _lower_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"lower({_args(element, compiler, **kw)[0]})"


@compiles(Upper, "postgresql")
def _upper_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"upper({_args(element, compiler, **kw)[0]})"


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
    start = f"greatest(CAST(trunc({args[1]}) AS integer), 0) + 1"
    if len(args) == 2:
        return f"substr({args[0]}, {start})"
    return f"substr({args[0]}, {start}, greatest(CAST(trunc({args[2]}) AS integer), 0))"


class CollateC(_Fn):
    """Byte/code-point order for text comparisons and sorting, as SQLite's BINARY."""

    type = Text()


@compiles(CollateC)
def _collate_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return _args(element, compiler, **kw)[0]


@compiles(CollateC, "postgresql")
def _collate_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f'({_args(element, compiler, **kw)[0]} COLLATE "C")'


class SqliteOnly(_Fn):
    """A condition applied on SQLite only (a bounding-box prefilter PostGIS does itself)."""


@compiles(SqliteOnly)
def _sqlite_only(element: Any, compiler: Any, **kw: Any) -> str:
    return f"({_args(element, compiler, **kw)[0]})"


@compiles(SqliteOnly, "postgresql")
def _sqlite_only_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return "true"


# -- geometry ------------------------------------------------------------------------
class GeomLiteral(_Fn):
    """A WKT bound parameter as a geometry. (wkt)"""


class GeomFromJson(_Fn):
    """A GeoJSON document column (geometry or Feature) as a geometry. (doc)"""


class GeoPredicate(_Fn):
    """A DE-9IM named predicate, or ``relate`` with a pattern. (a, b[, pattern])"""

    inherit_cache = False  # ``name`` is not a clause: never share a cached compilation

    def __init__(self, name: str, *args: Any) -> None:
        self.name = name
        super().__init__(*args)



class GeoDistance(_Fn):
    type = Float()


class GeoLength(_Fn):
    type = Float()


@compiles(GeomLiteral)
@compiles(GeomFromJson)
def _geom_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return _args(element, compiler, **kw)[0]  # the user functions read WKT and GeoJSON


@compiles(GeomLiteral, "postgresql")
def _geom_literal_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"ST_GeomFromText({_args(element, compiler, **kw)[0]}, 4326)"


@compiles(GeomFromJson, "postgresql")
def _geom_json_pg(element: Any, compiler: Any, **kw: Any) -> str:
    doc = _args(element, compiler, **kw)[0]
    return (f"ST_SetSRID(ST_GeomFromGeoJSON(CAST(coalesce({doc} -> 'geometry', {doc}) "
            "AS text)), 4326)")


@compiles(GeoPredicate)
def _geo_pred_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"(cityops_st_{element.name}({', '.join(_args(element, compiler, **kw))}) = 1)"


@compiles(GeoPredicate, "postgresql")
def _geo_pred_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"ST_{element.name.capitalize()}({', '.join(_args(element, compiler, **kw))})"


@compiles(GeoDistance)
def _distance_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return "cityops_distance({}, {})".format(*_args(element, compiler, **kw))


@compiles(GeoDistance, "postgresql")
def _distance_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return "ST_Distance({}, {})".format(*_args(element, compiler, **kw))


@compiles(GeoLength)
def _length_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"cityops_length({_args(element, compiler, **kw)[0]})"


@compiles(GeoLength, "postgresql")
def _length_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"ST_Length({_args(element, compiler, **kw)[0]})"


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
    create("cityops_st_relate", 3,
           _binary(lambda a, b, p: int(bool(shapely.relate_pattern(a, b, p)))),
           deterministic=True)
    create("cityops_distance", 2, _binary(lambda a, b: float(shapely.distance(a, b))),
           deterministic=True)
    create("cityops_length", 1, _length, deterministic=True)
    create("cityops_dt_add", 2, _dt_add, deterministic=True)
    create("cityops_lower", 1, lambda s: s.lower() if isinstance(s, str) else s,
           deterministic=True)
    create("cityops_upper", 1, lambda s: s.upper() if isinstance(s, str) else s,
           deterministic=True)


# -- ordering ------------------------------------------------------------------------
class SortAsc(_Fn):
    """``x ASC`` with NULLs first (SQLite's default; spelled out on PostgreSQL)."""


class SortDesc(_Fn):
    """``x DESC`` with NULLs last (SQLite's default; spelled out on PostgreSQL)."""


@compiles(SortAsc)
def _asc_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"{_args(element, compiler, **kw)[0]} ASC"


@compiles(SortDesc)
def _desc_sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return f"{_args(element, compiler, **kw)[0]} DESC"


@compiles(SortAsc, "postgresql")
def _asc_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"{_args(element, compiler, **kw)[0]} ASC NULLS FIRST"


@compiles(SortDesc, "postgresql")
def _desc_pg(element: Any, compiler: Any, **kw: Any) -> str:
    return f"{_args(element, compiler, **kw)[0]} DESC NULLS LAST"

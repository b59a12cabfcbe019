"""SQL expressions for $filter values: literals as bound parameters, member paths,
arithmetic and functions. Predicates and navigation are in ``compiler.py``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlalchemy import BigInteger, Boolean, Date, Float, Text, Time, case, cast, func, literal, null
from sqlalchemy.sql.expression import FromClause

from cityops.datamodel.entities import Kind
from cityops.errors import InvalidQuery
from cityops.sta.query.functions import accepts
from cityops.sta.query.paths import Resolved
from cityops.store import sqlfuncs as sf
from cityops.store.types import UTCDateTime


@dataclass
class Val:
    """A compiled value: ``expr`` and static ``type``. JSON values keep (doc, path) and
    are typed by use; intervals keep (start, end); geometries keep their bbox columns
    or the literal geometry (for the SQLite prefilter); ``const`` holds a literal."""

    type: str
    expr: Any = None
    doc: Any = None
    json_path: tuple[str, ...] = ()
    end: Any = None
    bbox: tuple[Any, Any, Any, Any] | None = None
    geom: BaseGeometry | None = None
    const: Any = None
    is_const: bool = False
    wrap: Callable[[Any], Any] | None = None  # scalar-subquery wrapper (to-one path)

    def local(self) -> bool:
        return self.wrap is None


def bind(value: Any, typ: str) -> Val:
    """A literal as a bound parameter of the right SQL type."""
    if value is None:
        return Val("null", null(), const=None, is_const=True)
    if typ == "geometry":
        wkt = value.wkt
        return Val(
            "geometry", sf.GeomLiteral(literal(wkt, Text())), geom=value, const=value, is_const=True
        )
    if typ == "number":
        sql_type = BigInteger() if isinstance(value, int) and abs(value) < 2**63 else Float()
        value = value if isinstance(sql_type, BigInteger) else float(value)
        return Val("number", literal(value, sql_type), const=value, is_const=True)
    types: dict[str, Any] = {
        "string": Text(),
        "bool": Boolean(),
        "datetime": UTCDateTime(),
        "date": Date(),
        "time": Time(),
        "duration": Float(),
    }
    if typ == "duration":
        return Val(typ, literal(value.total_seconds(), Float()), const=value, is_const=True)
    return Val(typ, literal(value, types[typ]), const=value, is_const=True)


def type_of(value: Any) -> str:
    """The static type of a Python value from constant folding."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, datetime):
        return "datetime"
    if isinstance(value, date):
        return "date"
    if isinstance(value, time):
        return "time"
    if isinstance(value, timedelta):
        return "duration"
    if isinstance(value, BaseGeometry):
        return "geometry"
    raise InvalidQuery(f"unsupported constant {value!r}")


def member(res: Resolved, table: FromClause) -> Val:
    """The value of a resolved local member (no navigation) of ``table``."""
    c = table.c
    if res.prop is None:
        return Val("number", c.id)
    prop, col = res.prop, res.prop.column
    if prop.kind is Kind.RESULT:
        if res.json_path:
            return Val("json", doc=c.result_json, json_path=res.json_path)
        return Val("result", c.result_number, doc=c.result_json)
    if prop.kind is Kind.INTERVAL:
        return Val("interval", c[f"{col}_start"], end=c[f"{col}_end"])
    if prop.kind is Kind.GEOMETRY and not res.json_path:
        bbox = (c.bbox_minx, c.bbox_miny, c.bbox_maxx, c.bbox_maxy)
        expr = c.geom if "geom" in c else sf.GeomFromJson(c[col])
        return Val("geometry", expr, doc=c[col], bbox=bbox)
    if prop.kind in (Kind.JSON, Kind.GEOMETRY):
        return Val("json", doc=c[col], json_path=res.json_path)
    if prop.kind is Kind.TIME:
        return Val("datetime", c[col])
    return Val("string", c[col])


def as_sql(val: Val, wanted: str, pos: int = 0) -> Any:
    """``val`` as a SQL expression of static type ``wanted``."""
    expr = _as_sql_local(val, wanted, pos)
    return val.wrap(expr) if val.wrap is not None else expr


def _as_sql_local(val: Val, wanted: str, pos: int) -> Any:
    if val.type == "null":
        return null()
    if val.type == "json":
        cls = {"string": sf.JsonText, "number": sf.JsonNumber, "bool": sf.JsonBool}.get(wanted)
        if cls is None:
            raise InvalidQuery(f"a JSON member cannot be used as a {wanted} (at position {pos})")
        return cls(val.doc, literal(val.json_path, sf.JsonPathType()))
    if val.type == "result":
        if wanted == "number":
            return val.expr
        return _as_sql_local(Val("json", doc=val.doc), wanted, pos)
    if val.type == "interval" and wanted == "datetime":
        return val.expr
    if val.type == "date" and wanted == "datetime" and val.is_const:
        return bind(datetime.combine(val.const, time(0), tzinfo=UTC), "datetime").expr
    if val.type != wanted and not (val.type == "number" and wanted == "duration"):
        raise InvalidQuery(f"expected a {wanted}, got a {val.type} (at position {pos})")
    return val.expr


def is_null_sql(val: Val) -> Any:
    """``val`` is null (JSON null or absent included)."""
    if val.type == "json":
        expr = sf.JsonIsNull(val.doc, literal(val.json_path, sf.JsonPathType()))
    elif val.type == "result":
        expr = val.expr.is_(None) & sf.JsonIsNull(val.doc, literal((), sf.JsonPathType()))
    else:
        expr = val.expr.is_(None)
    if val.wrap is not None:
        expr = val.wrap(expr)
    return expr


def arithmetic_sql(op: str, left: Val, right: Val, typ: str, pos: int) -> Val:
    """SQL for ``left op right`` with result type ``typ``."""
    if typ == "number":
        a, b = as_sql(left, "number", pos), as_sql(right, "number", pos)
        if op == "add":
            return Val("number", a + b)
        if op == "sub":
            return Val("number", a - b)
        if op == "mul":
            return Val("number", a * b)
        if op == "div":
            return Val("number", cast(a, Float()) / func.nullif(b, 0))
        return Val("number", sf.Mod(a, b))
    if left.type == "duration":
        left, right = right, left
    if not right.is_const:
        raise InvalidQuery(f"only literal durations can be added (at position {pos})")
    seconds = right.const.total_seconds() * (-1 if op == "sub" else 1)
    return Val("datetime", sf.DateTimeAdd(as_sql(left, "datetime", pos), literal(seconds, Float())))


def call_sql(name: str, args: list[Val], wanted: tuple[str, ...], pos: int) -> Val:
    """SQL for a (non-constant) function call."""
    for i, (arg, want) in enumerate(zip(args, wanted, strict=False)):
        if not accepts(want, arg.type):
            raise InvalidQuery(
                f"argument {i + 1} of {name}() must be a {want}, not a "
                f"{arg.type} (at position {pos})"
            )
    if name.startswith(("st_", "geo.")):
        from cityops.sta.query.geo import geo_sql

        return geo_sql(name, args, pos)
    sql = [as_sql(a, w, pos) for a, w in zip(args, wanted, strict=False)]
    builder = _BUILDERS.get(name)
    if builder is None:
        raise InvalidQuery(f"{name}() is not supported here (at position {pos})")
    typ, expr = builder(*sql)
    return Val(typ, expr)


def _date_part(part: str) -> Callable[[Any], tuple[str, Any]]:
    return lambda x: ("number", sf.DatePart(part, x))


_BUILDERS: dict[str, Callable[..., tuple[str, Any]]] = {
    "substringof": lambda a, b: ("bool", sf.IndexOf(b, a) > 0),
    "startswith": lambda a, b: ("bool", func.substr(a, 1, func.length(b)) == b),
    "endswith": lambda a, b: ("bool", sf.EndsWith(a, b)),
    "length": lambda a: ("number", func.length(a)),
    "indexof": lambda a, b: ("number", sf.IndexOf(a, b)),
    "substring": lambda s, *rest: ("string", sf.Substring(s, *rest)),
    "tolower": lambda a: ("string", sf.Lower(a)),
    "toupper": lambda a: ("string", sf.Upper(a)),
    "trim": lambda a: ("string", func.trim(a)),
    "concat": lambda a, b: ("string", a.concat(b)),
    **{part: _date_part(part) for part in sf.DATE_PARTS},
    "fractionalseconds": lambda x: ("number", sf.FractionalSeconds(x)),
    "date": lambda x: ("date", sf.DateOf(x)),
    "time": lambda x: ("time", sf.TimeOf(x)),
    # stored times are UTC: the offset of a stored time is 0
    "totaloffsetminutes": lambda x: (
        "number",
        case((x.is_(None), null()), else_=literal(0, BigInteger())),
    ),
    "round": lambda x: ("number", sf.Round(x)),
    "floor": lambda x: ("number", sf.Floor(x)),
    "ceiling": lambda x: ("number", sf.Ceiling(x)),
}

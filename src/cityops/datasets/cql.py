"""CQL2 (OGC API – Features Part 3) filters to SQLAlchemy Core over dataset_features.

Parsing is pygeofilter's (CQL2 text and CQL2 JSON); its AST is compiled here, because
features keep their attributes in a JSON column (pygeofilter's own SQLAlchemy backend
expects one column per attribute and GeoAlchemy2). A property is read as the type of the
literal it is compared with (a number compares with numbers only; a feature whose value
has another type does not match), so the same filter gives the same answer on SQLite
and PostgreSQL. Queryables: every feature property, plus ``id``, ``geometry`` and
``datetime``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
import shapely
from pygeofilter import ast, values
from pygeofilter.parsers.cql2_json import parse as parse_json
from pygeofilter.parsers.cql2_text import parse as parse_text
from sqlalchemy import and_, false, literal, not_, or_, true
from sqlalchemy.sql.elements import ColumnElement

from cityops.errors import InvalidQuery
from cityops.store import schema as s
from cityops.store import sqlfuncs as sf

F = s.dataset_features
GEOMETRY_NAMES = ("geometry", "geom")
SPATIAL: dict[type, str] = {
    ast.GeometryIntersects: "intersects",
    ast.GeometryDisjoint: "disjoint",
    ast.GeometryWithin: "within",
    ast.GeometryContains: "contains",
    ast.GeometryTouches: "touches",
    ast.GeometryCrosses: "crosses",
    ast.GeometryOverlaps: "overlaps",
    ast.GeometryEquals: "equals",
}
COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "=": lambda a, b: a == b,
    "<>": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}
TEMPORAL: dict[type, str] = {
    ast.TimeAfter: ">",
    ast.TimeBefore: "<",
    ast.TimeEquals: "=",
}


def parse(text: str, lang: str | None) -> ast.Node:
    """The AST of a ``filter`` parameter; InvalidQuery (400) names what is wrong."""
    lang = lang or ("cql2-json" if text.lstrip().startswith("{") else "cql2-text")
    try:
        if lang == "cql2-json":
            return parse_json(_bbox_as_polygon(orjson.loads(text)))
        if lang == "cql2-text":
            return parse_text(text)
    except Exception as exc:  # lark and JSON errors alike: the client's filter is bad
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InvalidQuery(f"filter: cannot parse {lang}: {first}", field="filter") from exc
    raise InvalidQuery("filter-lang must be cql2-text or cql2-json", field="filter-lang")


def _bbox_as_polygon(doc: Any) -> Any:
    """CQL2 JSON ``{"bbox": [minx, miny, maxx, maxy]}`` as a GeoJSON polygon: pygeofilter
    0.4 reads the four numbers in the wrong order (minx, maxx, miny, maxy)."""
    if isinstance(doc, list):
        return [_bbox_as_polygon(d) for d in doc]
    if not isinstance(doc, dict):
        return doc
    box = doc.get("bbox")
    if len(doc) == 1 and isinstance(box, list) and len(box) in (4, 6):
        x0, y0, x1, y1 = (box[0], box[1], box[3], box[4]) if len(box) == 6 else box
        return orjson.loads(shapely.to_geojson(shapely.box(x0, y0, x1, y1)))
    return {k: _bbox_as_polygon(v) for k, v in doc.items()}


def compile_filter(node: ast.Node) -> ColumnElement[bool]:
    """SQL for a parsed filter."""
    if isinstance(node, ast.And):
        return and_(compile_filter(node.lhs), compile_filter(node.rhs))
    if isinstance(node, ast.Or):
        return or_(compile_filter(node.lhs), compile_filter(node.rhs))
    if isinstance(node, ast.Not):
        return not_(compile_filter(node.sub_node))
    if isinstance(node, bool):
        return true() if node else false()
    if isinstance(node, ast.Comparison):
        return _comparison(node.op.value, node.lhs, node.rhs)
    if isinstance(node, ast.Between):
        _operand(node.lhs, node.high)  # type check of the upper bound
        low, high = _operand(node.lhs, node.low), _comparable(node.low, node.lhs)
        cond: ColumnElement[bool] = and_(low >= high, low <= _comparable(node.high, node.lhs))
        return not_(cond) if node.not_ else cond
    if isinstance(node, ast.In):
        return _in(node)
    if isinstance(node, ast.Like):
        if _name(node.lhs) in ("id", "datetime"):
            raise InvalidQuery("filter: LIKE applies to text properties", field="filter")
        col = _operand(node.lhs, "")
        cond = col.like(node.pattern, escape="\\")
        return not_(cond) if node.not_ else cond
    if isinstance(node, ast.IsNull):
        cond = _is_null(node.lhs)
        return not_(cond) if node.not_ else cond
    if type(node) in SPATIAL:
        return _spatial(SPATIAL[type(node)], node.lhs, node.rhs)
    if type(node) in TEMPORAL:
        return _comparison(TEMPORAL[type(node)], node.lhs, node.rhs)
    raise InvalidQuery(f"filter: {type(node).__name__} is not supported", field="filter")


def _name(node: Any) -> str | None:
    return node.name if isinstance(node, ast.Attribute) else None


def _comparison(op: str, lhs: Any, rhs: Any) -> ColumnElement[bool]:
    if _name(lhs) is None and _name(rhs) is not None:  # 1000 < population
        flipped = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}.get(op, op)
        return _comparison(flipped, rhs, lhs)
    if _name(rhs) is not None:  # two properties: compared as text
        if {_name(lhs), _name(rhs)} & {"id", "datetime"}:
            raise InvalidQuery("filter: compare id and datetime with literals", field="filter")
        return COMPARE[op](_operand(lhs, ""), _operand(rhs, ""))  # type: ignore[no-any-return]
    return COMPARE[op](_operand(lhs, rhs), _comparable(rhs, lhs))  # type: ignore[no-any-return]


def _operand(node: Any, like: Any) -> Any:
    """A column expression for an attribute, typed like the literal ``like``."""
    name = _name(node)
    if name is None:
        return _comparable(node, None)
    if name == "id":
        _typed(name, like, int, "an integer")
        return F.c.id
    if name == "datetime":
        _typed(name, like, datetime, "a TIMESTAMP")
        return F.c.datetime
    if name in GEOMETRY_NAMES:
        raise InvalidQuery(f"filter: compare {name} with a spatial predicate", field="filter")
    path = literal((name,), sf.JsonPathType())
    if isinstance(like, bool):
        return sf.JsonBool(F.c.properties, path)
    if isinstance(like, int | float):
        return sf.JsonNumber(F.c.properties, path)
    return sf.JsonText(F.c.properties, path)


def _typed(name: str, like: Any, kind: type, what: str) -> None:
    """``id`` and ``datetime`` are typed columns: a literal of another type is the
    client's mistake (400), not a database error."""
    if isinstance(like, ast.Attribute) or like == "":
        return
    values_ = like if isinstance(like, list) else [like]
    if not all(isinstance(v, kind) and not isinstance(v, bool) for v in values_):
        raise InvalidQuery(f"filter: {name} is compared with {what}", field="filter")


def _comparable(value: Any, attribute: Any) -> Any:
    """A literal as a bound value; datetimes only against ``datetime``."""
    if isinstance(value, ast.Attribute):
        return _operand(value, "")
    if isinstance(value, datetime) and _name(attribute) not in (None, "datetime"):
        return value.isoformat()
    if isinstance(value, values.Interval | values.Geometry | values.Envelope | list):
        raise InvalidQuery("filter: a scalar value is needed here", field="filter")
    if isinstance(value, ast.Node):
        raise InvalidQuery(f"filter: {type(value).__name__} is not supported", field="filter")
    return value


def _in(node: ast.In) -> ColumnElement[bool]:
    items = list(node.sub_nodes)
    if not items:
        return false()
    for item in items[1:]:
        _operand(node.lhs, item)  # type check of every item against id and datetime
    col = _operand(node.lhs, items[0])
    cond: ColumnElement[bool] = col.in_([_comparable(i, node.lhs) for i in items])
    return not_(cond) if node.not_ else cond


def _is_null(node: Any) -> ColumnElement[bool]:
    name = _name(node)
    if name in GEOMETRY_NAMES:
        return F.c.geom.is_(None)
    if name == "datetime":
        return F.c.datetime.is_(None)
    if name is None or name == "id":
        return false()
    return sf.JsonIsNull(F.c.properties, literal((name,), sf.JsonPathType()))


def _spatial(op: str, lhs: Any, rhs: Any) -> ColumnElement[bool]:
    if _name(lhs) not in GEOMETRY_NAMES:
        lhs, rhs = rhs, lhs
        op = {"within": "contains", "contains": "within"}.get(op, op)
    if _name(lhs) not in GEOMETRY_NAMES:
        raise InvalidQuery(
            "filter: a spatial predicate needs the geometry property", field="filter"
        )
    shape = literal_geometry(rhs)
    exact = sf.GeoPredicate(op, F.c.geom, sf.GeomLiteral(literal(shape.wkt)))
    if op in ("disjoint",):
        return exact
    return and_(sf.SqliteOnly(bbox_overlaps(shape.bounds)), exact)


def literal_geometry(value: Any) -> shapely.Geometry:
    if isinstance(value, ast.Function) and value.name.lower() == "bbox":
        args = value.arguments
        if len(args) != 4 or not all(isinstance(a, int | float) for a in args):
            raise InvalidQuery("filter: BBOX(minx, miny, maxx, maxy)", field="filter")
        return shapely.box(*args)
    if isinstance(value, values.Envelope):
        return shapely.box(value.x1, value.y1, value.x2, value.y2)
    if isinstance(value, values.Geometry):
        try:
            return shapely.from_geojson(orjson.dumps(value.geometry))
        except shapely.errors.GEOSException as exc:
            raise InvalidQuery(f"filter: bad geometry: {exc}", field="filter") from exc
    raise InvalidQuery("filter: a spatial predicate needs a geometry literal", field="filter")


def bbox_overlaps(bounds: tuple[float, float, float, float]) -> ColumnElement[bool]:
    """Feature bbox overlaps ``bounds``: the index prefilter (and exact for bbox=)."""
    minx, miny, maxx, maxy = bounds
    return and_(
        F.c.bbox_maxx >= minx, F.c.bbox_minx <= maxx, F.c.bbox_maxy >= miny, F.c.bbox_miny <= maxy
    )

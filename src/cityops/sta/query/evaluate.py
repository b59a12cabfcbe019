"""A plain-Python evaluator of filter expressions over entities given as nested dicts.

It defines the semantics the SQL compiler must reproduce (differential tests compare
them) and folds constant sub-expressions for the compiler. Entities are dicts in
SensorThings JSON form: ``{"name": ..., "properties": {...}, "phenomenonTime":
"2024-01-01T00:00:00Z/2024-01-01T01:00:00Z", "Datastream": {...}, "Locations": [...]}``;
times may be ISO strings or aware datetimes, geometries GeoJSON dicts.

Semantics: two-valued logic. A comparison with null is false except ``eq``/``ne``
(null eq null is true); arithmetic and functions of null give null; ``div`` is decimal
division and ``x div 0`` is null; ``mod`` truncates (sign of the dividend).
"""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

from cityops.datamodel.entities import BY_NAME, BY_SET, Kind
from cityops.errors import InvalidQuery
from cityops.sta.query import pyfuncs
from cityops.sta.query.ast import (
    ARITHMETIC,
    COMPARISONS,
    BinOp,
    Bound,
    Call,
    Lit,
    Neg,
    Node,
    Not,
    Path,
    pushdown_nav,
    replace_paths,
)
from cityops.sta.query.functions import FUNCTIONS, accepts, arithmetic_type, comparison_type
from cityops.sta.query.paths import ID_NAMES, KIND_TYPES, property_kind

TV = tuple[Any, str]  # a value and its static type


def evaluate(node: Node, entity: dict[str, Any] | None = None) -> Any:
    """The value of ``node`` for ``entity``; a filter keeps the entity when it is True."""
    if _is_predicate(node):
        return _pred(node, entity or {})
    return _value(node, entity or {})[0]


def is_nav(segment: str) -> bool:
    return segment in BY_NAME or segment in BY_SET


def _is_many(path: Path) -> bool:
    return any(seg in BY_SET for seg in path.segments if is_nav(seg))


def _is_predicate(node: Node) -> bool:
    if isinstance(node, BinOp):
        return node.op in COMPARISONS or node.op in ("and", "or")
    return isinstance(node, Not) or (
        isinstance(node, Call) and FUNCTIONS[node.name].returns == "bool"
    )


def _pred(node: Node, entity: dict[str, Any]) -> bool:
    if isinstance(node, BinOp) and node.op in ("and", "or"):
        left = _pred(node.left, entity)
        if node.op == "and":
            return left and _pred(node.right, entity)
        return left or _pred(node.right, entity)
    if isinstance(node, Not):
        return not _pred(node.operand, entity)
    nav = pushdown_nav(node, is_nav, _is_many)
    if nav is None:
        return _truth(_value(node, entity))
    inner = replace_paths(
        node,
        lambda p: (
            Path(p.segments[1:], p.pos)
            if p.segments[0] == nav
            else Bound(*_value(p, entity), p.pos)
        ),
    )
    related = entity.get(nav)
    if isinstance(related, dict):
        related = [related]
    return any(_pred(inner, rel) for rel in related or [] if isinstance(rel, dict))


def _truth(tv: TV) -> bool:
    return tv[0] is True  # JSON/result values count only when they are the boolean true


def _value(node: Node, entity: dict[str, Any]) -> TV:
    if isinstance(node, Lit):
        return node.value, node.type
    if isinstance(node, Bound):
        return node.value, node.type
    if isinstance(node, Path):
        return _path(node, entity)
    if isinstance(node, Not) or (isinstance(node, BinOp) and node.op in ("and", "or")):
        return _pred(node, entity), "bool"
    if isinstance(node, BinOp) and node.op in COMPARISONS:
        if pushdown_nav(node, is_nav, _is_many) is not None:
            return _pred(node, entity), "bool"
        return compare(
            node.op, _value(node.left, entity), _value(node.right, entity), node.pos
        ), "bool"
    if isinstance(node, BinOp) and node.op in ARITHMETIC:
        return arithmetic(node.op, _value(node.left, entity), _value(node.right, entity), node.pos)
    if isinstance(node, Neg):
        value, typ = _value(node.operand, entity)
        if typ not in ("number", "json", "result", "duration", "null"):
            raise InvalidQuery(f"cannot negate a {typ} at position {node.pos}")
        value = coerce(value, typ, "duration" if typ == "duration" else "number")
        return (None if value is None else -value), ("duration" if typ == "duration" else "number")
    if isinstance(node, Call):
        if (
            FUNCTIONS[node.name].returns == "bool"
            and pushdown_nav(node, is_nav, _is_many) is not None
        ):
            return _pred(node, entity), "bool"
        return call(node.name, [_value(a, entity) for a in node.args], node.pos)
    raise InvalidQuery(f"cannot evaluate {node!r}")


# -- members -------------------------------------------------------------------------
def _path(path: Path, entity: dict[str, Any]) -> TV:
    current: Any = entity
    for i, seg in enumerate(path.segments):
        if is_nav(seg):
            current = current.get(seg) if isinstance(current, dict) else None
            if isinstance(current, list):
                raise InvalidQuery(f"{path} crosses a to-many navigation here")
            continue
        if seg in ID_NAMES:
            return (current or {}).get("@iot.id", (current or {}).get("id")), "number"
        kind = property_kind(seg)
        if kind is None:
            raise InvalidQuery(f"unknown property {seg!r} in {str(path)!r}")
        raw = current.get(seg) if isinstance(current, dict) else None
        rest = path.segments[i + 1 :]
        if rest:
            for key in rest:
                raw = raw.get(key) if isinstance(raw, dict) else None
            return raw, "json"
        return _typed(raw, kind), KIND_TYPES[kind]
    raise InvalidQuery(f"{str(path)!r} ends at a navigation property")


def _typed(raw: Any, kind: Kind) -> Any:
    if raw is None:
        return None
    if kind is Kind.TIME:
        return _instant(raw)
    if kind is Kind.INTERVAL:
        if isinstance(raw, str) and "/" in raw:
            start, end = raw.split("/", 1)
            return _instant(start), _instant(end)
        return _instant(raw), None
    if kind is Kind.GEOMETRY:
        return pyfuncs.geometry_of(raw)
    return raw


def _instant(raw: Any) -> datetime:
    value = raw if isinstance(raw, datetime) else datetime.fromisoformat(str(raw))
    return value.astimezone(UTC)


# -- typing and coercion -------------------------------------------------------------
def coerce(value: Any, actual: str, wanted: str) -> Any:
    """``value`` of static type ``actual`` seen as ``wanted`` (None when it is not one)."""
    if value is None:
        return None
    if actual == "interval":
        value = value[0]
        actual = "datetime"
    if actual == "date" and wanted == "datetime":
        return datetime.combine(value, time(0), tzinfo=UTC)
    if actual in ("json", "result"):
        checks: dict[str, Any] = {"string": str, "bool": bool, "number": (int, float)}
        kind = checks.get(wanted)
        if kind is None or not isinstance(value, kind):
            return None
        if wanted == "number" and isinstance(value, bool):
            return None
    return value


def compare(op: str, left: TV, right: TV, pos: int = 0) -> bool:
    """``left op right`` under the null rules of the module docstring."""
    if left[1] == "null" or right[1] == "null":
        other = right if left[1] == "null" else left
        is_null = _is_null(other)
        return is_null if op == "eq" else (not is_null if op == "ne" else False)
    typ = comparison_type(left[1], right[1])
    if typ is None:
        raise InvalidQuery(f"cannot compare {left[1]} with {right[1]} at position {pos}")
    if typ == "datetime" and "interval" in (left[1], right[1]):
        return _interval_compare(op, left, right)
    a, b = coerce(left[0], left[1], typ), coerce(right[0], right[1], typ)
    return ordered(op, a, b)


def _is_null(tv: TV) -> bool:
    return tv[0] is None


def ordered(op: str, a: Any, b: Any) -> bool:
    """A comparison of two plain values (None: null)."""
    if op in ("eq", "ne"):
        equal = (a is None and b is None) or (a is not None and b is not None and a == b)
        return equal if op == "eq" else not equal
    if a is None or b is None:
        return False
    return bool({"gt": a > b, "ge": a >= b, "lt": a < b, "le": a <= b}[op])


_FLIP = {"gt": "lt", "lt": "gt", "ge": "le", "le": "ge", "eq": "eq", "ne": "ne"}


def _interval_compare(op: str, left: TV, right: TV) -> bool:
    if left[1] != "interval":
        left, right, op = right, left, _FLIP[op]
    if right[1] == "interval":
        right = (right[0][0] if right[0] else None), "datetime"
    t = coerce(right[0], right[1], "datetime")
    if left[0] is None or t is None:
        return op == "ne" and not (left[0] is None and t is None)
    start, end = left[0]
    last = end if end is not None else start
    if op in ("eq", "ne"):
        equal = start == t and last == t
        return equal if op == "eq" else not equal
    if op in ("gt", "ge"):
        return bool(start > t if op == "gt" else start >= t)
    return bool(last < t if op == "lt" else last <= t)


def arithmetic(op: str, left: TV, right: TV, pos: int = 0) -> TV:
    """``left op right`` for numbers, and date-times plus or minus durations."""
    typ = arithmetic_type(op, left[1], right[1])
    if typ is None:
        raise InvalidQuery(f"cannot {op} {left[1]} and {right[1]} at position {pos}")
    if typ == "number":
        a, b = coerce(left[0], left[1], "number"), coerce(right[0], right[1], "number")
        return pyfuncs.number_op(op, a, b), "number"
    a = coerce(left[0], left[1], "datetime" if left[1] != "duration" else "duration")
    b = coerce(right[0], right[1], "datetime" if right[1] != "duration" else "duration")
    if a is None or b is None:
        return None, typ
    try:
        return (a + b if op == "add" else a - b), typ
    except OverflowError:
        raise InvalidQuery(f"date-time out of range at position {pos}") from None


def call(name: str, args: list[TV], pos: int = 0) -> TV:
    """The value of a function call on evaluated arguments."""
    sig = FUNCTIONS[name]
    values = []
    for i, (value, typ) in enumerate(args):
        if not accepts(sig.args[i], typ):
            raise InvalidQuery(
                f"argument {i + 1} of {name}() must be a {sig.args[i]}, "
                f"not a {typ} (at position {pos})"
            )
        values.append(coerce(value, typ, sig.args[i]))
    return pyfuncs.apply(name, values, pos), sig.returns

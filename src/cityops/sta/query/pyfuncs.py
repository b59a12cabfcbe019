"""Python implementations of the $filter functions and arithmetic (for the evaluator and
for folding constant sub-expressions before SQL is built)."""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime
from typing import Any

import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

from cityops.errors import InvalidQuery

MIN_DATETIME = datetime(1, 1, 1, tzinfo=UTC)
MAX_DATETIME = datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
DE9IM = re.compile(r"[012TF*]{9}")


def geometry_of(raw: Any) -> BaseGeometry | None:
    """A shapely geometry from GeoJSON (a geometry or a Feature), or None."""
    if isinstance(raw, BaseGeometry):
        return raw
    if isinstance(raw, dict) and raw.get("type") == "Feature":
        raw = raw.get("geometry")
    try:
        return shape(raw) if isinstance(raw, dict) else None
    except (ValueError, TypeError, AttributeError, shapely.errors.ShapelyError):
        return None


def number_op(op: str, a: Any, b: Any) -> Any:
    """add sub mul div mod on numbers; None propagates, division by zero gives None."""
    if a is None or b is None:
        return None
    if op == "add":
        return a + b
    if op == "sub":
        return a - b
    if op == "mul":
        return a * b
    if b == 0:
        return None
    if op == "div":
        return a / b
    return a - b * math.trunc(a / b)


def round_half_away(x: float) -> float:
    return math.copysign(math.floor(abs(x) + 0.5), x)


def _substring(s: str, start: Any, length: Any = None) -> str | None:
    if start is None:
        return None
    begin = max(int(start), 0)
    if length is None:
        return s[begin:]
    return s[begin : begin + max(int(length), 0)]


def _utc(x: datetime) -> datetime:
    return x.astimezone(UTC)


def _offset_minutes(x: datetime) -> int:
    offset = x.utcoffset()
    return 0 if offset is None else int(offset.total_seconds() // 60)


def _shapely_predicate(name: str) -> Any:
    op = getattr(shapely, name)
    return lambda a, b: bool(op(a, b))


_STRING: dict[str, Any] = {
    "substringof": lambda a, b: a in b,
    "endswith": lambda a, b: a.endswith(b),
    "startswith": lambda a, b: a.startswith(b),
    "length": len,
    "indexof": lambda a, b: a.find(b) + 1,  # 1-based, 0 when absent (as SQL instr/strpos)
    "tolower": str.lower,
    "toupper": str.upper,
    "trim": lambda a: a.strip(" "),
    "concat": lambda a, b: a + b,
}
_TIME: dict[str, Any] = {
    "year": lambda x: _utc(x).year,
    "month": lambda x: _utc(x).month,
    "day": lambda x: _utc(x).day,
    "hour": lambda x: _utc(x).hour,
    "minute": lambda x: _utc(x).minute,
    "second": lambda x: _utc(x).second,
    "fractionalseconds": lambda x: x.microsecond / 1_000_000,
    "date": lambda x: _utc(x).date(),
    "time": lambda x: _utc(x).time(),
    "totaloffsetminutes": lambda x: _offset_minutes(x),
}
_NUMBER: dict[str, Any] = {
    "round": round_half_away,
    "floor": lambda x: float(math.floor(x)),
    "ceiling": lambda x: float(math.ceil(x)),
}
_GEO: dict[str, Any] = {
    "geo.distance": lambda a, b: float(shapely.distance(a, b)),
    "geo.length": lambda a: float(shapely.length(a)),
    "geo.intersects": lambda a, b: bool(shapely.intersects(a, b)),
    **{
        f"st_{n}": _shapely_predicate(n)
        for n in (
            "equals",
            "disjoint",
            "touches",
            "within",
            "overlaps",
            "crosses",
            "intersects",
            "contains",
        )
    },
}


def apply(name: str, args: list[Any], pos: int = 0) -> Any:
    """The value of function ``name`` on already coerced arguments."""
    if name == "now":
        return datetime.now(UTC)
    if name == "mindatetime":
        return MIN_DATETIME
    if name == "maxdatetime":
        return MAX_DATETIME
    if name == "substring":
        return None if args[0] is None else _substring(*args)
    if name == "st_relate":
        if args[2] is not None and not DE9IM.fullmatch(args[2]):
            raise InvalidQuery(f"st_relate: invalid DE-9IM pattern {args[2]!r} at position {pos}")
        if any(a is None for a in args):
            return None
        return bool(shapely.relate_pattern(args[0], args[1], args[2]))
    if any(a is None for a in args):
        return None
    for table in (_STRING, _TIME, _NUMBER, _GEO):
        if name in table:
            try:
                return table[name](*args)
            except (OverflowError, ValueError) as exc:
                raise InvalidQuery(f"{name}(): {exc} at position {pos}") from None
    raise InvalidQuery(f"unknown function {name!r} at position {pos}")

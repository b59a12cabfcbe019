"""The $filter functions: arity and static types, shared by parser, compiler and evaluator."""

from __future__ import annotations

from dataclasses import dataclass

S, N, B, DT, G = "string", "number", "bool", "datetime", "geometry"


@dataclass(frozen=True)
class Signature:
    args: tuple[str, ...]  # static types of the arguments
    returns: str
    optional: int = 0  # how many trailing arguments may be left out


_GEO_PREDICATES = (
    "st_equals",
    "st_disjoint",
    "st_touches",
    "st_within",
    "st_overlaps",
    "st_crosses",
    "st_intersects",
    "st_contains",
)

FUNCTIONS: dict[str, Signature] = {
    "substringof": Signature((S, S), B),
    "endswith": Signature((S, S), B),
    "startswith": Signature((S, S), B),
    "length": Signature((S,), N),
    "indexof": Signature((S, S), N),
    "substring": Signature((S, N, N), S, optional=1),
    "tolower": Signature((S,), S),
    "toupper": Signature((S,), S),
    "trim": Signature((S,), S),
    "concat": Signature((S, S), S),
    "year": Signature((DT,), N),
    "month": Signature((DT,), N),
    "day": Signature((DT,), N),
    "hour": Signature((DT,), N),
    "minute": Signature((DT,), N),
    "second": Signature((DT,), N),
    "fractionalseconds": Signature((DT,), N),
    "date": Signature((DT,), "date"),
    "time": Signature((DT,), "time"),
    "totaloffsetminutes": Signature((DT,), N),
    "now": Signature((), DT),
    "mindatetime": Signature((), DT),
    "maxdatetime": Signature((), DT),
    "round": Signature((N,), N),
    "floor": Signature((N,), N),
    "ceiling": Signature((N,), N),
    "geo.distance": Signature((G, G), N),
    "geo.length": Signature((G,), N),
    "geo.intersects": Signature((G, G), B),
    "st_relate": Signature((G, G, S), B),
    **{name: Signature((G, G), B) for name in _GEO_PREDICATES},
}

CONSTANT_FUNCTIONS = frozenset({"now", "mindatetime", "maxdatetime"})


DYNAMIC = frozenset({"json", "result"})
_ACCEPTS = {
    "string": {"string", "json", "result", "null"},
    "number": {"number", "json", "result", "null"},
    "bool": {"bool", "json", "result", "null"},
    "datetime": {"datetime", "interval", "null"},
    "geometry": {"geometry", "null"},
}


def comparison_type(left: str, right: str) -> str | None:
    """The type both sides of a comparison are compared as; None when incomparable.

    JSON values (``properties/x``, ``result``) take the type of the other side; two JSON
    values compare as numbers when one is a result, else as strings. A date compares
    with a date-time only as a literal (promoted to midnight UTC, by the caller).
    """
    if left in DYNAMIC and right in DYNAMIC:
        return "number" if "result" in (left, right) else "string"
    if left in DYNAMIC or right in DYNAMIC:
        other = right if left in DYNAMIC else left
        return other if other in ("string", "number", "bool") else None
    times = {"interval", "datetime"}
    if left in times and right in times:
        return "datetime"
    if {left, right} <= times | {"date"} and "date" in (left, right) and left != right:
        return "datetime"
    if left == right and left in ("string", "number", "bool", "date", "time", "duration"):
        return left
    return None


def accepts(wanted: str, actual: str) -> bool:
    """Whether a function argument of static type ``actual`` fits ``wanted``."""
    return actual in _ACCEPTS.get(wanted, {wanted, "null"})


def arithmetic_type(op: str, left: str, right: str) -> str | None:
    """The result type of ``left op right``; None when not defined."""
    num = {"number", "json", "result", "null"}
    if left in num and right in num:
        return "number"
    times = {"datetime", "interval"}
    if op in ("add", "sub") and left in times and right == "duration":
        return "datetime"
    if op == "add" and left == "duration" and right in times:
        return "datetime"
    if op in ("add", "sub") and left == right == "duration":
        return "duration"
    return None

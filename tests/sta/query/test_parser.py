"""The $filter parser: precedence, literals, functions and error messages."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

import pytest
import shapely

from cityops.errors import InvalidQuery
from cityops.sta.query import evaluate, parse_filter
from cityops.sta.query.ast import BinOp, Call, Lit, Not, Path


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 add 2 mul 3", 7),
        ("(1 add 2) mul 3", 9),
        ("10 sub 4 sub 3", 3),
        ("2 mul 3 mod 4", 2),
        ("-2 add 5", 3),
        ("- (2 add 5)", -7),
        ("1 add 1 eq 2", True),
        ("1 lt 2 eq true", True),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("not false and false", False),
        ("not 1 eq 2", True),
        ("not (1 eq 1) or true", True),
        ("1.5e2 eq 150", True),
        ("7 div 2 eq 3.5", True),
        ("-7 mod 3 eq -1", True),
        ("'it''s' eq concat('it', '''s')", True),
        ("length('Thái') eq 4", True),
    ],
)
def test_precedence_and_values(text: str, value: object) -> None:
    assert evaluate(parse_filter(text)) == value


def test_tree_shape() -> None:
    node = parse_filter("a eq 1 or b eq 2 and not c eq 3")
    assert isinstance(node, BinOp) and node.op == "or"
    assert isinstance(node.right, BinOp) and node.right.op == "and"
    assert isinstance(node.right.right, Not)
    path = parse_filter("Datastream/ObservedProperty/name eq 'x'").left  # type: ignore[union-attr]
    assert path == Path(("Datastream", "ObservedProperty", "name"), 0)


@pytest.mark.parametrize(
    ("text", "expected", "typ"),
    [
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC), "datetime"),
        ("2024-01-01T07:00:00+07:00", datetime(2024, 1, 1, tzinfo=UTC), "datetime"),
        (
            "2024-01-01T00:00:00.123456789-03:30",
            datetime(2024, 1, 1, 0, 0, 0, 123456, tzinfo=timezone(-timedelta(hours=3, minutes=30))),
            "datetime",
        ),
        ("2024-01-01T10:15Z", datetime(2024, 1, 1, 10, 15, tzinfo=UTC), "datetime"),
        ("2024-02-29", date(2024, 2, 29), "date"),
        ("12:30:15.5", time(12, 30, 15, 500000), "time"),
        ("duration'P1DT2H'", timedelta(days=1, hours=2), "duration"),
        ("duration'-PT0.5S'", timedelta(seconds=-0.5), "duration"),
        ("42", 42, "number"),
        ("-4.25", -4.25, "number"),
        ("null", None, "null"),
    ],
)
def test_literals(text: str, expected: object, typ: str) -> None:
    node = parse_filter(text)
    assert isinstance(node, Lit) and node.type == typ and node.value == expected


def test_geometry_literals() -> None:
    node = parse_filter("geography'POINT(1 2)'")
    assert isinstance(node, Lit) and node.value.equals(shapely.Point(1, 2))
    node = parse_filter("geometry'SRID=4326;POLYGON((0 0,1 0,1 1,0 0))'")
    assert isinstance(node, Lit) and node.type == "geometry"


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("phenomenonTime gt 2024-01-01T00:00:00-0700", "UTC offset"),
        ("phenomenonTime gt 2024-01-01T00:00:00", "UTC offset"),
        ("phenomenonTime gt 2024-13-01T00:00:00Z", "invalid date-time"),
        ("name eq 'open", "unterminated string"),
        ("name eq", "end of input"),
        ("name eq 1 2", "unexpected '2'"),
        ("name eq 1)", "unexpected ')'"),
        ("(name eq 1", "expected ')'"),
        ("frobnicate(name)", "unknown function 'frobnicate'"),
        ("substring(name)", "takes 2 or 3 argument(s), got 1"),
        ("now(1)", "takes 0 argument(s)"),
        ("geography'POINT(1)'", "invalid WKT"),
        ("geography'POLYGON((0 0, 1 1'", "invalid WKT"),
        ("duration'P1Y'", "invalid duration"),
        ("name eq #", "unexpected character '#'"),
        ("name EQ 'x'", "unexpected 'EQ'"),
        ("", "empty"),
        ("(" * 200 + "1" + ")" * 200, "nested too deeply"),
    ],
)
def test_errors_point_at_the_token(text: str, fragment: str) -> None:
    with pytest.raises(InvalidQuery) as info:
        parse_filter(text)
    assert fragment in info.value.message


def test_error_position() -> None:
    with pytest.raises(InvalidQuery) as info:
        parse_filter("name eq 'x' and and")
    assert "unexpected 'and' at position 16" in info.value.message


def test_all_functions_parse() -> None:
    node = parse_filter("st_relate(location, geography'POINT(1 2)', 'T********')")
    assert isinstance(node, Call) and node.name == "st_relate" and len(node.args) == 3
    assert isinstance(parse_filter("geo.distance(location, geography'POINT(1 2)') lt 1"), BinOp)

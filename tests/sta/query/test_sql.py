"""Every operator and function, run on SQLite and PostgreSQL, and checked against the
Python evaluator on the same data."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from cityops.sta.query import evaluate, parse_filter
from tests.sta.query import fixed
from tests.sta.query.data import entities, insert, query


@pytest.fixture
def data(engine: Engine) -> Engine:
    insert(engine, fixed.dataset())
    return engine


def _evaluated(set_name: str, text: str) -> list[int]:
    node = parse_filter(text)
    return [e["@iot.id"] for e in entities(fixed.dataset(), set_name) if evaluate(node, e) is True]


@pytest.mark.parametrize(("text", "expected"), fixed.OBSERVATION_CASES)
def test_observation_filter(data: Engine, text: str, expected: list[int]) -> None:
    assert query(data, "Observations", {"$filter": text}) == expected
    assert _evaluated("Observations", text) == expected


@pytest.mark.parametrize(("text", "expected"), fixed.THING_CASES)
def test_thing_filter(data: Engine, text: str, expected: list[int]) -> None:
    assert query(data, "Things", {"$filter": text}) == expected
    assert _evaluated("Things", text) == expected


@pytest.mark.parametrize(
    ("set_name", "orderby", "expected"),
    [
        ("Things", "name", [4, 1, 3, 2]),
        ("Things", "name DESC", [2, 3, 1, 4]),
        ("Things", "properties/level desc", [2, 1, 3, 4]),
        ("Things", "properties/level", [3, 4, 1, 2]),
        ("Observations", "phenomenonTime desc", [6, 5, 4, 3, 2, 1, 7]),
        ("Observations", "phenomenonTime", [7, 1, 2, 3, 4, 5, 6]),
        ("Observations", "resultTime asc", [1, 2, 3, 5, 6, 7, 4]),
        ("Observations", "resultTime desc", [4, 1, 2, 3, 5, 6, 7]),
        ("Observations", "Datastream/name desc, result Desc", [3, 2, 1, 4, 5, 7, 6]),
        ("Observations", "year(phenomenonTime) desc, id desc", [6, 5, 4, 3, 2, 1, 7]),
    ],
)
def test_orderby(data: Engine, set_name: str, orderby: str, expected: list[int]) -> None:
    assert query(data, set_name, {"$orderby": orderby}) == expected


@pytest.mark.parametrize(
    "text",
    [
        "substring(name, 1e300) eq 'x'",
        "substring(name, 0, 1e300) eq 'x'",
        "substring(name, -5, -5) eq ''",
        "length(name) div 0 eq 1",
        "length(name) mod 0 eq 1",
        "properties/level div (properties/level sub properties/level) eq 1",
        "st_within(Locations/location, geography'POINT EMPTY')",
        "geo.distance(Locations/location, geography'POINT(1 1)') gt 1e300",
    ],
)
def test_no_database_errors(data: Engine, text: str) -> None:
    ids = query(data, "Things", {"$filter": text})
    assert ids == _evaluated("Things", text)

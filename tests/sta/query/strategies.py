"""Hypothesis strategies: random Things/Observations data and random well-typed filters."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from hypothesis import strategies as st

from tests.sta.query.data import (
    UTC,
    Dataset,
    datastream_row,
    iso,
    observation_row,
    point_location,
    thing_row,
)

BASE = datetime(2024, 1, 1, tzinfo=UTC)
ALPHABET = "aAbBýÝ '"
texts = st.text(alphabet=ALPHABET, max_size=5)
halves = st.integers(-20, 20).map(lambda n: n / 2)
numbers = st.one_of(st.integers(-10, 10), halves)
hours = st.integers(0, 72)


def _q(s: str) -> str:
    return "'" + s.replace("'", "''") + "'"


@st.composite
def datasets(draw: Any) -> Dataset:
    data = Dataset()
    n_things = draw(st.integers(1, 5))
    lid = did = oid = 0
    for tid in range(1, n_things + 1):
        props = draw(
            st.one_of(
                st.none(),
                st.fixed_dictionaries(
                    {},
                    optional={
                        "code": st.one_of(texts, st.integers(0, 5)),
                        "level": numbers,
                        "active": st.booleans(),
                    },
                ),
            )
        )
        data.things.append(thing_row(tid, draw(texts), props))
        for _ in range(draw(st.integers(0, 2))):
            lid += 1
            x, y = draw(st.integers(0, 10)), draw(st.integers(0, 10))
            data.locations.append(point_location(lid, draw(texts), x, y))
            data.thing_locations.append((tid, lid))
        for _ in range(draw(st.integers(0, 2))):
            did += 1
            data.datastreams.append(
                datastream_row(did, tid, draw(texts), draw(st.sampled_from([1, 2])))
            )
            for _ in range(draw(st.integers(0, 3))):
                oid += 1
                start = BASE + timedelta(hours=draw(hours), minutes=draw(st.sampled_from([0, 30])))
                end = draw(
                    st.one_of(st.none(), hours.map(lambda h, s=start: s + timedelta(hours=h)))
                )
                rt = draw(st.one_of(st.none(), st.just(start)))
                result = draw(st.one_of(numbers, texts, st.booleans(), st.none()))
                params = draw(
                    st.one_of(st.none(), st.fixed_dictionaries({"x": st.integers(-5, 5)}))
                )
                data.observations.append(observation_row(oid, did, start, result, end, rt, params))
    return data


def _datetime_literals() -> Any:
    return st.builds(
        lambda h, m, off: iso_with_offset(BASE + timedelta(hours=h, minutes=m), off),
        hours,
        st.sampled_from([0, 15, 30]),
        st.sampled_from([0, 7, -3]),
    )


def iso_with_offset(t: datetime, offset_hours: int) -> str:
    if offset_hours == 0:
        return iso(t)
    from datetime import timezone

    return t.astimezone(timezone(timedelta(hours=offset_hours))).isoformat()


THING_NUM = ["properties/level", "properties/code", "length(name)", "indexof(name, 'a')", "id"]
THING_STR = [
    "name",
    "properties/code",
    "tolower(name)",
    "toupper(name)",
    "trim(name)",
    "substring(name, 1)",
    "substring(name, 1, 2)",
    "concat(name, 'b')",
]
OBS_NUM = [
    "result",
    "parameters/x",
    "Datastream/Thing/properties/level",
    "id",
    "year(phenomenonTime)",
    "hour(phenomenonTime)",
    "day(phenomenonTime)",
    "minute(phenomenonTime)",
    "Datastream/@iot.id",
]
OBS_STR = [
    "result",
    "Datastream/name",
    "Datastream/Thing/name",
    "Datastream/ObservedProperty/name",
    "tolower(Datastream/name)",
]


def num_exprs(leaves: list[str]) -> Any:
    base = st.one_of(st.sampled_from(leaves), numbers.map(str))
    return st.recursive(
        base,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["add", "sub", "mul", "div"]), inner).map(
                lambda t: f"({t[0]} {t[1]} {t[2]})"
            ),
            st.tuples(st.sampled_from(leaves), st.sampled_from([2, 3, -4])).map(
                lambda t: f"({t[0]} mod {t[1]})"
            ),
            st.tuples(st.sampled_from(["round", "floor", "ceiling"]), inner).map(
                lambda t: f"{t[0]}({t[1]})"
            ),
            inner.map(lambda e: f"-{e}" if e.startswith("(") else f"-({e})"),
        ),
        max_leaves=4,
    )


def str_exprs(leaves: list[str]) -> Any:
    return st.one_of(st.sampled_from(leaves), texts.map(_q))


CMP = st.sampled_from(["eq", "ne", "gt", "ge", "lt", "le"])


def _cmp(a: Any, b: Any) -> Any:
    return st.tuples(a, CMP, b).map(lambda t: f"{t[0]} {t[1]} {t[2]}")


def _null(leaves: list[str]) -> Any:
    return st.tuples(st.sampled_from(leaves), st.sampled_from(["eq", "ne"])).map(
        lambda t: f"{t[0]} {t[1]} null"
    )


def _string_fn(leaves: list[str]) -> Any:
    return st.tuples(
        st.sampled_from(["startswith", "endswith", "substringof"]),
        str_exprs(leaves),
        str_exprs(leaves),
    ).map(lambda t: f"{t[0]}({t[1]}, {t[2]})")


def _rect() -> Any:
    def make(x: int, y: int, w: int, h: int) -> str:
        return f"geography'POLYGON(({x} {y}, {x + w} {y}, {x + w} {y + h}, {x} {y + h}, {x} {y}))'"

    return st.builds(
        make, st.integers(-1, 10), st.integers(-1, 10), st.integers(1, 6), st.integers(1, 6)
    )


def thing_atoms() -> Any:
    geo = st.tuples(st.sampled_from(["st_within", "st_intersects", "st_disjoint"]), _rect()).map(
        lambda t: f"{t[0]}(Locations/location, {t[1]})"
    )
    return st.one_of(
        _cmp(num_exprs(THING_NUM), num_exprs(THING_NUM)),
        _cmp(str_exprs(THING_STR), str_exprs(THING_STR)),
        _null(["properties/level", "properties/code", "properties", "properties/active"]),
        _string_fn(THING_STR),
        st.sampled_from(["properties/active", "properties/active eq false"]),
        geo,
        st.tuples(_rect(), st.integers(0, 4)).map(
            lambda t: f"geo.distance(Locations/location, geography'POINT(5 5)') lt {t[1]}"
        ),
        _cmp(st.just("Locations/name"), str_exprs(["name"] + THING_STR[:1])),
        _cmp(st.just("Datastreams/name"), texts.map(_q)),
        _cmp(st.just("Datastreams/Observations/result"), numbers.map(str)),
        _cmp(st.just("Datastreams/Observations/phenomenonTime"), _datetime_literals()),
    )


def observation_atoms() -> Any:
    return st.one_of(
        _cmp(num_exprs(OBS_NUM), num_exprs(OBS_NUM)),
        _cmp(str_exprs(OBS_STR), str_exprs(OBS_STR)),
        _cmp(st.sampled_from(["phenomenonTime", "resultTime"]), _datetime_literals()),
        _cmp(_datetime_literals(), st.just("phenomenonTime")),
        _cmp(st.just("phenomenonTime add duration'PT6H'"), _datetime_literals()),
        _cmp(st.just("date(phenomenonTime)"), st.sampled_from(["2024-01-01", "2024-01-02"])),
        _null(["result", "resultTime", "parameters/x", "Datastream/Thing/properties"]),
        st.sampled_from(["result eq true", "result eq false", "result ne true"]),
        _string_fn(OBS_STR),
    )


def filters(atoms: Any) -> Any:
    return st.recursive(
        atoms,
        lambda inner: st.one_of(
            st.tuples(inner, st.sampled_from(["and", "or"]), inner).map(
                lambda t: f"({t[0]}) {t[1]} ({t[2]})"
            ),
            inner.map(lambda e: f"not ({e})"),
        ),
        max_leaves=4,
    )

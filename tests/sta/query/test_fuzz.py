"""Whatever the query string, parsing and compiling raise nothing but InvalidQuery
(400) or NotImplementedOption (501)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql, sqlite

from cityops.datamodel.entities import entity
from cityops.errors import InvalidQuery, NotImplementedOption
from cityops.sta.query import compile_filter, compile_orderby, parse_options, validate_options

FRAGMENTS = [
    "name",
    "result",
    "phenomenonTime",
    "properties/a",
    "Datastream/name",
    "Locations/location",
    "Datastreams/Observations/result",
    "Thing/Locations/location",
    "@iot.id",
    "id",
    "eq",
    "ne",
    "gt",
    "lt",
    "and",
    "or",
    "not",
    "add",
    "sub",
    "mul",
    "div",
    "mod",
    "(",
    ")",
    ",",
    "/",
    "-",
    "'x'",
    "'it''s'",
    "'",
    "1",
    "-2.5",
    "1e400",
    "1e5",
    "true",
    "null",
    "2024-01-01T00:00:00Z",
    "2024-01-01T00:00:00-0700",
    "2024-02-30",
    "25:00",
    "duration'P1D'",
    "duration'PX'",
    "geography'POINT(1 2)'",
    "geography'POLYGON((0 0, 1 0, 1 1, 0 0))'",
    "geometry'LINESTRING'",
    "substringof(",
    "st_within(",
    "st_relate(",
    "geo.distance(",
    "year(",
    "now()",
    "round(",
    "substring(",
    "concat(",
    "date(",
    "time(",
    "mindatetime()",
    "asc",
    "desc",
    "$",
    ";",
    "=",
    "$top=1",
    "$filter=",
    "$expand=",
    "Observations(",
    "Datastreams",
    "unknown",
    "é",
    "\x00",
]
soup = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join)
anything = st.one_of(soup, st.text(max_size=40))
OPTIONS = [
    "$filter",
    "$orderby",
    "$top",
    "$skip",
    "$count",
    "$select",
    "$expand",
    "$resultFormat",
    "$search",
    "$Filter",
    "other",
]


def _compile(params: dict[str, str]) -> None:
    opts = parse_options(params, default_top=10, max_top=100)
    for name in ("Things", "Observations", "Locations"):
        et = entity(name)
        try:
            validate_options(opts, et)
        except InvalidQuery:
            continue
        for dialect in (sqlite.dialect(), postgresql.dialect()):
            if opts.filter is not None:
                compile_filter(opts.filter, et, et.table, None).compile(dialect=dialect)
            for key in compile_orderby(opts.orderby, et, et.table, None):
                key.compile(dialect=dialect)


@settings(max_examples=1500, deadline=None)
@given(st.dictionaries(st.sampled_from(OPTIONS), anything, max_size=3))
def test_only_query_errors(params: dict[str, str]) -> None:
    try:
        _compile(params)
    except (InvalidQuery, NotImplementedOption):
        pass


@settings(max_examples=500, deadline=None)
@given(soup, soup)
def test_expand_nesting_only_query_errors(inner: str, filt: str) -> None:
    try:
        _compile({"$expand": f"Datastreams($filter={filt};$expand=Observations({inner}))"})
    except (InvalidQuery, NotImplementedOption):
        pass

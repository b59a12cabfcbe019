"""CreateObservations' column-wise fast path (ingest/dataarray.py ``parse_plain_columns``)
against the general row-by-row parser: the same ObservationIn for every plain body,
"not plain" (None) for every other one, and through HTTP the same answers and stored rows
on both databases, for good and bad bodies."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from cityops.api.sta import bulk
from cityops.ingest.dataarray import parse_create_observations, parse_plain_columns
from cityops.limits import check_json
from cityops.store import schema as s
from tests.api.sta_fixtures import admin_headers, make_world

PT, R, RT = "phenomenonTime", "result", "resultTime"


def group(rows: list[Any], components: list[str] | None = None, ds: Any = 1) -> dict[str, Any]:
    return {"Datastream": ds, "components": components or [PT, R], "dataArray": rows}


PLAIN: list[Any] = [
    [],
    [group([])],
    [group([["2024-01-01T00:00:00Z", 1.5], ["2024-01-01T00:10:00Z", 2.25]])],
    [group([["2024-01-01T07:00:00+07:00", 3], ["2024-01-01T00:00:00.123456-03:30", -(2**40)]])],
    [
        group(
            [
                ["2024-01-01T00:00Z", "dry"],
                ["2024-01-01T00:00:00.5Z", True],
                ["2024-01-01T00:00:00Z", None],
            ]
        )
    ],
    [
        group([[1.0, "2024-01-01T00:00:00Z", "2024-01-01T00:05:00Z"]], [R, PT, RT], {"@iot.id": 1}),
        group([["2024-01-01T00:00:00Z", 7, None, 5]], [PT, R, RT, "id"], 2),
    ],
]
NOT_PLAIN: list[Any] = [
    {},
    "x",
    [1],
    [group([["2024-01-01T00:00:00Z", 1]], ds="1")],  # a digit string: the general path
    [group([["2024-01-01T00:00:00Z", 1]], ds=True)],
    [group([["2024-01-01T00:00:00Z", 1]], ds={"@iot.id": 1, "name": "x"})],
    [dict(group([["2024-01-01T00:00:00Z", 1]]), extra=[[[[]]]])],
    [group([[1]], [R])],  # phenomenonTime missing: now()
    [group([["2024-01-01T00:00:00Z", 1]], [PT, R, "parameters"])],
    [group([["2024-01-01T00:00:00Z", 1]], [PT, PT])],
    [group([["2024-01-01T00:00:00Z"]])],  # a short row
    [group([("2024-01-01T00:00:00Z", 1)])],
    [group([["2024-01-01T00:00:00", 1]])],  # no offset
    [group([["2024-01-01T00:00:00+0700", 1]])],
    [group([["2024-02-30T00:00:00Z", 1]])],  # no such day
    [group([["2024-01-01T00:00:00Z/2024-01-01T01:00:00Z", 1]])],  # an interval
    [group([["0100-01-01T00:00:00Z", 1]])],  # outside min_year..max_year
    [group([["9000-01-01T00:00:00Z", 1]])],
    [group([["2024-01-01T00:00:00.1234567Z", 1]])],  # beyond microseconds
    [group([[None, 1]])],
    [group([["2024-01-01T00:00:00Z", {"a": 1}]])],
    [group([["2024-01-01T00:00:00Z", [1]]])],
    [group([["2024-01-01T00:00:00Z", "a\x00b"]])],
    [group([["2024-01-01T00:00:00Z", 2**70]])],
    [group([["2024-01-01T00:00:00Z", 1, 5]], [PT, R, RT])],  # resultTime not a time
    [group([["2024-01-01T00:00:00Z", 1]]), [1]],
]


@pytest.mark.parametrize("body", PLAIN)
def test_plain_bodies_parse_as_the_general_parser_does(body):
    check_json(body)  # a plain body would pass the general path's checks
    assert parse_plain_columns(body) == parse_create_observations(body)


@pytest.mark.parametrize("body", NOT_PLAIN)
def test_other_bodies_are_left_to_the_general_parser(body):
    assert parse_plain_columns(body) is None


def test_plain_when_the_depth_limit_allows_only():
    from cityops import limits

    saved = limits.current()
    limits._current = limits.InputLimits(3, saved.min_year, saved.max_year)
    try:
        assert parse_plain_columns(PLAIN[2]) is None
    finally:
        limits._current = saved


def _bodies(ds: int) -> list[Any]:
    """Plain and not plain, good and bad, for Datastream ``ds``."""
    out: list[Any] = []
    for body in PLAIN[1:] + NOT_PLAIN:
        if body in ([group([[1]], [R])], [group([[None, 1]])]):
            continue  # stored at now(): the times differ, whichever path
        if isinstance(body, list):
            body = [dict(g, Datastream={"@iot.id": ds}) if isinstance(g, dict) else g for g in body]
        out.append(body)
    return [*out, [group([["2024-01-01T00:00:00Z", 1.0]], ds=999999)]]


def _rows(store: Any, after: int) -> list[dict[str, Any]]:
    o = s.observations
    with store.read() as conn:
        got = conn.execute(select(o).where(o.c.id > after).order_by(o.c.id)).mappings()
        return [{k: v for k, v in r.items() if k != "id"} for r in got]


def _last_id(store: Any) -> int:
    o = s.observations
    with store.read() as conn:
        return int(conn.execute(select(o.c.id).order_by(o.c.id.desc()).limit(1)).scalar() or 0)


async def test_same_answers_and_rows_through_http(client, store, monkeypatch):
    h = admin_headers(store)
    ds = (await make_world(client, h))["datastream"]
    real = bulk.parse_plain_columns
    for body in _bodies(ds):
        start = _last_id(store)
        monkeypatch.setattr(bulk, "parse_plain_columns", real)
        a = await client.post("/v1.1/CreateObservations", json=body, headers=h)
        middle = _last_id(store)
        monkeypatch.setattr(bulk, "parse_plain_columns", lambda _body: None)
        b = await client.post("/v1.1/CreateObservations", json=body, headers=h)
        assert a.status_code == b.status_code, (body, a.text, b.text)
        fast_rows, general_rows = _rows(store, start), _rows(store, middle)
        assert fast_rows[: len(fast_rows) - len(general_rows)] == general_rows
        if a.status_code == 201:
            shift = _last_id(store) - middle
            links = [x if x == "error" else int(x.rsplit("(", 1)[1][:-1]) for x in a.json()]
            other = [x if x == "error" else int(x.rsplit("(", 1)[1][:-1]) for x in b.json()]
            assert [x if x == "error" else x + shift for x in links] == other
        else:
            assert a.json() == b.json()

"""Differential tests: random filters over random data, SQL (SQLite and PostgreSQL)
against the Python evaluator, which is the reference semantics."""

from __future__ import annotations

from hypothesis import HealthCheck, given, note, settings
from sqlalchemy.engine import Engine

from cityops.sta.query import evaluate, parse_filter
from tests.sta.query import strategies as strat
from tests.sta.query.data import Dataset, entities, insert, query

SETTINGS = settings(
    max_examples=150,
    deadline=None,
    derandomize=False,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _check(engine: Engine, data: Dataset, set_name: str, text: str) -> None:
    note(f"filter: {text}")
    insert(engine, data)
    node = parse_filter(text)
    expected = [e["@iot.id"] for e in entities(data, set_name) if evaluate(node, e) is True]
    assert query(engine, set_name, {"$filter": text}) == expected


@SETTINGS
@given(data=strat.datasets(), text=strat.filters(strat.thing_atoms()))
def test_things(engine: Engine, data: Dataset, text: str) -> None:
    _check(engine, data, "Things", text)


@SETTINGS
@given(data=strat.datasets(), text=strat.filters(strat.observation_atoms()))
def test_observations(engine: Engine, data: Dataset, text: str) -> None:
    _check(engine, data, "Observations", text)

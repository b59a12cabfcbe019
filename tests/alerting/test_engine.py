"""Incremental evaluation through the real ingest path (store_observations -> commit ->
engine -> incidents), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cityops.alerting.engine import Engine
from cityops.store import schema as s
from cityops.store.base import Store

from .support import (
    T0,
    add_rule,
    incidents,
    ingest,
    ingest_at,
    make_datastream,
    river_rule,
    timeline,
)


@pytest.fixture
def engine(store: Store) -> Iterator[Engine]:
    eng = Engine(store, refresh_interval=0.2, clock_interval=0)  # ticks by engine.tick()
    eng.start()
    yield eng
    eng.stop()


def test_danger_opens_and_falling_below_warning_resolves(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds, cooldown=7200))
    ingest(store, ds, [10.0, 12.5])
    assert engine.flush()
    [inc] = incidents(store)
    assert (inc.state, inc.level_name, inc.severity) == ("open", "danger", "Severe")
    assert inc.opened_at == T0 + timedelta(hours=1)  # observation time, not wall time
    ingest(store, ds, [11.5, 10.0], start=T0 + timedelta(hours=2))
    assert engine.flush()
    [inc] = incidents(store)  # condition cleared: the cool-down runs
    assert inc.state == "open" and inc.cleared_at == T0 + timedelta(hours=3)
    ingest(store, ds, [10.0, 10.1], start=T0 + timedelta(hours=4))
    assert engine.flush()
    [inc] = incidents(store)
    assert (inc.state, inc.level_name, inc.max_level_name) == ("resolved", "warning", "danger")
    assert (inc.peak_value, inc.readings) == (12.5, 2)  # its peak, not its last level
    assert inc.resolved_at == T0 + timedelta(hours=5)
    kinds = [e.kind for e in timeline(store, inc.id)]
    assert kinds == ["opened", "deescalated", "cleared", "resolved"]


def test_a_dip_within_the_cool_down_continues_the_incident(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds))  # river default: 3 days
    for i, v in enumerate([11.5, 12.2, 10.0, 10.2, 12.4, 12.1]):
        ingest(store, ds, [v], start=T0 + timedelta(hours=6 * i))
        assert engine.flush()
    [inc] = incidents(store)
    assert (inc.state, inc.oscillations, inc.peak_value, inc.cleared_at) == ("open", 1, 12.4, None)
    kinds = [e.kind for e in timeline(store, inc.id)]
    assert kinds == ["opened", "escalated", "cleared", "recurred"]


def test_an_acknowledged_incident_is_never_closed_by_the_system(
    store: Store, engine: Engine
) -> None:
    from cityops.alerting import operations

    ds = make_datastream(store)
    add_rule(store, **river_rule(ds, cooldown=0))
    ingest(store, ds, [12.2])
    assert engine.flush()
    [inc] = incidents(store)
    store.write_sync(
        lambda tx: operations.act(
            tx, inc.id, _operator(), "acknowledge", operations.acknowledge(None)
        )
    )
    ingest(store, ds, [9.0] * 10, start=T0 + timedelta(hours=1))
    assert engine.flush()
    [inc] = incidents(store)
    assert (inc.state, inc.acknowledged_by) == ("acknowledged", "duty")
    assert inc.cleared_at == T0 + timedelta(hours=1)  # "condition cleared", waits


def _operator() -> Any:
    from cityops.auth.principal import Principal, Role

    return Principal(name="duty", role=Role.ADMIN)


def test_escalate_and_deescalate_one_incident(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds, auto_resolve=False))
    for i, v in enumerate([11.2, 12.3, 11.4, 12.1, 9.0, 12.5]):
        ingest(store, ds, [v], start=T0 + timedelta(hours=i))
        assert engine.flush()
    [inc] = incidents(store)  # auto_resolve off: below warning keeps it open
    assert inc.state == "open" and inc.level_name == "danger"
    kinds = [(e.kind, e.to_value) for e in timeline(store, inc.id)]
    assert kinds == [
        ("opened", "warning"),
        ("escalated", "danger"),
        ("deescalated", "warning"),
        ("escalated", "danger"),
    ]


def test_one_open_incident_per_rule_and_subject(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds))
    for i in range(5):
        ingest(store, ds, [12.0 + i / 10, 12.0], start=T0 + timedelta(hours=2 * i))
    assert engine.flush()
    assert len(incidents(store)) == 1
    rid = incidents(store)[0].rule_id
    with pytest.raises(IntegrityError):  # the database refuses a second open incident too
        store.write_sync(
            lambda tx: tx.conn.execute(
                s.incidents.insert().values(
                    rule_id=rid,
                    subject=f"station-{ds}",
                    state="open",
                    level=1,
                    level_name="warning",
                    severity="Moderate",
                    max_level=1,
                    max_level_name="warning",
                    max_level_at=T0,
                    opened_at=T0,
                    updated_at=T0,
                )
            )
        )


def test_out_of_order_nan_and_gaps_do_not_crash(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds))
    ingest_at(store, ds, [(T0 + timedelta(days=3), 10.0), (T0, 12.5)])  # out of order
    ingest(store, ds, [float("nan")], start=T0 + timedelta(days=4))
    ingest(store, ds, [12.2], start=T0 + timedelta(days=40))  # a long gap
    ingest(store, ds, [12.9], start=T0 + timedelta(days=2))  # late
    assert engine.flush()
    assert engine.stats["rule_errors"] == 0 and engine.stats["cycle_errors"] == 0
    [inc] = [i for i in incidents(store) if i.state == "open"]
    assert inc.opened_at == T0 + timedelta(days=40)


def test_a_failing_rule_is_counted_and_others_still_run(
    store: Store, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds, name="bad"))
    add_rule(store, **river_rule(ds, name="good"))
    engine.flush()
    bad = next(a for a in engine.rules.values() if a.name == "bad")

    def boom(*args: object, **kw: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(bad.rule, "levels", boom)
    ids = ingest(store, ds, [12.5])
    assert ids and engine.flush()
    assert engine.stats["rule_errors"] == 1 and "bad" in engine.errors
    assert [i.subject for i in incidents(store)] == [f"station-{ds}"]


def test_heat_index_written_to_its_own_datastream(store: Store, engine: Engine) -> None:
    temp = make_datastream(store, unit="Cel", name="temperature")
    hum = make_datastream(store, unit="%", name="humidity")
    out = make_datastream(store, unit="Cel", name="heat index")
    add_rule(
        store,
        name="heat",
        type="heat_index",
        unit="Cel",
        output=out,
        inputs={"temperature": temp, "humidity": hum},
        levels={"caution": 26.7, "extreme caution": 32.2, "danger": 39.4},
    )
    add_rule(
        store,
        name="heat-watch",
        type="river_level",
        unit="Cel",
        inputs={"level": out},
        levels={"hot": 40.0},
    )  # alerting on the derived stream
    ingest(store, hum, [70.0], start=T0)
    ingest(store, temp, [35.0], start=T0 + timedelta(minutes=5))
    assert engine.flush()
    o = s.observations
    with store.read() as conn:
        rows = conn.execute(
            select(o.c.result_number, o.c.phenomenon_time_start).where(o.c.datastream_id == out)
        ).all()
    # NWS: 95 °F at 70 % is about 124 °F (51 °C)
    assert len(rows) == 1 and 50.0 < rows[0][0] < 52.5
    assert rows[0][1] == T0 + timedelta(minutes=5)
    names = {i.level_name for i in incidents(store)}
    assert names == {"danger", "hot"}


def _quality_rule(ds: int, **config: Any) -> dict[str, Any]:
    return {
        "name": "gauge health",
        "type": "data_quality",
        "subject": f"station-{ds}",
        "inputs": {"value": ds},
        "unit": "m",
        "cooldown": 0,  # these tests are about the clock, not the cool-down
        **config,
    }


def test_a_sensor_that_stops_sending_opens_a_suspect_incident_on_the_clock(
    store: Store, engine: Engine
) -> None:
    ds = make_datastream(store)
    add_rule(store, **_quality_rule(ds, max_gap=3600))
    ingest(store, ds, [5.0, 5.1])  # T0, T0 + 1 h: then nothing
    assert engine.flush()
    assert incidents(store) == []  # no new data: only the clock can tell
    engine.tick(now=(T0 + timedelta(hours=1, minutes=30)).timestamp())
    assert engine.flush()
    assert incidents(store) == []  # 30 min without data: within max_gap
    engine.tick(now=(T0 + timedelta(hours=3)).timestamp())
    assert engine.flush()
    [inc] = incidents(store)
    assert (inc.state, inc.level_name) == ("open", "suspect")
    assert inc.opened_at == T0 + timedelta(hours=3)  # when the clock saw it
    # the sensor comes back: its first reading follows a gap (still suspect), the next
    # one is normal and resolves the incident; the clock then changes nothing
    ingest(
        store, ds, [5.2, 5.3], start=T0 + timedelta(hours=3, minutes=10), step=timedelta(minutes=10)
    )
    assert engine.flush()
    engine.tick(now=(T0 + timedelta(hours=3, minutes=30)).timestamp())
    assert engine.flush()
    [inc] = incidents(store)
    assert inc.state == "resolved"
    assert [e.kind for e in timeline(store, inc.id)] == ["opened", "cleared", "resolved"]


def test_the_clock_does_not_skip_readings_that_arrive_later(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **_quality_rule(ds, max_gap=3600, maximum=100.0))
    ingest(store, ds, [5.0])
    assert engine.flush()
    engine.tick(now=(T0 + timedelta(minutes=40)).timestamp())  # all well at T0 + 40 min
    assert engine.flush()
    assert incidents(store) == []
    # a reading taken before that tick, delivered after it, out of range
    ingest(store, ds, [500.0], start=T0 + timedelta(minutes=20))
    assert engine.flush()
    [inc] = incidents(store)
    assert (inc.state, inc.level_name) == ("open", "suspect")
    assert inc.opened_at == T0 + timedelta(minutes=20)


def test_a_sensor_that_never_reported_is_suspect(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **_quality_rule(ds, max_gap=600))
    assert engine.flush()
    engine.tick(now=T0.timestamp())
    assert engine.flush()
    [inc] = incidents(store)
    assert (inc.state, inc.level_name) == ("open", "suspect")


def test_an_engine_lagging_behind_ingest_still_sees_each_batch(store: Store) -> None:
    """The engine evaluates a batch only after later ones were committed (it lags under
    load): seeding the window from the store must not pull in those later observations,
    whose newer times would trim the batch's own crossing out of the window."""
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds))
    lagging = Engine(store, clock_interval=0)
    lagging.reload()  # rules loaded; the thread is not started: we feed it by hand
    events: list[Any] = []
    unsubscribe = store.subscribe(events.extend)
    try:
        ingest(store, ds, [10.0, 12.5, 10.0])  # T0 .. T0 + 2 h: a danger reading
        first_batch = list(events)
        ingest(store, ds, [10.0], start=T0 + timedelta(days=30))  # committed meanwhile
    finally:
        unsubscribe()
    lagging._process(first_batch)
    [inc] = incidents(store)
    assert inc.max_level_name == "danger" and inc.opened_at == T0 + timedelta(hours=1)


def test_the_clock_ends_a_cool_down_when_the_data_stop(store: Store, engine: Engine) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds, cooldown=7200))
    ingest(store, ds, [12.2, 9.0])  # cleared at T0 + 1 h, then the gauge falls silent
    assert engine.flush()
    engine.tick(now=(T0 + timedelta(hours=2)).timestamp())
    assert engine.flush()
    [inc] = incidents(store)
    assert inc.state == "open"  # the cool-down is still running
    engine.tick(now=(T0 + timedelta(hours=3, minutes=5)).timestamp())
    assert engine.flush()
    [inc] = incidents(store)
    assert inc.state == "resolved" and inc.resolved_at == T0 + timedelta(hours=3, minutes=5)

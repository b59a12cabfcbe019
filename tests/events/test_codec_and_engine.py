"""The event log without NATS: messages keep every event intact, and the engine's cluster
entry points (``reown``, ``submit``) evaluate a redelivered batch without a second incident.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from cityops.alerting.engine import Engine
from cityops.events import codec
from cityops.events.bus import InProcessBus
from cityops.events.partitions import home_partition
from cityops.store.base import Store
from cityops.store.writer import Event
from tests.alerting.support import add_rule, incidents, ingest, make_datastream, river_rule

T = datetime(2024, 9, 1, 7, 30, tzinfo=UTC)


def test_an_event_survives_the_wire_with_its_times() -> None:
    rows = [{"id": 1, "phenomenon_time_start": T, "result_json": {"a": [1, "x"]}, "n": None}]
    event = Event("created", "Observation", 7, {"ids": [1], "times": [T], "rows": rows})
    back = codec.decode(codec.encode(event))
    assert back == event
    assert back.data["times"][0].tzinfo is not None


def test_subjects_name_organisation_entity_id_and_partition() -> None:
    event = Event("created", "Observation", 42, {"org_id": 3})
    p = codec.partition_of(42, 16)
    assert codec.subject(event, 16) == f"cityops.ev.3.Observation.42.{p}"
    assert codec.subject(Event("updated", "Thing", 5), 16).startswith("cityops.ev._.Thing.5.")
    assert codec.entity_filter("Observation", p) == f"cityops.ev.*.Observation.*.{p}"
    assert codec.is_forward(codec.forward_subject(42, 1))
    assert not codec.is_forward(codec.subject(event, 16))


def test_partitions_are_stable_and_spread() -> None:
    parts = [codec.partition_of(i, 16) for i in range(1, 1601)]
    assert parts == [codec.partition_of(i, 16) for i in range(1, 1601)]
    counts = [parts.count(p) for p in range(16)]
    assert min(counts) > 50  # 100 each on average: no partition left empty or hot
    assert home_partition({9, 4, 30}, 16) == codec.partition_of(4, 16)


def test_a_large_batch_is_split_with_its_lists_cut_alike() -> None:
    ids = list(range(1200))
    times = [T + timedelta(seconds=i) for i in ids]
    event = Event("created", "Observation", 1, {"ids": ids, "times": times, "public": True})
    pieces = codec.split(event, 500)
    assert [len(p.data["ids"]) for p in pieces] == [500, 500, 200]
    assert [t for p in pieces for t in p.data["times"]] == times
    assert all(p.data["public"] is True for p in pieces)
    assert codec.split(Event("created", "Thing", 1, {"ids": ids}), 500)[0].data["ids"] == ids


def test_in_process_bus_filters_entities(store: Store) -> None:
    bus = InProcessBus(store)
    seen: list[list[Event]] = []
    undo = bus.subscribe(seen.append, entities=("Observation",))
    ds = make_datastream(store)
    ingest(store, ds, [1.0])
    undo()
    assert [e.entity for batch in seen for e in batch] == ["Observation"]


def test_redelivered_batch_after_takeover_opens_no_second_incident(store: Store) -> None:
    """The owner evaluated the crossing and wrote the incident, then died before it
    acknowledged: the next owner gets the same batch again after taking the partition."""
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds))
    batches: list[list[Event]] = []
    unsubscribe = store.subscribe(batches.append)
    ingest(store, ds, [10.0, 12.4, 12.6])
    unsubscribe()
    crossing = [e for b in batches for e in b if e.entity == "Observation"]

    def run_owner() -> list[Any]:
        engine = Engine(store, clock_interval=0)
        engine.owns = lambda a: False
        engine.start(lambda listener: lambda: None)  # the cluster gives it no store events
        try:
            engine.reown(lambda a: True).result(30)
            engine.submit(crossing).result(30)
        finally:
            engine.stop()
        return incidents(store)

    first = run_owner()
    assert [(i.state, i.level_name) for i in first] == [("open", "danger")]
    assert [i.id for i in run_owner()] == [first[0].id]


def test_rules_at_home_elsewhere_are_not_evaluated(store: Store) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds))
    batches: list[list[Event]] = []
    unsubscribe = store.subscribe(batches.append)
    ingest(store, ds, [10.0, 12.4])
    unsubscribe()
    engine = Engine(store, clock_interval=0)
    engine.start(lambda listener: lambda: None)
    try:
        engine.reown(lambda a: False).result(30)
        assert list(engine.catalog.values()) == [frozenset({ds})]  # known, not evaluated
        engine.submit([e for b in batches for e in b]).result(30)
    finally:
        engine.stop()
    assert incidents(store) == []


def test_a_rule_whose_event_has_not_arrived_is_evaluated(store: Store) -> None:
    """On a cluster the Rule event (per node) and the next batch of its datastream (the
    partition's consumer) travel separately: the batch must not miss the new rule."""
    ds = make_datastream(store)
    engine = Engine(store, clock_interval=0)
    engine.start(lambda listener: lambda: None)  # no Rule events reach it
    try:
        engine.reown(lambda a: True).result(30)
        add_rule(store, **river_rule(ds))  # committed on "another node"
        batches: list[list[Event]] = []
        unsubscribe = store.subscribe(batches.append)
        ingest(store, ds, [10.0, 12.4])
        unsubscribe()
        engine.submit([e for b in batches for e in b]).result(30)
    finally:
        engine.stop()
    assert [i.level_name for i in incidents(store)] == ["danger"]

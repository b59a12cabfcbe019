"""``cityops replay --record`` is idempotent: recording the same period twice stores the
same incidents once (issue 17, item 8)."""

from __future__ import annotations

from datetime import timedelta

from cityops.alerting.replay import record, replay
from cityops.store.base import Store

from .support import T0, add_rule, incidents, ingest, make_datastream, river_rule, timeline


def test_replay_record_twice_stores_the_same_incidents(store: Store) -> None:
    ds = make_datastream(store)
    add_rule(store, **river_rule(ds, cooldown=3600))
    ingest(store, ds, [10.0, 11.5, 12.4, 9.0, 9.0, 9.0, 11.2, 9.0, 9.0, 9.0])
    start, end = T0 - timedelta(days=1), T0 + timedelta(days=1)
    first = record(store, replay(store, start, end))
    before = [(r.id, r.opened_at, r.state, r.max_level_name) for r in incidents(store)]
    entries = {r.id: len(timeline(store, r.id)) for r in incidents(store)}
    second = record(store, replay(store, start, end))
    after = [(r.id, r.opened_at, r.state, r.max_level_name) for r in incidents(store)]
    replayed = [r for r in incidents(store) if r.origin == "replay"]
    assert len(first) == 2 and sorted(second) == sorted(first)
    assert after == before and len(replayed) == 2
    assert {r.id: len(timeline(store, r.id)) for r in incidents(store)} == entries

"""Acceptance test of issue 6: the real Pakse record (1960-2025) imported through the
ingest path, warning 11.0 m and danger 12.0 m, replayed.

Expected seasons are computed here from the raw CSV with plain Python.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from cityops.alerting.replay import record, replay
from cityops.auth.principal import SYSTEM
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_observations
from cityops.store import schema as s
from cityops.store.base import Store
from tests.pakse import CSV, LOCAL, expected_danger, read_pakse, season

from .support import add_rule, make_datastream

pytestmark = pytest.mark.skipif(not CSV.exists(), reason="MRC Pakse export not available")
BATCH = 1000  # a CreateObservations-sized request


def _import(store: Store, ds: int, rows: list[tuple[datetime, float]]) -> None:
    for i in range(0, len(rows), BATCH):
        batch = [ObservationIn(ds, t, result_number=v) for t, v in rows[i : i + BATCH]]
        store.write_sync(lambda tx, b=batch: store_observations(tx, b, SYSTEM))


def test_pakse_replay_one_danger_incident_per_season(store: Store) -> None:
    rows = read_pakse()
    ds = make_datastream(store, name="Pakse water level")
    _import(store, ds, rows)
    add_rule(
        store,
        name="pakse-flood",
        type="river_level",
        subject="Pakse",
        inputs={"level": ds},
        levels={"warning": 11.0, "danger": 12.0},
    )
    result = replay(store, datetime(1959, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, tzinfo=UTC))
    assert not result.errors
    expected, peak = expected_danger(rows, timedelta(days=5))  # the river cool-down
    assert {2011, 2018, 2019} <= set(expected)

    got: dict[int, list[date]] = defaultdict(list)
    for r in result.incidents:
        t = r.tracked
        if t.max_level_name == "danger":
            danger_at = datetime.fromtimestamp(t.max_level_at, UTC)
            got[season(danger_at)].append(danger_at.astimezone(LOCAL).date())
            assert t.incident.opened_at <= t.max_level_at
    assert dict(got) == dict(expected)
    opened = {
        season(datetime.fromtimestamp(r.tracked.incident.opened_at, UTC)) for r in result.incidents
    }
    assert not {sn for sn, top in peak.items() if top < 11.0} & opened

    ids = record(store, result)
    i = s.incidents
    with store.read() as conn:
        stored = conn.execute(select(i.c.id).where(i.c.origin == "replay")).scalars().all()
    assert sorted(stored) == sorted(ids) and len(ids) == len(result.incidents)

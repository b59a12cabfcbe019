"""Who is next downstream: stations below a river incident, their expected arrival time and
level, against a hand computation.

Three gauges A -> B -> C on one river, hourly readings from T0 to T0 + 8 h; river_lag rules
A -> B (lag 6 h) and B -> C (lag 4 h).
- A rose from 10.0 m (T0 + 2 h) to 12.0 m (T0 + 8 h): a rise of 2.0 m over one lag.
- B reads 5.5 m now: expected 5.5 + 2.0 = 7.5 m at T0 + 8 h + 6 h = T0 + 14 h: "warning"
  (B's levels: warning 7.0, danger 8.0).
- C reads 3.0 m now: the 2.0 m rise passes on, expected 5.0 m at T0 + 14 h + 4 h = T0 + 18 h:
  "warning" (C's levels: warning 4.5, danger 6.0).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from cityops.alerting.downstream import Reach, for_incident, walk
from cityops.auth.principal import SYSTEM
from cityops.store.base import Store
from tests.alerting.cap_support import add_rule as add_api_rule
from tests.alerting.cap_support import make_world, observe
from tests.alerting.support import T0, add_rule, ingest, make_datastream, river_rule
from tests.helpers import bearer

A = [10.0, 10.0, 10.0, 10.0, 10.2, 10.5, 10.9, 11.4, 12.0]


def _lag_rule(name: str, up: int, down: int, lag_h: float, levels: dict[str, float]) -> Any:
    return {
        "name": name,
        "type": "river_lag",
        "subject": name,
        "inputs": {"upstream": up, "downstream": down},
        "levels": levels,
        "lag": lag_h * 3600,
    }


def _river(store: Store) -> tuple[int, int, int]:
    a, b, c = (make_datastream(store, name=n) for n in ("A", "B", "C"))
    ingest(store, a, A)
    ingest(store, b, [5.0] * 8 + [5.5])
    ingest(store, c, [3.0] * 9)
    add_rule(store, **river_rule(a, name="flood-a"))
    add_rule(store, **_lag_rule("lag-a-b", a, b, 6, {"warning": 7.0, "danger": 8.0}))
    add_rule(store, **_lag_rule("lag-b-c", b, c, 4, {"warning": 4.5, "danger": 6.0}))
    return a, b, c


def test_downstream_stations_with_arrival_and_level(store: Store) -> None:
    a, b, c = _river(store)
    with store.read() as conn:
        found = for_incident(conn, {"rule": "flood-a"}, SYSTEM)
    assert found is not None
    assert [(d["station"], d["from_station"]) for d in found] == [
        ("station B", "station A"),
        ("station C", "station B"),
    ]
    first, second = found
    assert first["arrival"] == T0 + timedelta(hours=14)
    assert first["expected_level"] == 7.5 and first["expected_level_name"] == "warning"
    assert first["current_level"] == 5.5 and first["lag_hours"] == 6.0
    assert first["lag_estimated"] is False and first["unit"] == "m"
    assert second["arrival"] == T0 + timedelta(hours=18)
    assert second["expected_level"] == 5.0 and second["expected_level_name"] == "warning"
    assert (first["lon"], first["lat"]) == (105.8, 15.1)


def test_a_rule_that_is_not_about_a_river_has_no_downstream(store: Store) -> None:
    ds = make_datastream(store, unit="Cel", name="temperature")
    add_rule(
        store,
        name="quality",
        type="data_quality",
        subject="t",
        inputs={"value": ds},
        unit="Cel",
        minimum=-10.0,
        maximum=55.0,
    )
    with store.read() as conn:
        assert for_incident(conn, {"rule": "quality"}, SYSTEM) is None


def test_unknown_lag_is_listed_without_a_guess_and_ends_the_walk() -> None:
    nan = float("nan")
    reaches = [
        Reach("u-d", 1, 2, nan, True, 100.0, 1.0, 4.0, {"warning": 5.0}),
        Reach("d-e", 2, 3, 3600.0, False, 100.0, 1.0, 2.0, {}),
    ]
    [only] = walk(1, reaches)
    assert only["datastream_id"] == 2 and only["arrival"] is None
    assert only["expected_level"] is None and only["lag_hours"] is None


async def test_incident_detail_names_the_next_station_downstream(
    client: httpx.AsyncClient, app: Any, store: Store
) -> None:
    world = make_world(store)
    down = make_datastream(store, org="hanoi", name="downstream")
    ingest(store, down, [3.0] * 3, start=T0 + timedelta(hours=1))
    add_rule(store, **_lag_rule("lag-down", world["ds"], down, 2, {"warning": 4.0}))
    await add_api_rule(client, world)
    await observe(app, store, world, 10.0, 11.0, 12.4)  # T0 + 1, 2, 3 h
    tok = world["tok"]["operator"]
    r = await client.get("/api/incidents", headers=bearer(tok))
    [inc] = [i for i in r.json()["value"] if i["rule"] == "flood"]
    r = await client.get(f"/api/incidents/{inc['id']}", headers=bearer(tok))
    assert r.status_code == 200, r.text
    [nxt] = r.json()["downstream"]
    assert nxt["station"] == "station downstream" and nxt["from_station"] == "station level"
    # rise 12.4 - 10.0 = 2.4 m over the 2 h lag; 3.0 + 2.4 = 5.4 m at T0 + 3 h + 2 h
    assert nxt["expected_level"] == 5.4 and nxt["expected_level_name"] == "warning"
    assert nxt["arrival"].startswith("2025-08-01T05:00:00")

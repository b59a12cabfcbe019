"""The state badge, the incident level and the station list agree (one function); stale
and no-data states are distinct and explained; each value has a trend and its time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import httpx

from cityops.store.base import Store
from cityops.web.stations import datastream_state
from tests.alerting.support import ingest_at
from tests.helpers import bearer

NOW = datetime(2026, 10, 30, 12, 0, tzinfo=UTC)


def _row(value: float | None, age: timedelta | None) -> SimpleNamespace:
    return SimpleNamespace(
        id=7,
        name="PM2.5 at Tam Ky",
        unit_of_measurement={"symbol": "ug/m3"},
        last_result=value,
        last_phenomenon_time=None if age is None else NOW - age,
    )


AQI_RULE = {"id": 1, "name": "aqi-tam-ky", "type": "aqi", "levels": {}}
RIVER = {
    "id": 2,
    "name": "river-tam-ky",
    "type": "river_level",
    "levels": {"Báo động I": 1.7, "Báo động II": 2.2, "Báo động III": 2.7},
}


def test_a_moderate_incident_is_a_warning_not_danger() -> None:
    """Defect: any incident of a rule without raw levels (AQI on its PM2.5 input) made the
    badge "danger" beside a "Moderate" incident."""
    inc = {1: {"id": 9, "level": 1, "level_name": "Moderate", "severity": "Moderate"}}
    ds = datastream_state(_row(30.0, timedelta(minutes=5)), [AQI_RULE], inc, NOW)
    assert ds["state"] == "warning"
    assert ds["level"] == "Moderate" and "Moderate" in ds["reason"]
    severe = {1: {"id": 9, "level": 4, "level_name": "Very Unhealthy", "severity": "Severe"}}
    assert datastream_state(_row(200.0, timedelta(0)), [AQI_RULE], severe, NOW)["state"] == (
        "danger"
    )


def test_value_levels_judged_like_incidents_by_severity() -> None:
    """Level II of three is Severe (as its incident would be): danger, named nationally."""
    row = SimpleNamespace(**{**vars(_row(2.3, timedelta(minutes=1))), "unit_of_measurement": {}})
    ds = datastream_state(row, [RIVER], {}, NOW)
    assert ds["state"] == "danger" and ds["level"] == "Báo động II"
    row.last_result = 1.8
    assert datastream_state(row, [RIVER], {}, NOW)["state"] == "warning"
    inc = {2: {"id": 3, "level": 2, "level_name": "Báo động II", "severity": "Severe"}}
    assert datastream_state(row, [RIVER], inc, NOW)["state"] == "danger"


def test_stale_and_no_data_are_distinct_and_explained() -> None:
    """Defect: a value older than 24 h showed "No data" beside the value."""
    stale = datastream_state(_row(30.0, timedelta(days=2)), [], {}, NOW)
    assert stale["state"] == "stale" and stale["label"] == "Stale"
    assert stale["display"] and "24 h" in stale["reason"]
    never = datastream_state(_row(None, None), [], {}, NOW)
    assert never["state"] == "nodata" and never["label"] == "No data"
    assert "no reading" in never["reason"].lower()
    fresh = datastream_state(_row(30.0, timedelta(minutes=3)), [], {}, NOW)
    assert fresh["state"] == "normal" and fresh["label"] == "Normal"


async def test_station_list_has_trend_and_time(
    client: httpx.AsyncClient, store: Store, city: dict[str, Any]
) -> None:
    op = bearer(city["tok"]["op_a"])
    now = datetime.now(UTC).replace(microsecond=0)
    ingest_at(store, city["ds"], [(now - timedelta(minutes=70), 10.0), (now, 10.4)])
    [st] = (await client.get("/api/web/stations", headers=op)).json()["stations"]
    [ds] = st["datastreams"]
    trend = {
        "direction": "rising",
        "word": "rising",
        "arrow": "↑",
        "change": 0.4,
        "over_minutes": 70,
    }
    assert ds["trend"] == trend
    assert ds["last_time"] is not None and st["label"] == "Normal"
    ingest_at(store, city["ds"], [(now + timedelta(seconds=1), 10.0)])  # back to 10.0
    [st] = (await client.get("/api/web/stations", headers=op)).json()["stations"]
    assert st["datastreams"][0]["trend"]["direction"] == "steady"


def test_state_words_and_reasons_in_the_pages_language() -> None:
    """The badge, the reason (with its CAP severity), the trend and data-quality words
    come from the catalogue in the page's language; the state codes stay as they are."""
    inc = {1: {"id": 9, "level": 1, "level_name": "Moderate", "severity": "Moderate"}}
    trend = {"direction": "rising", "arrow": "↑", "change": 1.0, "over_minutes": 60}
    ds = datastream_state(_row(30.0, timedelta(minutes=5)), [AQI_RULE], inc, NOW, trend, "vi")
    assert ds["state"] == "warning" and ds["label"] == "Cảnh báo"
    assert ds["reason"] == "Sự cố đang mở: Moderate (Trung bình)"  # level name is data
    assert ds["trend"]["word"] == "đang tăng" and ds["trend"]["direction"] == "rising"
    assert ds["quality"] == "ok" and ds["quality_text"] == "tốt"
    stale = datastream_state(_row(30.0, timedelta(days=2)), [], {}, NOW, lang="th")
    assert stale["label"] == "ล้าสมัย" and "24" in stale["reason"]
    assert stale["quality"] == "stale" and stale["quality_text"] == "ล้าสมัย"
    river = SimpleNamespace(**{**vars(_row(1.0, timedelta(minutes=1))), "unit_of_measurement": {}})
    normal = datastream_state(river, [RIVER], {}, NOW, lang="km")
    assert normal["reason"] == "តម្លៃចុងក្រោយធម្មតា (ក្រោម Báo động I, 1.7)"


async def test_station_list_follows_the_callers_language(
    client: httpx.AsyncClient, store: Store, city: dict[str, Any]
) -> None:
    """/api/web/stations speaks the caller's language (Accept-Language for a token)."""
    op = {**bearer(city["tok"]["op_a"]), "Accept-Language": "lo"}
    ingest_at(store, city["ds"], [(datetime.now(UTC), 10.0)])
    [st] = (await client.get("/api/web/stations", headers=op)).json()["stations"]
    assert st["state"] == "normal" and st["label"] == "ປົກກະຕິ"

"""Delivery figures from real stored data: Things and Datastreams made through the
SensorThings service, observations through the ingest path, incidents by the engine."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert, select

from cityops.alerting.engine import Engine
from cityops.auth.principal import ANONYMOUS, SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_observations
from cityops.programmes import parse_iati
from cityops.programmes import store as register
from cityops.programmes.delivery import declared_cadence, delivery
from cityops.sta.create import create_entity
from cityops.store import schema as s
from cityops.store.base import Store
from tests.alerting.support import add_rule, river_rule

T0 = datetime(2025, 8, 1, tzinfo=UTC)
MEASUREMENT = "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement"


def _station(store: Store, name: str, properties: dict[str, Any] | None) -> tuple[int, int]:
    """A Thing with one water-level Datastream; (thing id, datastream id)."""
    body = {
        "name": name,
        "description": "gauge",
        "Locations": [
            {
                "name": name,
                "description": "site",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [108.5, 15.5]},
            }
        ],
        "Datastreams": [
            {
                "name": f"{name} level",
                "description": "stage",
                "properties": properties,
                "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
                "observationType": MEASUREMENT,
                "Sensor": {
                    "name": "gauge",
                    "description": "gauge",
                    "encodingType": "text/plain",
                    "metadata": "none",
                },
                "ObservedProperty": {
                    "name": "level",
                    "definition": "http://example.org/level",
                    "description": "level",
                },
            }
        ],
    }
    if properties is None:
        del body["Datastreams"][0]["properties"]  # type: ignore[attr-defined]

    def job(tx: Any) -> tuple[int, int]:
        thing = create_entity(tx, BY_NAME["Thing"], body, SYSTEM)
        ds = s.datastreams
        return thing, int(
            tx.conn.execute(select(ds.c.id).where(ds.c.thing_id == thing)).scalar_one()
        )

    return store.write_sync(job)


def _ingest(store: Store, ds: int, points: list[tuple[datetime, float]]) -> None:
    batch = [ObservationIn(ds, t, result_number=v) for t, v in points]
    store.write_sync(lambda tx: store_observations(tx, batch, SYSTEM))


def _project(store: Store, activities_xml: bytes) -> int:
    projects = parse_iati(activities_xml)[:1]
    return store.write_sync(lambda tx: register.save_imported(tx, projects, SYSTEM)).ids[0]


def _issue_alert(store: Store, incident_id: int, sent: datetime) -> None:
    row = {
        "identifier": "urn:test:1",
        "sender": "test@cityops",
        "incident_id": incident_id,
        "status": "issued",
        "msg_type": "Alert",
        "sent": sent,
        "created_at": sent,
        "updated_at": sent,
    }
    store.write_sync(lambda tx: tx.conn.execute(insert(s.alerts).values(**row)))


def test_cadence_property_in_seconds_or_iso_duration() -> None:
    assert declared_cadence({"cadence": "PT10M"}) == 600
    assert declared_cadence({"cadence": 300}) == 300
    assert declared_cadence({"cadence": "soon"}) is None and declared_cadence(None) is None


def test_delivery_figures_from_stored_observations(store: Store, activities_xml: bytes) -> None:
    project = _project(store, activities_xml)
    thing1, ds1 = _station(store, "north", {"cadence": "PT10M"})
    _thing2, ds2 = _station(store, "south", None)
    add_rule(store, **river_rule(ds2))
    engine = Engine(store, refresh_interval=0.2)
    engine.start()
    try:
        # North: every 10 minutes for the first 5 of 10 hours (30 of 60 expected).
        _ingest(store, ds1, [(T0 + timedelta(minutes=10 * k), 1.0) for k in range(30)])
        # South: hourly (inferred cadence) with hour 3 missing, a flood at hour 2.
        levels = {0: 10.0, 1: 10.0, 2: 12.5, 4: 10.0, 5: 10.0, 6: 10.0, 7: 10.0, 8: 10.0, 9: 10.0}
        _ingest(store, ds2, [(T0 + timedelta(hours=h), v) for h, v in levels.items()])
        _ingest(store, ds2, [(T0 + timedelta(hours=30), 10.0)])  # after the period
        assert engine.flush()
    finally:
        engine.stop()
    with store.read() as conn:
        incident = conn.execute(select(s.incidents.c.id)).scalar_one()
    _issue_alert(store, incident, T0 + timedelta(hours=2, minutes=5))
    store.write_sync(lambda tx: register.link(tx, project, "Thing", thing1, SYSTEM))
    store.write_sync(lambda tx: register.link(tx, project, "Datastream", ds2, SYSTEM))

    with store.read() as conn:
        got = delivery(conn, ANONYMOUS, project, T0, T0 + timedelta(hours=10))
    streams = {d["id"]: d for d in got["per_datastream"]}
    assert (got["stations"], got["datastreams"], got["observations"]) == (2, 2, 39)
    assert streams[ds1]["expected"] == 60 and streams[ds1]["completeness"] == 0.5
    assert streams[ds1]["uptime"] == 0.5 and streams[ds1]["cadence_source"] == "declared"
    assert streams[ds2]["cadence_s"] == 3600 and streams[ds2]["cadence_source"] == "inferred"
    assert streams[ds2]["completeness"] == 0.9 and streams[ds2]["uptime"] == 0.9
    assert got["completeness"] == round(39 / 70, 4)
    assert (got["incidents"], got["alerts"]) == (1, 1)


def test_no_links_no_figures(store: Store, activities_xml: bytes) -> None:
    project = _project(store, activities_xml)
    with store.read() as conn:
        got = delivery(conn, ANONYMOUS, project, T0, T0 + timedelta(days=1))
    assert (got["stations"], got["observations"], got["incidents"], got["alerts"]) == (0, 0, 0, 0)
    assert got["completeness"] is None and got["uptime"] is None

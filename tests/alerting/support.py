"""Helpers for hazard-engine tests: datastreams, observations through the real ingest
path, and rules through the catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select

from cityops.alerting import catalog
from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.datamodel.observation import ObservationIn
from cityops.ingest.write import store_observations
from cityops.sta.create import create_entity
from cityops.store import schema as s
from cityops.store.base import Store

T0 = datetime(2025, 8, 1, tzinfo=UTC)


def make_datastream(
    store: Store, org: str | None = None, unit: str = "m", name: str = "level"
) -> int:
    """A Thing with one Datastream (optionally of organisation ``org``); the datastream id."""
    body: dict[str, Any] = {
        "name": f"station {name}",
        "description": "test station",
        "Locations": [
            {
                "name": "site",
                "description": "site",
                "encodingType": "application/geo+json",
                "location": {"type": "Point", "coordinates": [105.8, 15.1]},
            }
        ],
        "Datastreams": [
            {
                "name": name,
                "description": name,
                "unitOfMeasurement": {"name": unit, "symbol": unit, "definition": "ucum"},
                "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
                "Sensor": {
                    "name": "gauge",
                    "description": "gauge",
                    "encodingType": "text/plain",
                    "metadata": "none",
                },
                "ObservedProperty": {
                    "name": name,
                    "definition": "http://example.org/" + name,
                    "description": name,
                },
            }
        ],
    }
    if org:
        body["@cityops.organisation"] = org

    def job(tx: Any) -> int:
        thing = create_entity(tx, BY_NAME["Thing"], body, SYSTEM)
        ds = s.datastreams
        return int(tx.conn.execute(select(ds.c.id).where(ds.c.thing_id == thing)).scalar_one())

    return int(store.write_sync(job))


def ingest(
    store: Store,
    ds: int,
    values: list[float],
    start: datetime = T0,
    step: timedelta = timedelta(hours=1),
) -> list[int]:
    """Store values at ``start``, ``start + step`` ... through store_observations."""
    batch = [ObservationIn(ds, start + i * step, result_number=v) for i, v in enumerate(values)]
    return store.write_sync(lambda tx: store_observations(tx, batch, SYSTEM))


def ingest_at(store: Store, ds: int, points: list[tuple[datetime, float]]) -> list[int]:
    batch = [ObservationIn(ds, t, result_number=v) for t, v in points]
    return store.write_sync(lambda tx: store_observations(tx, batch, SYSTEM))


def add_rule(store: Store, **doc: Any) -> int:
    return int(store.write_sync(lambda tx: catalog.create_rule(tx, doc, SYSTEM)))


def river_rule(ds: int, name: str = "flood", **extra: Any) -> dict[str, Any]:
    return {
        "name": name,
        "type": "river_level",
        "subject": f"station-{ds}",
        "inputs": {"level": ds},
        "levels": {"warning": 11.0, "danger": 12.0},
        **extra,
    }


def incidents(store: Store) -> list[Any]:
    i = s.incidents
    with store.read() as conn:
        return list(conn.execute(select(i).order_by(i.c.id)))


def timeline(store: Store, incident_id: int) -> list[Any]:
    tl = s.incident_timeline
    with store.read() as conn:
        return list(
            conn.execute(
                select(tl).where(tl.c.incident_id == incident_id).order_by(tl.c.time, tl.c.id)
            )
        )

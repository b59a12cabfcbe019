"""Shared set-up for the hazard-engine benchmarks: a temporary SQLite store, datastreams
and rules made through the real services."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from sqlalchemy import select

from cityops.alerting import catalog
from cityops.auth.principal import SYSTEM
from cityops.datamodel.entities import BY_NAME
from cityops.rules import parse_rule
from cityops.sta.create import create_entity
from cityops.store import migrate
from cityops.store import schema as s
from cityops.store.base import Store

UNIT = {"name": "metre", "symbol": "m", "definition": "ucum:m"}


def temp_store() -> Store:
    path = Path(tempfile.mkdtemp(prefix="cityops-bench-")) / "bench.db"
    store = Store(f"sqlite:///{path}", read_pool_size=4)
    migrate.upgrade(store.write_engine)
    return store


def _thing() -> dict[str, Any]:
    return {
        "name": "gauge",
        "description": "bench",
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
                "name": "level 0",
                "description": "level",
                "unitOfMeasurement": UNIT,
                "observationType": "OM_Measurement",
                "Sensor": {
                    "name": "gauge",
                    "description": "g",
                    "encodingType": "text/plain",
                    "metadata": "none",
                },
                "ObservedProperty": {"name": "water level", "definition": "x", "description": "x"},
            }
        ],
    }


def make_datastreams(store: Store, n: int) -> list[int]:
    """One Thing with ``n`` water-level datastreams (sharing sensor and property)."""

    def first(tx: Any) -> tuple[int, int, int, int]:
        thing = create_entity(tx, BY_NAME["Thing"], _thing(), SYSTEM)
        d = s.datastreams
        row = tx.conn.execute(
            select(d.c.id, d.c.sensor_id, d.c.observed_property_id).where(d.c.thing_id == thing)
        ).one()
        return thing, row.id, row.sensor_id, row.observed_property_id

    thing, ds0, sensor, prop = store.write_sync(first)
    ids = [ds0]
    for start in range(1, n, 1000):

        def chunk(tx: Any, lo: int = start) -> list[int]:
            return [
                create_entity(
                    tx,
                    BY_NAME["Datastream"],
                    {
                        "name": f"level {i}",
                        "description": "level",
                        "unitOfMeasurement": UNIT,
                        "observationType": "OM_Measurement",
                        "Thing": {"@iot.id": thing},
                        "Sensor": {"@iot.id": sensor},
                        "ObservedProperty": {"@iot.id": prop},
                    },
                    SYSTEM,
                )
                for i in range(lo, min(lo + 1000, n))
            ]

        ids += store.write_sync(chunk)
    return ids


def add_rules(store: Store, docs: list[dict[str, Any]]) -> None:
    """Store rules through the catalog (validated against the store), 1,000 per job."""
    for start in range(0, len(docs), 1000):
        specs = [parse_rule(d) for d in docs[start : start + 1000]]
        store.write_sync(lambda tx, sp=specs: catalog.upsert_specs(tx, sp, SYSTEM))

"""Building blocks for SensorThings API tests: an admin token and a small world."""

from __future__ import annotations

from typing import Any

import httpx

from cityops.store.base import Store
from tests.helpers import bearer, make_user_token

THING = {
    "name": "Pakse gauge",
    "description": "Mekong water level at Pakse",
    "properties": {"station_code": "013901"},
    "Locations": [
        {
            "name": "Pakse",
            "description": "gauge site",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [105.8, 15.1]},
        }
    ],
}


def datastream_body(thing_id: int) -> dict[str, Any]:
    return {
        "name": "Water level",
        "description": "Stage at Pakse",
        "unitOfMeasurement": {"name": "metre", "symbol": "m", "definition": "ucum:m"},
        "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
        "Thing": {"@iot.id": thing_id},
        "Sensor": {
            "name": "Radar",
            "description": "radar gauge",
            "encodingType": "text/plain",
            "metadata": "none",
        },
        "ObservedProperty": {
            "name": "Water level",
            "definition": "http://example.org/wl",
            "description": "river stage",
        },
    }


def admin_headers(store: Store) -> dict[str, str]:
    return bearer(make_user_token(store, "root", "admin"))


async def make_world(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, int]:
    """A Thing with a Location and one Datastream; returns their ids."""
    r = await client.post("/v1.1/Things", json=THING, headers=headers)
    assert r.status_code == 201, r.text
    thing = r.json()["@iot.id"]
    r = await client.post("/v1.1/Datastreams", json=datastream_body(thing), headers=headers)
    assert r.status_code == 201, r.text
    return {"thing": thing, "datastream": r.json()["@iot.id"]}

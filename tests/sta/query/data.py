"""A small SensorThings dataset, inserted with SQLAlchemy Core and also given as nested
entity dicts for the Python evaluator."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import shapely
from sqlalchemy import delete, select
from sqlalchemy.engine import Engine

from cityops.datamodel.entities import entity
from cityops.sta.query import compile_filter, compile_orderby, parse_options
from cityops.store import schema as s

UTC = UTC
_ORDER = [
    s.observations,
    s.datastreams,
    s.features_of_interest,
    s.thing_locations,
    s.locations,
    s.things,
    s.sensors,
    s.observed_properties,
]


def iso(t: datetime) -> str:
    return t.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Dataset:
    things: list[dict[str, Any]] = field(default_factory=list)
    locations: list[dict[str, Any]] = field(default_factory=list)
    thing_locations: list[tuple[int, int]] = field(default_factory=list)
    datastreams: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)


def point_location(lid: int, name: str, x: float, y: float) -> dict[str, Any]:
    geom = shapely.Point(x, y)
    return {
        "id": lid,
        "name": name,
        "description": "",
        "encoding_type": "application/geo+json",
        "location": {"type": "Point", "coordinates": [x, y]},
        "geom": geom.wkt,
        "bbox_minx": x,
        "bbox_miny": y,
        "bbox_maxx": x,
        "bbox_maxy": y,
        "properties": None,
    }


def insert(engine: Engine, data: Dataset) -> None:
    """Replace every row of the query tables by ``data``."""
    with engine.begin() as conn:
        for table in _ORDER:
            conn.execute(delete(table))
        conn.execute(
            s.sensors.insert(),
            [{"id": 1, "name": "s", "description": "", "encoding_type": "t", "metadata": "m"}],
        )
        conn.execute(
            s.observed_properties.insert(),
            [
                {"id": 1, "name": "Water level", "definition": "d", "description": ""},
                {"id": 2, "name": "Rainfall", "definition": "d", "description": ""},
            ],
        )
        conn.execute(
            s.features_of_interest.insert(),
            [
                {
                    "id": 1,
                    "name": "river",
                    "description": "",
                    "encoding_type": "t",
                    "feature": {"type": "Point", "coordinates": [0, 0]},
                }
            ],
        )
        for table, rows in (
            (s.things, data.things),
            (s.locations, data.locations),
            (s.datastreams, data.datastreams),
        ):
            if rows:
                conn.execute(table.insert(), rows)
        if data.thing_locations:
            conn.execute(
                s.thing_locations.insert(),
                [{"thing_id": t, "location_id": loc} for t, loc in data.thing_locations],
            )
        if data.observations:
            conn.execute(s.observations.insert(), data.observations)


def query(engine: Engine, set_name: str, params: dict[str, str]) -> list[int]:
    """Ids of the entities matching ``params`` ($filter, $orderby)."""
    et = entity(set_name)
    opts = parse_options(params, default_top=100, max_top=1000)
    stmt = select(et.table.c.id)
    if opts.filter is not None:
        stmt = stmt.where(compile_filter(opts.filter, et, et.table, None))
    if opts.orderby:
        stmt = stmt.order_by(*compile_orderby(opts.orderby, et, et.table, None), et.table.c.id)
    else:
        stmt = stmt.order_by(et.table.c.id)
    with engine.connect() as conn:
        return [row[0] for row in conn.execute(stmt)]


# -- entity dicts for the evaluator --------------------------------------------------
def _thing(data: Dataset, t: dict[str, Any], depth: int) -> dict[str, Any]:
    out = {
        "@iot.id": t["id"],
        "name": t["name"],
        "description": t["description"],
        "properties": t["properties"],
    }
    if depth:
        locs = {loc["id"]: loc for loc in data.locations}
        out["Locations"] = [
            _location(locs[lid]) for tid, lid in data.thing_locations if tid == t["id"]
        ]
        out["Datastreams"] = [
            {
                **_datastream(data, d, 0),
                "Observations": [
                    _obs_flat(o) for o in data.observations if o["datastream_id"] == d["id"]
                ],
            }
            for d in data.datastreams
            if d["thing_id"] == t["id"]
        ]
    return out


def _location(loc: dict[str, Any]) -> dict[str, Any]:
    return {
        "@iot.id": loc["id"],
        "name": loc["name"],
        "description": loc["description"],
        "encodingType": loc["encoding_type"],
        "location": loc["location"],
        "properties": loc["properties"],
    }


def _datastream(data: Dataset, d: dict[str, Any], depth: int) -> dict[str, Any]:
    out = {
        "@iot.id": d["id"],
        "name": d["name"],
        "description": d["description"],
        "properties": d["properties"],
        "unitOfMeasurement": d["unit_of_measurement"],
        "observationType": d["observation_type"],
        "ObservedProperty": {
            "@iot.id": d["observed_property_id"],
            "name": ["Water level", "Rainfall"][d["observed_property_id"] - 1],
        },
    }
    if depth:
        things = {t["id"]: t for t in data.things}
        out["Thing"] = _thing(data, things[d["thing_id"]], 1)
    return out


def _obs_flat(o: dict[str, Any]) -> dict[str, Any]:
    start, end = o["phenomenon_time_start"], o["phenomenon_time_end"]
    result = o["result_number"] if o["result_number"] is not None else o["result_json"]
    return {
        "@iot.id": o["id"],
        "result": result,
        "phenomenonTime": iso(start) + (f"/{iso(end)}" if end else ""),
        "resultTime": iso(o["result_time"]) if o["result_time"] else None,
        "parameters": o["parameters"],
    }


def _observation(data: Dataset, o: dict[str, Any]) -> dict[str, Any]:
    streams = {d["id"]: d for d in data.datastreams}
    return {
        **_obs_flat(o),
        "Datastream": _datastream(data, streams[o["datastream_id"]], 1),
        "FeatureOfInterest": {"@iot.id": 1, "name": "river"},
    }


def entities(data: Dataset, set_name: str) -> list[dict[str, Any]]:
    """The entities of one set as nested dicts, in id order."""
    if set_name == "Things":
        return [_thing(data, t, 1) for t in sorted(data.things, key=lambda r: r["id"])]
    if set_name == "Observations":
        return [_observation(data, o) for o in sorted(data.observations, key=lambda r: r["id"])]
    raise KeyError(set_name)


def thing_row(tid: int, name: str, properties: Any = None) -> dict[str, Any]:
    return {"id": tid, "name": name, "description": "", "properties": properties}


def datastream_row(
    did: int, thing_id: int, name: str, op: int = 1, properties: Any = None
) -> dict[str, Any]:
    return {
        "id": did,
        "name": name,
        "description": "",
        "unit_of_measurement": {"name": "metre", "symbol": "m", "definition": "m"},
        "observation_type": "x",
        "properties": properties,
        "thing_id": thing_id,
        "sensor_id": 1,
        "observed_property_id": op,
    }


def observation_row(
    oid: int,
    datastream_id: int,
    start: datetime,
    result: Any,
    end: datetime | None = None,
    result_time: datetime | None = None,
    parameters: Any = None,
) -> dict[str, Any]:
    number = result if isinstance(result, (int, float)) and not isinstance(result, bool) else None
    return {
        "id": oid,
        "datastream_id": datastream_id,
        "feature_of_interest_id": 1,
        "phenomenon_time_start": start,
        "phenomenon_time_end": end,
        "result_time": result_time,
        "result_number": float(number) if number is not None else None,
        "result_json": None if number is not None else result,
        "parameters": parameters,
    }

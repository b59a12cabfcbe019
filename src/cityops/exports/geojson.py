"""Stations with their latest values as a GeoJSON FeatureCollection.

One Feature per Thing the caller may see that has a Location (its current one): the
Thing's name and properties, and for each of its datastreams the latest value and time
(kept on ingest in the datastreams table: no scan of the observations).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from cityops.auth.policy import visible
from cityops.auth.principal import Principal
from cityops.exports.writers import iso
from cityops.store import schema as s


def _where(entity: str, table: Any, who: Principal) -> list[Any]:
    cond = visible(entity, table, who)
    return [] if cond is None else [cond]


def _streams(conn: Connection, who: Principal, org: int | None) -> dict[int, list[dict[str, Any]]]:
    ds, op = s.datastreams, s.observed_properties
    q = (
        select(
            ds.c.id,
            ds.c.thing_id,
            ds.c.name,
            ds.c.unit_of_measurement,
            ds.c.last_result,
            ds.c.last_phenomenon_time,
            op.c.name.label("property"),
        )
        .join(op, op.c.id == ds.c.observed_property_id)
        .where(*_where("Datastream", ds, who))
        .order_by(ds.c.id)
    )
    if org is not None:
        q = q.where(ds.c.org_id == org)
    out: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for r in conn.execute(q):
        out[int(r.thing_id)].append(
            {
                "id": int(r.id),
                "name": r.name,
                "observedProperty": r.property,
                "unit": (r.unit_of_measurement or {}).get("symbol"),
                "latest": r.last_result,
                "latestTime": iso(r.last_phenomenon_time) or None,
            }
        )
    return out


def stations_geojson(conn: Connection, who: Principal, org: int | None = None) -> dict[str, Any]:
    """The FeatureCollection of the Things ``who`` may see (of organisation ``org``)."""
    th, loc, tl, o = s.things, s.locations, s.thing_locations, s.organisations
    q = (
        select(
            th.c.id,
            th.c.name,
            th.c.description,
            th.c.properties,
            o.c.slug,
            loc.c.location,
            loc.c.id.label("location_id"),
        )
        .join(tl, tl.c.thing_id == th.c.id)
        .join(loc, loc.c.id == tl.c.location_id)
        .outerjoin(o, o.c.id == th.c.org_id)
        .where(*_where("Thing", th, who), *_where("Location", loc, who))
        .order_by(th.c.id, loc.c.id.desc())
    )
    if org is not None:
        q = q.where(th.c.org_id == org)
    streams = _streams(conn, who, org)
    features, seen = [], set()
    for r in conn.execute(q):
        if r.id in seen or not isinstance(r.location, dict) or "type" not in r.location:
            continue
        seen.add(r.id)
        geometry = (
            r.location.get("geometry", r.location)
            if r.location.get("type") == "Feature"
            else r.location
        )
        features.append(
            {
                "type": "Feature",
                "id": int(r.id),
                "geometry": geometry,
                "properties": {
                    "name": r.name,
                    "description": r.description,
                    "organisation": r.slug,
                    "thing": r.properties or {},
                    "datastreams": streams.get(int(r.id), []),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}

"""DELETE with the cascades of the SensorThings specification.

Thing -> its Datastreams (and their Observations) and HistoricalLocations;
Location -> HistoricalLocations left without a Location; Sensor/ObservedProperty -> their
Datastreams; Datastream -> its Observations; FeatureOfInterest -> its Observations.

A DELETE never cascades across organisations: when the cascade would reach another
organisation's Datastreams or Things (a shared Sensor, a FeatureOfInterest or Location
used by another city), or would delete a Datastream that another organisation's hazard
rules read, the delete is refused with 409, naming how many depend on it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, func, select

from cityops.auth.principal import Principal
from cityops.datamodel.entities import EntityType
from cityops.errors import Conflict
from cityops.sta.update import check_write, current_row, refresh_datastream
from cityops.store import schema as s
from cityops.store.writer import Tx


def delete_entity(tx: Tx, et: EntityType, ident: int, principal: Principal) -> None:
    """Delete one entity and what depends on it; NotFound if it does not exist."""
    current = current_row(tx, et, ident)
    check_write(tx, et, current, principal)
    _refuse_cross_org(tx, et, current)
    _cascade(tx, et.name, ident)
    if et.name == "Observation":
        refresh_datastream(tx, current["datastream_id"])
    tx.emit("deleted", et.name, ident)


def _dependants(et: EntityType, ident: int, org: Any) -> tuple[Any, str] | None:
    """The query of what the cascade of deleting this entity would reach in other
    organisations (and what they are), or None where nothing can be."""
    ds, th, o, tl = s.datastreams, s.things, s.observations, s.thing_locations
    other = ds.c.org_id.is_distinct_from(org)
    if et.name in ("Sensor", "ObservedProperty", "Thing"):
        column = {"Sensor": "sensor_id", "ObservedProperty": "observed_property_id"}
        return select(ds.c.id).where(ds.c[column.get(et.name, "thing_id")] == ident, other), (
            "Datastream"
        )
    if et.name == "FeatureOfInterest":
        used = select(o.c.datastream_id).where(o.c.feature_of_interest_id == ident).distinct()
        return select(ds.c.id).where(ds.c.id.in_(used), other), "Datastream"
    if et.name == "Location":
        linked = select(tl.c.thing_id).where(tl.c.location_id == ident)
        return select(th.c.id).where(th.c.id.in_(linked), th.c.org_id.is_distinct_from(org)), (
            "Thing"
        )
    return None


def _refuse_cross_org(tx: Tx, et: EntityType, current: dict[str, Any]) -> None:
    ident, org = int(current["id"]), current.get("org_id")
    found = _dependants(et, ident, org)
    if found is not None:
        q, what = found
        n = int(tx.conn.execute(select(func.count()).select_from(q.subquery())).scalar_one())
        _conflict(et, ident, n, what)
    streams = _cascaded_datastreams(tx, et.name, ident)
    if streams:
        _conflict(et, ident, _rules_reading(tx, streams, org), "hazard rule")


def _conflict(et: EntityType, ident: int, n: int, what: str) -> None:
    if n:
        raise Conflict(
            f"{et.name} {ident} is used by {n} {what}"
            f"{'s' if n != 1 else ''} of other organisations: delete or relink "
            f"{'them' if n != 1 else 'it'} first"
        )


def _cascaded_datastreams(tx: Tx, name: str, ident: int) -> set[int]:
    """The Datastreams a delete of this entity removes."""
    if name == "Datastream":
        return {ident}
    column = {
        "Thing": "thing_id",
        "Sensor": "sensor_id",
        "ObservedProperty": "observed_property_id",
    }
    if name not in column:
        return set()
    ds = s.datastreams
    return {int(r[0]) for r in tx.conn.execute(select(ds.c.id).where(ds.c[column[name]] == ident))}


def _rules_reading(tx: Tx, streams: set[int], org: Any) -> int:
    """How many rules of other organisations read (or write) one of ``streams``."""
    r = s.rules
    rows = tx.conn.execute(
        select(r.c.config, r.c.output_datastream_id).where(r.c.org_id.is_distinct_from(org))
    )
    n = 0
    for row in rows:
        inputs = (row.config or {}).get("inputs") or {}
        used = {int(v) for v in inputs.values() if str(v).isdigit()}
        if row.output_datastream_id is not None:
            used.add(int(row.output_datastream_id))
        n += bool(used & streams)
    return n


def _delete_datastreams(tx: Tx, column: str, value: int) -> None:
    ds = s.datastreams
    ids = [r[0] for r in tx.conn.execute(select(ds.c.id).where(ds.c[column] == value))]
    for ds_id in ids:
        _cascade(tx, "Datastream", ds_id)


def _cascade(tx: Tx, name: str, ident: int) -> None:
    c = tx.conn
    if name == "Thing":
        _delete_datastreams(tx, "thing_id", ident)
        c.execute(delete(s.historical_locations).where(s.historical_locations.c.thing_id == ident))
        c.execute(delete(s.api_tokens).where(s.api_tokens.c.thing_id == ident))
        c.execute(delete(s.thing_locations).where(s.thing_locations.c.thing_id == ident))
        c.execute(delete(s.things).where(s.things.c.id == ident))
    elif name == "Location":
        _delete_location(tx, ident)
    elif name in ("Sensor", "ObservedProperty"):
        column = "sensor_id" if name == "Sensor" else "observed_property_id"
        _delete_datastreams(tx, column, ident)
        table = s.sensors if name == "Sensor" else s.observed_properties
        c.execute(delete(table).where(table.c.id == ident))
    elif name == "Datastream":
        c.execute(delete(s.observations).where(s.observations.c.datastream_id == ident))
        c.execute(delete(s.datastreams).where(s.datastreams.c.id == ident))
    elif name == "FeatureOfInterest":
        touched = [
            r[0]
            for r in c.execute(
                select(s.observations.c.datastream_id)
                .distinct()
                .where(s.observations.c.feature_of_interest_id == ident)
            )
        ]
        c.execute(delete(s.observations).where(s.observations.c.feature_of_interest_id == ident))
        c.execute(delete(s.features_of_interest).where(s.features_of_interest.c.id == ident))
        for ds_id in touched:
            refresh_datastream(tx, ds_id)
    elif name == "Observation":
        c.execute(delete(s.observations).where(s.observations.c.id == ident))
    elif name == "HistoricalLocation":
        c.execute(delete(s.historical_locations).where(s.historical_locations.c.id == ident))


def _delete_location(tx: Tx, ident: int) -> None:
    hl, hll = s.historical_locations, s.historical_location_locations
    c = tx.conn
    c.execute(delete(hll).where(hll.c.location_id == ident))
    orphan = ~exists().where(hll.c.historical_location_id == hl.c.id)
    c.execute(delete(hl).where(orphan))
    c.execute(delete(s.thing_locations).where(s.thing_locations.c.location_id == ident))
    foi = s.features_of_interest
    c.execute(foi.update().where(foi.c.location_id == ident).values(location_id=None))
    c.execute(delete(s.locations).where(s.locations.c.id == ident))

"""DELETE with the cascades of the SensorThings specification.

Thing -> its Datastreams (and their Observations) and HistoricalLocations;
Location -> HistoricalLocations left without a Location; Sensor/ObservedProperty -> their
Datastreams; Datastream -> its Observations; FeatureOfInterest -> its Observations.
"""

from __future__ import annotations

from sqlalchemy import delete, exists, select

from cityops.auth.principal import Principal
from cityops.datamodel.entities import EntityType
from cityops.sta.update import check_write, current_row, refresh_datastream
from cityops.store import schema as s
from cityops.store.writer import Tx


def delete_entity(tx: Tx, et: EntityType, ident: int, principal: Principal) -> None:
    """Delete one entity and what depends on it; NotFound if it does not exist."""
    current = current_row(tx, et, ident)
    check_write(tx, et, current, principal)
    _cascade(tx, et.name, ident)
    if et.name == "Observation":
        refresh_datastream(tx, current["datastream_id"])
    tx.emit("deleted", et.name, ident)


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

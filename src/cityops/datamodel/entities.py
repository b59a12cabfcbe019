"""The SensorThings data model: entity types, their properties and relations.

This table of facts is shared by the query compiler, the serialiser and the write
services, so that each of them is written once for all eight entity types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum

from sqlalchemy import Table

from cityops.store import schema as s


class Kind(Enum):
    """How a property is stored and written in JSON."""

    TEXT = "text"
    JSON = "json"  # any JSON value stored in one JSON column
    TIME = "time"  # one instant column
    INTERVAL = "interval"  # *_start/*_end columns: instant or "start/end"
    GEOMETRY = "geometry"  # GeoJSON in a JSON column, plus geom and bbox columns
    RESULT = "result"  # result_number or result_json


@dataclass(frozen=True)
class Prop:
    name: str  # STA name, e.g. "encodingType"
    column: str  # column name, or the prefix of a start/end pair
    kind: Kind = Kind.TEXT
    mandatory: bool = False
    read_only: bool = False  # derived by the server (Datastream.phenomenonTime ...)


@dataclass(frozen=True)
class Nav:
    """A navigation property.

    ``fk`` set: this table holds the foreign key (to-one), e.g. Datastream.Thing.
    ``back_fk`` set: the target table holds a key to us (to-many), e.g. Thing.Datastreams.
    ``link`` set: a link table (to-many) with (our column, their column).
    """

    name: str
    target: str  # entity type name
    many: bool
    fk: str | None = None
    back_fk: str | None = None
    link: tuple[Table, str, str] | None = None
    mandatory: bool = False  # must be given on create (Datastream.Thing ...)


@dataclass(frozen=True)
class EntityType:
    name: str  # "Thing"
    set_name: str  # "Things"
    table: Table
    props: tuple[Prop, ...]
    navs: tuple[Nav, ...]
    access: bool = False  # has org_id/visibility columns
    prop_by_name: dict[str, Prop] = field(default_factory=dict, compare=False)
    nav_by_name: dict[str, Nav] = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        self.prop_by_name.update({p.name: p for p in self.props})
        self.nav_by_name.update({n.name: n for n in self.navs})


T, J, TM, IV, G = Kind.TEXT, Kind.JSON, Kind.TIME, Kind.INTERVAL, Kind.GEOMETRY

_ENTITIES = [
    EntityType(
        "Thing",
        "Things",
        s.things,
        (
            Prop("name", "name", T, True),
            Prop("description", "description", T, True),
            Prop("properties", "properties", J),
        ),
        (
            Nav("Locations", "Location", True, link=(s.thing_locations, "thing_id", "location_id")),
            Nav("HistoricalLocations", "HistoricalLocation", True, back_fk="thing_id"),
            Nav("Datastreams", "Datastream", True, back_fk="thing_id"),
        ),
        access=True,
    ),
    EntityType(
        "Location",
        "Locations",
        s.locations,
        (
            Prop("name", "name", T, True),
            Prop("description", "description", T, True),
            Prop("encodingType", "encoding_type", T, True),
            Prop("location", "location", G, True),
            Prop("properties", "properties", J),
        ),
        (
            Nav("Things", "Thing", True, link=(s.thing_locations, "location_id", "thing_id")),
            Nav(
                "HistoricalLocations",
                "HistoricalLocation",
                True,
                link=(s.historical_location_locations, "location_id", "historical_location_id"),
            ),
        ),
        access=True,
    ),
    EntityType(
        "HistoricalLocation",
        "HistoricalLocations",
        s.historical_locations,
        (Prop("time", "time", TM, True),),
        (
            Nav("Thing", "Thing", False, fk="thing_id", mandatory=True),
            Nav(
                "Locations",
                "Location",
                True,
                link=(s.historical_location_locations, "historical_location_id", "location_id"),
            ),
        ),
    ),
    EntityType(
        "Sensor",
        "Sensors",
        s.sensors,
        (
            Prop("name", "name", T, True),
            Prop("description", "description", T, True),
            Prop("encodingType", "encoding_type", T, True),
            Prop("metadata", "metadata", T, True),
            Prop("properties", "properties", J),
        ),
        (Nav("Datastreams", "Datastream", True, back_fk="sensor_id"),),
        access=True,
    ),
    EntityType(
        "ObservedProperty",
        "ObservedProperties",
        s.observed_properties,
        (
            Prop("name", "name", T, True),
            Prop("definition", "definition", T, True),
            Prop("description", "description", T, True),
            Prop("properties", "properties", J),
        ),
        (Nav("Datastreams", "Datastream", True, back_fk="observed_property_id"),),
        access=True,
    ),
    EntityType(
        "Datastream",
        "Datastreams",
        s.datastreams,
        (
            Prop("name", "name", T, True),
            Prop("description", "description", T, True),
            Prop("unitOfMeasurement", "unit_of_measurement", J, True),
            Prop("observationType", "observation_type", T, True),
            Prop("properties", "properties", J),
            Prop("observedArea", "observed_area", G, read_only=True),
            Prop("phenomenonTime", "phenomenon_time", IV, read_only=True),
            Prop("resultTime", "result_time", IV, read_only=True),
        ),
        (
            Nav("Thing", "Thing", False, fk="thing_id", mandatory=True),
            Nav("Sensor", "Sensor", False, fk="sensor_id", mandatory=True),
            Nav(
                "ObservedProperty",
                "ObservedProperty",
                False,
                fk="observed_property_id",
                mandatory=True,
            ),
            Nav("Observations", "Observation", True, back_fk="datastream_id"),
        ),
        access=True,
    ),
    EntityType(
        "Observation",
        "Observations",
        s.observations,
        (
            Prop("phenomenonTime", "phenomenon_time", IV),
            Prop("result", "result", Kind.RESULT, True),
            Prop("resultTime", "result_time", TM),
            Prop("resultQuality", "result_quality", J),
            Prop("validTime", "valid_time", IV),
            Prop("parameters", "parameters", J),
        ),
        (
            Nav("Datastream", "Datastream", False, fk="datastream_id", mandatory=True),
            Nav("FeatureOfInterest", "FeatureOfInterest", False, fk="feature_of_interest_id"),
        ),
    ),
    EntityType(
        "FeatureOfInterest",
        "FeaturesOfInterest",
        s.features_of_interest,
        (
            Prop("name", "name", T, True),
            Prop("description", "description", T, True),
            Prop("encodingType", "encoding_type", T, True),
            Prop("feature", "feature", G, True),
            Prop("properties", "properties", J),
        ),
        (Nav("Observations", "Observation", True, back_fk="feature_of_interest_id"),),
        access=True,
    ),
]

BY_NAME: dict[str, EntityType] = {e.name: e for e in _ENTITIES}
BY_SET: dict[str, EntityType] = {e.set_name: e for e in _ENTITIES}


def entity(name: str) -> EntityType:
    """The entity type of a type name (``Thing``) or set name (``Things``)."""
    return BY_NAME.get(name) or BY_SET[name]

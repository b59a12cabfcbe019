"""Organisations and the eight SensorThings entities (and their link tables)."""

from __future__ import annotations

from sqlalchemy import Column, Float, ForeignKey, Index, Integer, String, Table, Text

from cityops.store.schema.base import BigId, access_columns, bbox_columns, gist_index, metadata
from cityops.store.types import Geometry, JSONDoc, UTCDateTime

organisations = Table(
    "organisations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),
    Column("name", Text, nullable=False),
    Column("kind", String(16), nullable=False, server_default="city"),
    Column("country_iso2", String(2)),
    Column("timezone", String(64)),
    Column("languages", JSONDoc),
    Column("names", JSONDoc),  # {"vi": ..., "lo": ...}: the name in other languages
    Column("lat", Float),
    Column("lon", Float),
    Column("created_at", UTCDateTime, nullable=False),
)

things = Table(
    "things",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("properties", JSONDoc),
    *access_columns(),
)

locations = Table(
    "locations",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("encoding_type", Text, nullable=False),
    Column("location", JSONDoc, nullable=False),
    Column("geom", Geometry),
    *bbox_columns(),
    Column("properties", JSONDoc),
    *access_columns(),
    Index("ix_locations_bbox", "bbox_minx", "bbox_miny"),
    gist_index("ix_locations_geom"),
)

thing_locations = Table(
    "thing_locations",
    metadata,
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE"), primary_key=True),
    Column("location_id", BigId, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_thing_locations_location", "location_id"),
)

historical_locations = Table(
    "historical_locations",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE"), nullable=False),
    Column("time", UTCDateTime, nullable=False),
    Index("ix_historical_locations_thing", "thing_id", "time"),
)

historical_location_locations = Table(
    "historical_location_locations",
    metadata,
    Column(
        "historical_location_id",
        BigId,
        ForeignKey("historical_locations.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("location_id", BigId, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True),
    Index("ix_hll_location", "location_id"),
)

sensors = Table(
    "sensors",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("encoding_type", Text, nullable=False),
    Column("metadata", Text, nullable=False),
    Column("properties", JSONDoc),
    *access_columns(),
)

observed_properties = Table(
    "observed_properties",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", Text, nullable=False),
    Column("definition", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("properties", JSONDoc),
    *access_columns(),
)

datastreams = Table(
    "datastreams",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("unit_of_measurement", JSONDoc, nullable=False),
    Column("observation_type", Text, nullable=False),
    Column("properties", JSONDoc),
    *bbox_columns(),
    Column("phenomenon_time_start", UTCDateTime),
    Column("phenomenon_time_end", UTCDateTime),
    Column("result_time_start", UTCDateTime),
    Column("result_time_end", UTCDateTime),
    Column("thing_id", BigId, ForeignKey("things.id"), nullable=False, index=True),
    Column("sensor_id", BigId, ForeignKey("sensors.id"), nullable=False, index=True),
    Column(
        "observed_property_id",
        BigId,
        ForeignKey("observed_properties.id"),
        nullable=False,
        index=True,
    ),
    # The latest observation (greatest phenomenon time), kept on ingest.
    Column("last_observation_id", BigId),
    Column("last_phenomenon_time", UTCDateTime),
    Column("last_result", Float),
    *access_columns(),
)

features_of_interest = Table(
    "features_of_interest",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("encoding_type", Text, nullable=False),
    Column("feature", JSONDoc, nullable=False),
    Column("geom", Geometry),
    *bbox_columns(),
    Column("properties", JSONDoc),
    # The Location a FeatureOfInterest was made from, so that it is reused.
    Column("location_id", BigId, ForeignKey("locations.id", ondelete="SET NULL"), index=True),
    *access_columns(),
    gist_index("ix_features_of_interest_geom"),
)

# On PostgreSQL this table is partitioned by month of phenomenon_time_start (migration
# 0006, store/partitions.py) and its primary key is (id, phenomenon_time_start), as
# partitioning requires; ids still come from one sequence. SQLite keeps one table, id the
# rowid. Alembic's autogenerate does not compare primary keys, so the models agree with both.
observations = Table(
    "observations",
    metadata,
    Column("id", BigId, primary_key=True),
    Column(
        "datastream_id",
        BigId,
        ForeignKey("datastreams.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("feature_of_interest_id", BigId, ForeignKey("features_of_interest.id"), nullable=False),
    Column("phenomenon_time_start", UTCDateTime, nullable=False),
    Column("phenomenon_time_end", UTCDateTime),
    Column("result_time", UTCDateTime),
    # Numbers go to result_number (indexable, comparable); anything else to result_json.
    Column("result_number", Float),
    Column("result_json", JSONDoc),
    Column("result_quality", JSONDoc),
    Column("valid_time_start", UTCDateTime),
    Column("valid_time_end", UTCDateTime),
    Column("parameters", JSONDoc),
    Index("ix_observations_ds_time", "datastream_id", "phenomenon_time_start", "id"),
    Index("ix_observations_foi", "feature_of_interest_id"),
)

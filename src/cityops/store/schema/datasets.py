"""The city data hub: datasets (a catalogue entry with its metadata) and their features.

A dataset belongs to an organisation and is ``public`` or ``restricted`` like every other
owned entity; its features inherit its access. Geometry is WGS 84 (stored as PostGIS on
PostgreSQL, WKT on SQLite) with a bbox prefilter, as for Locations.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from cityops.store.schema.base import BigId, access_columns, bbox_columns, gist_index, metadata
from cityops.store.types import Geometry, JSONDoc, UTCDateTime

datasets = Table(
    "datasets",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("slug", String(64), nullable=False, unique=True),  # the OGC collection id
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False, server_default=""),
    Column("publisher", Text),
    Column("licence", Text),
    Column("source", Text),
    Column("keywords", JSONDoc),
    Column("temporal_start", UTCDateTime),
    Column("temporal_end", UTCDateTime),
    Column("update_frequency", String(32)),
    Column("geometry_type", String(32)),
    Column("feature_count", Integer, nullable=False, server_default="0"),
    *bbox_columns(),
    Column("created_at", UTCDateTime, nullable=False),
    *access_columns(),
)

dataset_features = Table(
    "dataset_features",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("dataset_id", Integer, ForeignKey("datasets.id", ondelete="CASCADE"), nullable=False),
    Column("properties", JSONDoc, nullable=False),
    Column("datetime", UTCDateTime),  # the feature's own time, when it has one
    Column("geom", Geometry),
    *bbox_columns(),
    Index("ix_dataset_features_dataset_bbox", "dataset_id", "bbox_minx", "bbox_miny"),
    gist_index("ix_dataset_features_geom"),
)

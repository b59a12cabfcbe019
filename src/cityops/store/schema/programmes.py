"""Cooperation programmes: projects, their facets and links, exchange rates."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, Integer, String, Table, Text

from cityops.store.schema.base import BigId, metadata
from cityops.store.types import JSONDoc, UTCDateTime

# Cooperation programmes ------------------------------------------------------------
# The register of funded projects (who funds what, where, and what it delivered). The
# whole Project is kept as JSON (``doc``, see ``programmes/codec.py``); what is filtered on
# is copied into columns. A project has several cities, funders and sectors, so those go
# to ``project_facets`` (one row per value, indexed by facet and value).

projects = Table(
    "projects",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("iati_identifier", String(255), unique=True),  # NULLs never collide
    Column("title", Text, nullable=False),
    Column("status", Integer, index=True),
    Column("start_date", Date, index=True),  # actual, else planned
    Column("end_date", Date, index=True),
    Column("visibility", String(16), nullable=False, server_default="public"),
    Column("doc", JSONDoc, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

project_facets = Table(
    "project_facets",
    metadata,
    Column("project_id", BigId, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("facet", String(16), primary_key=True),  # city, funder, sector
    Column("value", String(255), primary_key=True),
    Index("ix_project_facets_facet_value", "facet", "value"),
)

# What a project funded: its Things (stations) and Datastreams.
project_things = Table(
    "project_things",
    metadata,
    Column("project_id", BigId, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_project_things_thing", "thing_id"),
)

project_datastreams = Table(
    "project_datastreams",
    metadata,
    Column("project_id", BigId, ForeignKey("projects.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "datastream_id", BigId, ForeignKey("datastreams.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_project_datastreams_datastream", "datastream_id"),
)

# Operator-loaded exchange rates: 1 ``currency`` = ``rate`` ``base`` on ``date``. The rate
# is kept as decimal text so that it round-trips exactly on both databases.
exchange_rates = Table(
    "exchange_rates",
    metadata,
    Column("base", String(3), primary_key=True),
    Column("currency", String(3), primary_key=True),
    Column("date", Date, primary_key=True),
    Column("rate", String(40), nullable=False),
    Column("loaded_at", UTCDateTime, nullable=False),
)

"""Hazard engine: rules, incidents and their timelines."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    text,
)

from cityops.store.schema.base import BigId, metadata
from cityops.store.types import UTCDateTime

# Hazard engine: rules and incidents ------------------------------------------------
# Named station levels (warning/danger, alarm/flood, BĐ1-3) live in each rule's config
# ("levels"), not in a table of their own: a rule is the one place a threshold is read.

rules = Table(
    "rules",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("type", String(64), nullable=False),
    # The rule type's config, inputs included. Plain JSON, not JSONB: key order is meaning
    # here (levels are listed lowest first) and JSONB reorders object keys.
    Column("config", JSON, nullable=False),
    Column("subject", Text, nullable=False),  # what its incidents are about
    Column("description", Text, nullable=False, server_default=""),
    # Derived indices (heat index, AQI) are written to this datastream, if set.
    Column("output_datastream_id", BigId, ForeignKey("datastreams.id", ondelete="SET NULL")),
    Column("org_id", Integer, ForeignKey("organisations.id"), index=True),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

incidents = Table(
    "incidents",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("rule_id", Integer, ForeignKey("rules.id"), nullable=False),
    Column("subject", Text, nullable=False),
    Column("org_id", Integer, ForeignKey("organisations.id"), index=True),
    Column("origin", String(16), nullable=False, server_default="engine"),  # or "replay"
    Column("state", String(16), nullable=False),  # open, acknowledged, resolved
    Column("level", Integer, nullable=False),
    Column("level_name", Text, nullable=False),
    Column("severity", String(16), nullable=False),  # CAP severity of the level
    Column("max_level", Integer, nullable=False),
    Column("max_level_name", Text, nullable=False),
    Column("max_level_at", UTCDateTime, nullable=False),  # first time at max_level
    Column("opened_at", UTCDateTime, nullable=False),  # observation time, not wall time
    Column("updated_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    Column("acknowledged_by", Text),
    Column("assignee", Text),
    Column("last_value", Float),
    Column("last_time", UTCDateTime),
    # one event is one incident (migration 0005): its peak, the condition cleared since
    # (cool-down), rises within the cool-down, readings above normal, when the condition
    # had lasted long enough for automatic issue, when it was escalated unacknowledged
    Column("peak_value", Float),
    Column("peak_at", UTCDateTime),
    Column("cleared_at", UTCDateTime),
    Column("oscillations", Integer, nullable=False, server_default="0"),
    Column("readings", Integer, nullable=False, server_default="0"),
    Column("persisted_at", UTCDateTime),
    Column("escalated_at", UTCDateTime),
    Index("ix_incidents_rule_subject", "rule_id", "subject"),
    Index("ix_incidents_state_opened", "state", "opened_at"),
    # At most one incident per rule and subject that is not resolved (live incidents).
    Index(
        "uq_incidents_open",
        "rule_id",
        "subject",
        unique=True,
        sqlite_where=text("state <> 'resolved' AND origin = 'engine'"),
        postgresql_where=text("state <> 'resolved' AND origin = 'engine'"),
    ),
)

incident_timeline = Table(
    "incident_timeline",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("incident_id", BigId, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False),
    Column("time", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", Text, nullable=False),
    Column("from_value", Text),
    Column("to_value", Text),
    Column("note", Text),
    Index("ix_incident_timeline_incident", "incident_id", "time"),
)

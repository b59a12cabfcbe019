"""All tables, as SQLAlchemy Core. Migrations in ``store/migrations`` create them.

Conventions:
- every SensorThings entity table carries ``org_id`` and ``visibility`` where access
  control needs them (Things, Locations, Datastreams, FeaturesOfInterest); Observations
  inherit the access of their Datastream.
- ``bbox_*`` columns hold the bounding box of a geometry, so that geometry predicates
  can be prefiltered by an ordinary index on SQLite; PostgreSQL also has a GiST index.
- times are ``UTCDateTime``; an interval is a ``*_start``/``*_end`` pair, an instant
  has ``*_end`` NULL.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from cityops.store.types import Geometry, JSONDoc, UTCDateTime

NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
}
metadata = MetaData(naming_convention=NAMING)

# BigInteger ids that still autoincrement on SQLite (INTEGER PRIMARY KEY is the rowid).
BigId = BigInteger().with_variant(Integer(), "sqlite")


def _bbox() -> list[Column[float]]:
    return [Column(n, Float) for n in ("bbox_minx", "bbox_miny", "bbox_maxx", "bbox_maxy")]


def _access() -> list[Column[object]]:
    return [
        Column("org_id", Integer, ForeignKey("organisations.id"), index=True),
        Column("visibility", String(16), nullable=False, server_default="public"),
    ]


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
    *_access(),
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
    *_bbox(),
    Column("properties", JSONDoc),
    *_access(),
    Index("ix_locations_bbox", "bbox_minx", "bbox_miny"),
)

thing_locations = Table(
    "thing_locations",
    metadata,
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE"), primary_key=True),
    Column(
        "location_id", BigId, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True
    ),
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
    Column(
        "location_id", BigId, ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True
    ),
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
)

observed_properties = Table(
    "observed_properties",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("name", Text, nullable=False),
    Column("definition", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("properties", JSONDoc),
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
    *_bbox(),
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
    *_access(),
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
    *_bbox(),
    Column("properties", JSONDoc),
    # The Location a FeatureOfInterest was made from, so that it is reused.
    Column("location_id", BigId, ForeignKey("locations.id", ondelete="SET NULL"), index=True),
    *_access(),
)

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

# Identity and access --------------------------------------------------------------

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("username", String(128), nullable=False, unique=True),
    Column("display_name", Text),
    Column("password_hash", Text),
    Column("role", String(16), nullable=False),
    Column("org_id", Integer, ForeignKey("organisations.id")),
    Column("disabled", Boolean, nullable=False, server_default="0"),
    Column("failed_logins", Integer, nullable=False, server_default="0"),
    Column("locked_until", UTCDateTime),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("name", Text),
    Column("user_id", Integer, ForeignKey("users.id")),
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE")),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime),
    Column("revoked_at", UTCDateTime),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("time", UTCDateTime, nullable=False),
    Column("actor", Text, nullable=False),
    Column("user_id", Integer),
    Column("token_id", Integer),
    Column("org_id", Integer, index=True),
    Column("action", String(32), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", Text),
    Column("detail", JSONDoc),
    Column("remote_addr", String(64)),
    Index("ix_audit_log_time", "time"),
)

# Idempotent ingest (MQTT redelivery, file re-import): one row per source message key.
ingest_receipts = Table(
    "ingest_receipts",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("observation_id", BigId),
)

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
    Index("ix_incidents_rule_subject", "rule_id", "subject"),
    Index("ix_incidents_state_opened", "state", "opened_at"),
    # At most one incident per rule and subject that is not resolved (live incidents).
    Index(
        "uq_incidents_open", "rule_id", "subject", unique=True,
        sqlite_where=text("state <> 'resolved' AND origin = 'engine'"),
        postgresql_where=text("state <> 'resolved' AND origin = 'engine'"),
    ),
)

incident_timeline = Table(
    "incident_timeline",
    metadata,
    Column("id", BigId, primary_key=True),
    Column(
        "incident_id", BigId, ForeignKey("incidents.id", ondelete="CASCADE"), nullable=False
    ),
    Column("time", UTCDateTime, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("actor", Text, nullable=False),
    Column("from_value", Text),
    Column("to_value", Text),
    Column("note", Text),
    Index("ix_incident_timeline_incident", "incident_id", "time"),
)

# Public warnings: CAP alerts, areas, channels, deliveries, outside feeds ------------

# Every CAP message CityOps drafted or issued. ``xml`` is the exact issued document (never
# changed after issue); ``infos`` the editable draft (JSON of the CAP info blocks).
# status: draft -> issued -> superseded (by an Update) or cancelled (by a Cancel);
# a draft that was never issued ends "discarded".
alerts = Table(
    "alerts",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("identifier", String(255), unique=True),  # set on issue
    Column("sender", String(255), nullable=False),
    Column("incident_id", BigId, ForeignKey("incidents.id", ondelete="SET NULL"), index=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), index=True),
    Column("chain_id", BigId, index=True),  # id of the first message of the chain
    Column("previous_id", BigId),  # the message this one follows up (Update/Cancel)
    Column("status", String(16), nullable=False),
    Column("msg_type", String(16), nullable=False),  # Alert, Update, Cancel
    Column("kind", String(16), nullable=False, server_default="alert"),  # or all_clear
    Column("scope", String(16), nullable=False, server_default="Public"),
    Column("hazard", String(32)),
    Column("severity", String(16)),
    Column("level_name", Text),
    Column("sent", UTCDateTime),
    Column("expires", UTCDateTime),
    Column("valid_hours", Float),  # of a draft: expires = sent + valid_hours on issue
    Column("references", Text),
    Column("xml", LargeBinary),
    Column("infos", JSONDoc),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("issued_by", Text),
    Index("ix_alerts_status_sent", "status", "sent"),
)

# Area polygons of a city (GeoJSON imported with ``cityops areas import``), CAP-ready.
alert_areas = Table(
    "alert_areas",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), nullable=False),
    Column("name", String(128), nullable=False),
    Column("description", Text, nullable=False),
    Column("geojson", JSONDoc, nullable=False),  # the imported geometry (lon, lat)
    Column("polygons", JSON, nullable=False),  # CAP polygons: [[[lat, lon], ...], ...]
    *_bbox(),
    Column("created_at", UTCDateTime, nullable=False),
    Index("uq_alert_areas_org_name", "org_id", "name", unique=True),
)

# Who receives alerts on which channel: webhook URL (+ HMAC secret), e-mail, MQTT topic.
alert_subscriptions = Table(
    "alert_subscriptions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("org_id", Integer, ForeignKey("organisations.id"), index=True),  # NULL: all
    Column("name", Text, nullable=False),
    Column("channel", String(32), nullable=False),
    Column("target", Text, nullable=False),
    Column("secret", Text),
    Column("area", JSONDoc),  # GeoJSON geometry (lon, lat); NULL: the whole organisation
    Column("min_severity", String(16), nullable=False, server_default="Minor"),
    Column("enabled", Boolean, nullable=False, server_default="1"),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per (alert, subscription): the outbox the delivery worker drains. status:
# pending (due at next_attempt_at) -> sent, or dead after the last failed attempt.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("alert_id", BigId, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column("subscription_id", Integer,
           ForeignKey("alert_subscriptions.id", ondelete="CASCADE"), nullable=False),
    Column("org_id", Integer, index=True),
    Column("status", String(16), nullable=False),
    Column("attempts", Integer, nullable=False, server_default="0"),
    Column("next_attempt_at", UTCDateTime),
    Column("last_error", Text),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("delivered_at", UTCDateTime),
    Index("ix_alert_deliveries_due", "status", "next_attempt_at"),
)

# Warnings imported from outside CAP feeds (national met services), shown beside ours.
external_alerts = Table(
    "external_alerts",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("source", Text, nullable=False),  # the feed's URL or file name
    Column("entry_id", Text, nullable=False),
    Column("identifier", Text),
    Column("sender", Text),
    Column("sent", UTCDateTime),
    Column("expires", UTCDateTime),
    Column("msg_type", String(16)),
    Column("event", Text),
    Column("severity", String(16)),
    Column("headline", Text),
    Column("area_desc", Text),
    Column("language", String(35)),
    Column("cap_url", Text),
    Column("xml", LargeBinary),
    Column("imported_at", UTCDateTime, nullable=False),
    Index("uq_external_alerts_source_entry", "source", "entry_id", unique=True),
)

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
    Column("project_id", BigId, ForeignKey("projects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("facet", String(16), primary_key=True),  # city, funder, sector
    Column("value", String(255), primary_key=True),
    Index("ix_project_facets_facet_value", "facet", "value"),
)

# What a project funded: its Things (stations) and Datastreams.
project_things = Table(
    "project_things",
    metadata,
    Column("project_id", BigId, ForeignKey("projects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE"), primary_key=True),
    Column("created_at", UTCDateTime, nullable=False),
    Index("ix_project_things_thing", "thing_id"),
)

project_datastreams = Table(
    "project_datastreams",
    metadata,
    Column("project_id", BigId, ForeignKey("projects.id", ondelete="CASCADE"),
           primary_key=True),
    Column("datastream_id", BigId, ForeignKey("datastreams.id", ondelete="CASCADE"),
           primary_key=True),
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

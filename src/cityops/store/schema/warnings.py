"""Public warnings: CAP alerts, areas, channel subscriptions, deliveries, outside feeds."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from cityops.store.schema.base import BigId, bbox_columns, metadata
from cityops.store.types import JSONDoc, UTCDateTime

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
    Column("names", JSONDoc),  # {"vi": ..., "lo": ...} from name:<lang> properties
    *bbox_columns(),
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
    # A resident's own subscription from the public page (Web Push or e-mail): only what
    # is needed to reach them — target, keys, region, language; deleted on unsubscribe.
    Column("language", String(35)),  # the language notifications are written in
    Column("public", Boolean, nullable=False, server_default="0"),
)

# Keys the server generates once and keeps (the VAPID key of Web Push, the key that signs
# residents' confirmation and unsubscribe links), shared by every process on the database.
server_secrets = Table(
    "server_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", Text, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# One row per (alert, subscription): the outbox the delivery worker drains. status:
# pending (due at next_attempt_at) -> sent, or dead after the last failed attempt.
alert_deliveries = Table(
    "alert_deliveries",
    metadata,
    Column("id", BigId, primary_key=True),
    Column("alert_id", BigId, ForeignKey("alerts.id", ondelete="CASCADE"), nullable=False),
    Column(
        "subscription_id",
        Integer,
        ForeignKey("alert_subscriptions.id", ondelete="CASCADE"),
        nullable=False,
    ),
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

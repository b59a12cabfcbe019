"""Identity and access (users, tokens, audit) and idempotent-ingest receipts."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, ForeignKey, Index, Integer, String, Table, Text

from cityops.store.schema.base import BigId, metadata
from cityops.store.types import JSONDoc, UTCDateTime

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
    Column("locked_until", UTCDateTime),  # unused since 0005: see login_attempts
    Column("created_at", UTCDateTime, nullable=False),
    # set for a password someone else chose (first admin, admin reset): change it first
    Column("must_change_password", Boolean, nullable=False, server_default="0"),
    # the operator interface language this person chose (None: the browser's, else English)
    Column("language", String(16)),
)

# Server-side sessions: the cookie holds a random id; the row holds its SHA-256 hash, so
# that a copy of this table cannot be replayed. Logout deletes the row.
sessions = Table(
    "sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
    Column("remote_addr", String(64)),
    Index("ix_sessions_user_id", "user_id"),
    Index("ix_sessions_expires_at", "expires_at"),
)

# Failed logins per (user name, client address): locks the pair, and (summed) the
# account for addresses that never logged in to it. Shared by every worker.
login_attempts = Table(
    "login_attempts",
    metadata,
    Column("username", String(128), primary_key=True),
    Column("address", String(64), primary_key=True),
    Column("failures", Integer, nullable=False, server_default="0"),
    Column("window_start", UTCDateTime, nullable=False),
    Column("locked_until", UTCDateTime),
    Column("last_success", UTCDateTime),
    Index("ix_login_attempts_window_start", "window_start"),
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
    Column("org_id", Integer, index=True),  # the actor's organisation
    # The organisation whose entity was acted on, where it is not the actor's own: the
    # action then shows in both organisations' views of the log.
    Column("subject_org_id", Integer, index=True),
    Column("action", String(32), nullable=False),
    Column("entity", String(64), nullable=False),
    Column("entity_id", Text),
    Column("detail", JSONDoc),
    Column("remote_addr", String(64)),
    Index("ix_audit_log_time", "time"),
)

# Devices that authenticate to the MQTT broker itself (dynamic-security clients made by
# CityOps): the opaque broker user name and the Thing it acts for. The password is only
# in the broker (hashed there) and in the answer that created it.
mqtt_clients = Table(
    "mqtt_clients",
    metadata,
    Column("username", String(64), primary_key=True),
    Column("thing_id", BigId, ForeignKey("things.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("revoked_at", UTCDateTime),
    Index("ix_mqtt_clients_thing_id", "thing_id"),
)

# Idempotent ingest (MQTT redelivery, file re-import): one row per source message key.
ingest_receipts = Table(
    "ingest_receipts",
    metadata,
    Column("source", String(64), primary_key=True),
    Column("key", String(256), primary_key=True),
    Column("observation_id", BigId),
)
